//===- OutputFolder.cpp - all of out/ or none of it -----------------------===//
#include "compiler/Emitter/OutputFolder.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

namespace llmc {
namespace {

llvm::Error folderError(llvm::StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": " + message);
}

bool isEmptyFolder(llvm::StringRef path) {
  std::error_code ec;
  llvm::sys::fs::directory_iterator it(path, ec);
  return !ec && it == llvm::sys::fs::directory_iterator();
}

} // namespace

llvm::Expected<OutputFolder> OutputFolder::create(llvm::StringRef destination) {
  llvm::SmallString<256> absolute(destination);
  llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  if (llvm::sys::path::filename(absolute).empty())
    return folderError(destination, "not a usable output folder name");
  llvm::SmallString<256> parent = llvm::sys::path::parent_path(absolute);
  if (parent.empty())
    parent = ".";
  if (!llvm::sys::fs::is_directory(parent))
    return folderError(destination, "the parent folder '" + parent + "' does not exist");
  if (llvm::sys::fs::exists(absolute)) {
    llvm::SmallString<256> manifest(absolute);
    llvm::sys::path::append(manifest, "manifest.json");
    if (!llvm::sys::fs::is_directory(absolute))
      return folderError(destination, "exists and is not a folder");
    if (!isEmptyFolder(absolute) && !llvm::sys::fs::exists(manifest))
      return folderError(destination,
                         "exists and is not an llmc output folder (no manifest.json); "
                         "refusing to overwrite it");
  }
  // The staging folder sits beside the destination so that the final rename stays on one file
  // system and is atomic.
  llvm::SmallString<256> staging(parent);
  llvm::sys::path::append(staging, "." + llvm::sys::path::filename(absolute) + ".llmc-tmp-" +
                                       llvm::Twine(llvm::sys::Process::getProcessId()));
  llvm::sys::fs::remove_directories(staging); // left by a process that was killed
  if (std::error_code ec = llvm::sys::fs::create_directory(staging))
    return folderError(destination, "cannot create a staging folder: " + ec.message());
  return OutputFolder(absolute.str().str(), staging.str().str());
}

OutputFolder::OutputFolder(OutputFolder &&other)
    : destination(std::move(other.destination)), staging(std::move(other.staging)),
      committed(other.committed) {
  other.committed = true; // the moved-from object owns nothing
}

OutputFolder::~OutputFolder() {
  if (!committed && !staging.empty())
    llvm::sys::fs::remove_directories(staging);
}

llvm::Error OutputFolder::commit() {
  if (llvm::sys::fs::exists(destination))
    if (std::error_code ec = llvm::sys::fs::remove_directories(destination))
      return folderError(destination, "cannot replace the old output: " + ec.message());
  if (std::error_code ec = llvm::sys::fs::rename(staging, destination))
    return folderError(destination, "cannot move the output into place: " + ec.message());
  committed = true;
  return llvm::Error::success();
}

} // namespace llmc
