//===- OutputFolder.cpp - all of out/ or none of it -----------------------===//
//
// The guarantees are listed in OutputFolder.h and docs/cli.md ("How out/ is written").
//
//===----------------------------------------------------------------------===//
#include "compiler/Emitter/OutputFolder.h"
#include "compiler/Emitter/InterruptCleanup.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"

#include <cerrno>
#include <cstdio>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace llmc {
namespace {

llvm::Error folderError(llvm::StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": " + message);
}

std::string lastErrorMessage() { return std::error_code(errno, std::generic_category()).message(); }

bool isEmptyFolder(llvm::StringRef path) {
  std::error_code ec;
  llvm::sys::fs::directory_iterator it(path, ec);
  return !ec && it == llvm::sys::fs::directory_iterator();
}

llvm::StringRef parentOf(llvm::StringRef path) {
  llvm::StringRef parent = llvm::sys::path::parent_path(path);
  return parent.empty() ? "." : parent;
}

/// The hidden sibling ".NAME.llmc-<what>" of `destination`. Siblings share its file system, so
/// renames between them are atomic.
std::string siblingOf(llvm::StringRef destination, const llvm::Twine &what) {
  llvm::SmallString<256> path(parentOf(destination));
  llvm::sys::path::append(path, "." + llvm::sys::path::filename(destination) + ".llmc-" + what);
  return path.str().str();
}

/// Refuses a destination that is not ours to replace.
llvm::Error checkDestination(llvm::StringRef destination) {
  if (!llvm::sys::fs::exists(destination))
    return llvm::Error::success();
  if (!llvm::sys::fs::is_directory(destination))
    return folderError(destination, "exists and is not a folder");
  llvm::SmallString<256> manifest(destination);
  llvm::sys::path::append(manifest, "manifest.json");
  if (!isEmptyFolder(destination) && !llvm::sys::fs::exists(manifest))
    return folderError(destination, "exists and is not an llmc output folder (no manifest.json); "
                                    "refusing to overwrite it");
  return llvm::Error::success();
}

/// " (process N)" from a lock file's text, or "" when it holds no pid yet.
std::string lockOwner(int lockFile) {
  char text[32] = {};
  ssize_t bytes = ::pread(lockFile, text, sizeof text - 1, 0);
  llvm::StringRef pid = llvm::StringRef(text, bytes > 0 ? size_t(bytes) : 0).trim();
  unsigned long long number;
  return pid.getAsInteger(10, number) ? "" : " (process " + pid.str() + ")";
}

/// Opens and locks `lockPath` without waiting. A holder removes the file before it unlocks, so
/// a lock won on a file that is no longer at `lockPath` is retried on the file there now.
llvm::Expected<int> lockDestination(llvm::StringRef destination, const std::string &lockPath) {
  for (;;) {
    int lockFile = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (lockFile < 0)
      return folderError(destination,
                         "cannot create the lock file " + lockPath + ": " + lastErrorMessage());
    if (::flock(lockFile, LOCK_EX | LOCK_NB) != 0) {
      bool busy = errno == EWOULDBLOCK;
      std::string why = busy ? lockOwner(lockFile) : lastErrorMessage();
      ::close(lockFile);
      if (!busy)
        return folderError(destination, "cannot lock " + lockPath + ": " + why);
      return folderError(destination, "another llmc compile" + why +
                                           " is writing this folder; run this one when it has "
                                           "finished (it holds " + lockPath + ")");
    }
    llvm::sys::fs::file_status locked, current;
    if (!llvm::sys::fs::status(lockFile, locked) && !llvm::sys::fs::status(lockPath, current) &&
        llvm::sys::fs::equivalent(locked, current)) {
      // The pid only makes another compile's message more helpful; failing to write it is fine.
      std::string pid = std::to_string(llvm::sys::Process::getProcessId()) + "\n";
      [[maybe_unused]] bool recorded =
          ::ftruncate(lockFile, 0) == 0 &&
          ::pwrite(lockFile, pid.data(), pid.size(), 0) == ssize_t(pid.size());
      return lockFile;
    }
    ::close(lockFile);
  }
}

/// Removes the staging folders (and set-aside old outputs) that killed compiles to
/// `destination` left. The caller holds the lock, so no live compile owns one.
llvm::Error removeLeftovers(llvm::StringRef destination) {
  std::string prefix = "." + llvm::sys::path::filename(destination).str() + ".llmc-";
  std::vector<std::string> leftovers;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(parentOf(destination), ec), end; !ec && it != end;
       it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with(prefix + "tmp-") || name.starts_with(prefix + "old-"))
      leftovers.push_back(it->path());
  }
  if (ec)
    return folderError(parentOf(destination), "cannot list: " + ec.message());
  for (const std::string &leftover : leftovers)
    if (std::error_code removeError =
            llvm::sys::fs::remove_directories(leftover, /*IgnoreErrors=*/false))
      return folderError(leftover, "cannot remove this folder an interrupted compile left: " +
                                       removeError.message());
  return llvm::Error::success();
}

} // namespace

