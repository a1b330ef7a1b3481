//===- OutputFolder.h - all of out/ or none of it -------------------------===//
#ifndef LLMC_COMPILER_EMITTER_OUTPUTFOLDER_H
#define LLMC_COMPILER_EMITTER_OUTPUTFOLDER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace llmc {

/// Files are written into a hidden staging folder beside the destination; commit() puts it in
/// place. The destination is only ever the previous output or the complete new one:
///  - a compile holds a lock file beside the destination (.NAME.llmc-lock) from create() to the
///    end, so a second compile to the same folder fails at once instead of mixing outputs;
///  - holding it, create() removes staging folders that killed compiles left (no live compile
///    can own them);
///  - commit() swaps the folders in one rename (renameat2 RENAME_EXCHANGE on Linux; elsewhere
///    the old output is renamed aside first), then removes the old one;
///  - a failed compile, or SIGINT/SIGTERM/SIGHUP (InterruptCleanup), removes the staging folder
///    and the lock file.
class OutputFolder {
public:
  /// Locks the destination, checks it (its parent must exist; an existing destination must be
  /// empty or an earlier llmc output, i.e. hold manifest.json) and creates the staging folder.
  static llvm::Expected<OutputFolder> create(llvm::StringRef destination);

  OutputFolder(OutputFolder &&other);
  OutputFolder(const OutputFolder &) = delete;
  ~OutputFolder();

  /// Where to write now.
  llvm::StringRef stagingPath() const { return staging; }
  /// `error` with the staging folder's path in its message replaced by the destination's, so
  /// that it names the file the user asked for (out/weights.bin).
  llvm::Error namingDestination(llvm::Error error) const;
  /// Replaces the destination with the staging folder, removes the previous output and unlocks.
  llvm::Error commit();

private:
  OutputFolder(std::string destination, std::string staging, std::string lockPath, int lockFile)
      : destination(std::move(destination)), staging(std::move(staging)),
        lockPath(std::move(lockPath)), lockFile(lockFile) {}
  /// Puts the staging folder at the destination; returns where the previous output went ("" if
  /// there was none): the staging path after an exchange, else `aside`.
  llvm::Expected<std::string> swapIntoPlace(const std::string &aside);
  void unlock();

  std::string destination;
  std::string staging;
  std::string lockPath;
  int lockFile = -1;
  bool committed = false;
};

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_OUTPUTFOLDER_H
