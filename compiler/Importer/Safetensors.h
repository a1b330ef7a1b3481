//===- Safetensors.h - the safetensors container format -------------------===//
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F16", "shape": [..], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value", ...}}
// and then the data section; offsets are relative to the data section's first byte.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_SAFETENSORS_H
#define LLMC_COMPILER_IMPORTER_SAFETENSORS_H

#include "compiler/Weights/WeightStore.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBufferRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

/// One tensor of a safetensors file.
struct SafetensorsTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t offset = 0; ///< of the first byte, from the start of the file
  uint64_t size = 0;   ///< in bytes
};

/// The validated header of one safetensors file.
struct SafetensorsHeader {
  std::vector<SafetensorsTensor> tensors; ///< ordered by offset, then name
  uint64_t dataOffset = 0;                ///< 8 + header length
};

/// Parses and validates the header of the safetensors file held in `buffer` (named `path` in
/// messages): every tensor has a supported dtype (F32, F16, BF16), a byte range that matches its
/// shape, lies inside the file and overlaps no other. Never reads the tensor data.
llvm::Expected<SafetensorsHeader> parseSafetensors(llvm::MemoryBufferRef buffer,
                                                   llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_SAFETENSORS_H
