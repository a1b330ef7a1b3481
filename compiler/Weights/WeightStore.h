//===- WeightStore.h - memory-mapped source tensors and their transforms --===//
//
// The weight table every other part of the compiler stands on. Importers add tensors that point
// into memory-mapped source files; passes record transforms (row permutations today; quantize and
// repack later); the blob writer reads each tensor, transformed, one at a time. Nothing here
// copies a whole model, and nothing here knows about MLIR or the layers above.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_WEIGHTS_WEIGHTSTORE_H
#define LLMC_COMPILER_WEIGHTS_WEIGHTSTORE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmc {

/// Element types a source file may hold.
enum class DType { F32, F16, BF16 };

/// "f32", "f16", "bf16".
llvm::StringRef dtypeName(DType dtype);
/// Bytes per element.
size_t dtypeSize(DType dtype);

/// One tensor of the table: where its bytes are and what to do to them when read.
struct WeightTensor {
  std::string name;              ///< canonical llmc name, e.g. "layers.3.q_proj"
  DType dtype;                   ///< element type in the source file
  std::vector<int64_t> shape;    ///< outermost first
  std::string sourcePath;        ///< the file the bytes come from, for error messages
  std::shared_ptr<llvm::MemoryBuffer> file; ///< keeps the mapping alive
  uint64_t offset = 0;           ///< of the first byte inside `file`
  std::vector<int64_t> rowPermutation; ///< empty, or: result row r = source row perm[r]

  int64_t numElements() const;
  uint64_t numBytes() const { return numElements() * dtypeSize(dtype); }
};

/// The table of weights, in insertion order.
class WeightStore {
public:
  /// Adds a tensor whose bytes are file[offset, offset + numel * sizeof(dtype)). Fails with a
  /// message naming sourcePath if the name is already present or the range is outside the file.
  llvm::Error addMapped(llvm::StringRef name, DType dtype, llvm::ArrayRef<int64_t> shape,
                        std::shared_ptr<llvm::MemoryBuffer> file, uint64_t offset,
                        llvm::StringRef sourcePath);

  /// Records that reading `name` yields its rows (dimension 0) reordered by `perm`.
  llvm::Error permuteRows(llvm::StringRef name, std::vector<int64_t> perm);

  bool contains(llvm::StringRef name) const { return index.count(name) != 0; }
  /// The tensor called `name`; it must exist.
  const WeightTensor &get(llvm::StringRef name) const;
  /// All tensors in insertion order.
  const std::vector<WeightTensor> &tensors() const { return table; }

  /// Reads `name` as float32 with its transforms applied; out is resized to numElements().
  llvm::Error readF32(llvm::StringRef name, std::vector<float> &out) const;

private:
  std::vector<WeightTensor> table;
  llvm::StringMap<size_t> index;
};

/// IEEE half and bfloat16 to float, exact.
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);

} // namespace llmc

#endif // LLMC_COMPILER_WEIGHTS_WEIGHTSTORE_H
