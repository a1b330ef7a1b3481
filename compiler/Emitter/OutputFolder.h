//===- OutputFolder.h - all of out/ or none of it -------------------------===//
#ifndef LLMC_COMPILER_EMITTER_OUTPUTFOLDER_H
#define LLMC_COMPILER_EMITTER_OUTPUTFOLDER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace llmc {

/// Files are written into a hidden staging folder beside the destination; commit() renames it
/// into place. If commit() is never reached, the destructor removes the staging folder, so a
/// failed compile leaves nothing behind.
class OutputFolder {
public:
  /// Checks the destination (its parent must exist; an existing destination must be empty or an
  /// earlier llmc output, i.e. hold manifest.json) and creates the staging folder.
  static llvm::Expected<OutputFolder> create(llvm::StringRef destination);

  OutputFolder(OutputFolder &&other);
  OutputFolder(const OutputFolder &) = delete;
  ~OutputFolder();

  /// Where to write now.
  llvm::StringRef stagingPath() const { return staging; }
  /// Replaces the destination with the staging folder.
  llvm::Error commit();

private:
  OutputFolder(std::string destination, std::string staging)
      : destination(std::move(destination)), staging(std::move(staging)) {}
  std::string destination;
  std::string staging;
  bool committed = false;
};

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_OUTPUTFOLDER_H
