//===- StoredZip.h - the directory of a zip archive of stored entries -----===//
//
// torch.save writes a zip (PyTorch's "zip file format") whose entries are stored, never
// compressed, so that a tensor's bytes can be mapped where they lie. This reads the central
// directory (zip64 included: checkpoints pass 4 GiB) and gives each entry's byte range in the
// file; a compressed or encrypted entry is an error.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_STOREDZIP_H
#define LLMC_COMPILER_IMPORTER_STOREDZIP_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

/// One entry: its bytes are file[offset, offset + size).
struct ZipEntry {
  std::string name;
  uint64_t offset = 0;
  uint64_t size = 0;
};

/// The entries of the zip archive `bytes` (named `path` in messages), in directory order. Fails
/// on a missing end record (a truncated file), a compressed or encrypted entry, an entry whose
/// bytes lie outside the file, or a multi-disk archive.
llvm::Expected<std::vector<ZipEntry>> readStoredZip(llvm::StringRef bytes, llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_STOREDZIP_H