llvm::Expected<OutputFolder> OutputFolder::create(llvm::StringRef destination) {
  llvm::SmallString<256> cleaned(destination);
  llvm::sys::path::remove_dots(cleaned, /*remove_dot_dot=*/true);
  // A link to an earlier output: replace the folder it names, beside that folder, rather than
  // swap the link away and remove the folder through it.
  llvm::SmallString<256> linked;
  if (llvm::sys::fs::is_symlink_file(cleaned) && !llvm::sys::fs::real_path(cleaned, linked))
    cleaned = linked;
  if (llvm::sys::path::filename(cleaned).empty())
    return folderError(destination, "not a usable output folder name");
  if (!llvm::sys::fs::is_directory(parentOf(cleaned)))
    return folderError(destination, "the parent folder '" + parentOf(cleaned) + "' does not exist");

  InterruptCleanup::start();
  std::string lockPath = siblingOf(cleaned, "lock");
  llvm::Expected<int> lockFile = lockDestination(cleaned, lockPath);
  if (!lockFile)
    return lockFile.takeError();
  InterruptCleanup::add(lockPath);
  // From here the folder's destructor unlocks and removes what it created if a step fails.
  OutputFolder folder(cleaned.str().str(),
                      siblingOf(cleaned, "tmp-" + llvm::Twine(llvm::sys::Process::getProcessId())),
                      lockPath, *lockFile);
  if (llvm::Error error = checkDestination(folder.destination))
    return std::move(error);
  if (llvm::Error error = removeLeftovers(folder.destination))
    return std::move(error);
  InterruptCleanup::add(folder.staging);
  if (std::error_code ec = llvm::sys::fs::create_directory(folder.staging))
    return folderError(destination, "cannot create a staging folder: " + ec.message());
  return std::move(folder);
}

OutputFolder::OutputFolder(OutputFolder &&other)
    : destination(std::move(other.destination)), staging(std::move(other.staging)),
      lockPath(std::move(other.lockPath)), lockFile(other.lockFile), committed(other.committed) {
  other.lockFile = -1; // the moved-from object owns nothing
  other.committed = true;
}

OutputFolder::~OutputFolder() {
  if (!committed) {
    llvm::sys::fs::remove_directories(staging);
    InterruptCleanup::forget(staging);
  }
  unlock();
}

void OutputFolder::unlock() {
  if (lockFile < 0)
    return;
  // Removed while still locked: a compile that opened it before and locks it next finds it no
  // longer at lockPath and retries (lockDestination).
  ::unlink(lockPath.c_str());
  InterruptCleanup::forget(lockPath);
  ::close(lockFile);
  lockFile = -1;
}

llvm::Error OutputFolder::namingDestination(llvm::Error error) const {
  return llvm::handleErrors(std::move(error), [&](llvm::ErrorInfoBase &info) -> llvm::Error {
    std::string message = info.message();
    for (size_t at = message.find(staging); at != std::string::npos;
         at = message.find(staging, at + destination.size()))
      message.replace(at, staging.size(), destination);
    return llvm::createStringError(info.convertToErrorCode(), message);
  });
}

llvm::Expected<std::string> OutputFolder::swapIntoPlace(const std::string &aside) {
  std::unique_lock<std::mutex> signalsWait = InterruptCleanup::hold();
  if (!llvm::sys::fs::exists(destination)) {
    if (std::error_code ec = llvm::sys::fs::rename(staging, destination))
      return folderError(destination, "cannot move the output into place: " + ec.message());
    return std::string();
  }
#ifdef RENAME_EXCHANGE
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, destination.c_str(), RENAME_EXCHANGE) == 0)
    return staging; // now holds the previous output
  if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
    return folderError(destination, "cannot replace the previous output: " + lastErrorMessage());
#endif
  // No exchange on this system or file system: for a moment there is no destination, and a
  // crash then leaves the previous output in `aside` (removed by the next compile).
  if (std::error_code ec = llvm::sys::fs::rename(destination, aside))
    return folderError(destination, "cannot move the previous output aside: " + ec.message());
  if (std::error_code ec = llvm::sys::fs::rename(staging, destination)) {
    llvm::sys::fs::rename(aside, destination);
    return folderError(destination, "cannot move the output into place: " + ec.message());
  }
  return aside;
}

llvm::Error OutputFolder::commit() {
  // Checked again: someone may have put files into the destination while the model compiled.
  if (llvm::Error error = checkDestination(destination))
    return error;
  std::string aside =
      siblingOf(destination, "old-" + llvm::Twine(llvm::sys::Process::getProcessId()));
  InterruptCleanup::add(aside);
  llvm::Expected<std::string> previous = swapIntoPlace(aside);
  if (!previous) {
    InterruptCleanup::forget(aside);
    return previous.takeError();
  }
  committed = true;
  // The new output is in place; failing to remove the previous one does not undo that.
  if (!previous->empty())
    if (std::error_code ec = llvm::sys::fs::remove_directories(*previous, /*IgnoreErrors=*/false))
      llvm::WithColor::warning(llvm::errs(), "llmc")
          << *previous << ": cannot remove the previous output (" << ec.message()
          << "); the next compile to " << destination << " removes it\n";
  InterruptCleanup::forget(staging);
  InterruptCleanup::forget(aside);
  unlock();
  return llvm::Error::success();
}

} // namespace llmc
