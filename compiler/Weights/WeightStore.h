//===- WeightStore.h - memory-mapped source tensors and their transforms --===//
//
// The weight table every other part of the compiler stands on. Importers add tensors that point
// into memory-mapped source files, with the row permutation some formats need (interleaved RoPE
// pairs); the blob writer reads each tensor one at a time, as float32 or as raw blocks, and
// quantizes and reorders it into the weight's scheme and layout (the IR's `!llm.qweight` type).
// Nothing here copies a whole model, and nothing here knows about MLIR or the layers above.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_WEIGHTS_WEIGHTSTORE_H
#define LLMC_COMPILER_WEIGHTS_WEIGHTSTORE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmc {

/// Element types a source file may hold: floats, and ggml's block-quantized formats, where each
/// row (the last dimension) is a run of blocks of blockSize() values stored in dtypeSize() bytes.
/// The quantized ones are runtime/quant_schemes.def's, in its order (checked where their sizes
/// are read from it); runtime/quant_format.h has the exact layouts, ggml's bit for bit.
enum class DType { F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K };

/// "f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q4_k", "q6_k".
llvm::StringRef dtypeName(DType dtype);
/// Bytes per element of a float type; bytes per block of a quantized one.
size_t dtypeSize(DType dtype);
/// Whether `dtype` is one of the block-quantized formats.
bool isQuantized(DType dtype);
/// Values per block: 32 or 256 for quantized types, 1 for float types.
int64_t blockSize(DType dtype);
/// Bytes of a row of `k` values; for quantized types k must be a multiple of blockSize(dtype).
uint64_t rowBytes(DType dtype, int64_t k);

/// "[a, b, c]": a shape in messages.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// Where one part of a joined tensor lies (WeightStore::addJoined).
struct WeightPart {
  std::shared_ptr<llvm::MemoryBuffer> file;
  uint64_t offset = 0;
};

/// One tensor of the table: where its bytes are and what to do to them when read.
struct WeightTensor {
  std::string name;              ///< canonical llmc name, e.g. "layers.3.q_proj"
  DType dtype;                   ///< element type in the source file
  std::vector<int64_t> shape;    ///< outermost first; quantized: the last is a whole number
                                 ///< of blocks
  std::string sourcePath;        ///< the file the bytes come from, for error messages
  std::shared_ptr<llvm::MemoryBuffer> file; ///< keeps the mapping alive
  uint64_t offset = 0;           ///< of the first byte inside `file`
  std::vector<int64_t> rowPermutation; ///< empty, or: result row r = source row perm[r]
  /// Empty, or: the source is these equal parts (the first is file/offset) joined along
  /// dimension joinDim, assembled when the tensor is read.
  std::vector<WeightPart> parts;
  int joinDim = 0;

  int64_t numElements() const;
  /// Bytes in the source file: rows (the product of all but the last dimension) * rowBytes.
  uint64_t numBytes() const;
};

/// The table of weights, in insertion order.
class WeightStore {
public:
  /// Adds a tensor whose bytes are file[offset, offset + numBytes()). Fails with a message naming
  /// sourcePath if the name is already present, the range is outside the file, or a quantized
  /// tensor's rows are not whole blocks.
  llvm::Error addMapped(llvm::StringRef name, DType dtype, llvm::ArrayRef<int64_t> shape,
                        std::shared_ptr<llvm::MemoryBuffer> file, uint64_t offset,
                        llvm::StringRef sourcePath);

  /// Adds a tensor whose source is `parts`, each of shape `partShape`, joined along dimension
  /// `joinDim` (0, or 1 of a two-dimensional tensor): sharded checkpoints split one tensor so.
  /// Nothing is copied until the tensor is read, and then only that tensor. Fails as addMapped
  /// does for any part, and for an empty list of parts or another joinDim.
  llvm::Error addJoined(llvm::StringRef name, DType dtype, llvm::ArrayRef<int64_t> partShape,
                        int joinDim, std::vector<WeightPart> parts, llvm::StringRef sourcePath);

  /// Records that reading `name` yields its rows (dimension 0) reordered by `perm`. A quantized
  /// tensor needs at least two dimensions (so that a row is whole blocks and moving it is exact).
  llvm::Error permuteRows(llvm::StringRef name, std::vector<int64_t> perm);

  bool contains(llvm::StringRef name) const { return index.count(name) != 0; }
  /// The tensor called `name`; it must exist.
  const WeightTensor &get(llvm::StringRef name) const;
  /// All tensors in insertion order.
  const std::vector<WeightTensor> &tensors() const { return table; }

  /// Reads `name` as float32 with its transforms applied (quantized tensors are dequantized);
  /// out is resized to numElements().
  llvm::Error readF32(llvm::StringRef name, std::vector<float> &out) const;

  /// Calls `visit(first, values)` on the values of `name` as float32 in source order (no row
  /// permutation), a few blocks at a time, so that every value keeps the index the source file
  /// gives it and memory stays small (a joined tensor is assembled first); `first` is the flat index of values[0]. Stops when visit
  /// returns false.
  llvm::Error scanF32(llvm::StringRef name,
                      llvm::function_ref<bool(int64_t first, llvm::ArrayRef<float> values)> visit)
      const;

  /// Reads the source bytes of `name` (in its own dtype) with its row permutation applied, so an
  /// untransformed quantized tensor passes through bit for bit; out is resized to numBytes().
  llvm::Error readRaw(llvm::StringRef name, std::vector<uint8_t> &out) const;

private:
  /// The checks of addMapped: the byte size of a `shape` tensor at file[offset...), or an error.
  static llvm::Expected<uint64_t> checkMapped(llvm::StringRef name, DType dtype,
                                              llvm::ArrayRef<int64_t> shape,
                                              const llvm::MemoryBuffer *file, uint64_t offset,
                                              llvm::StringRef sourcePath);
  llvm::Error checkNewName(llvm::StringRef name, llvm::StringRef sourcePath) const;

  std::vector<WeightTensor> table;
  llvm::StringMap<size_t> index;
};

/// IEEE half and bfloat16 to float, exact.
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);

} // namespace llmc

#endif // LLMC_COMPILER_WEIGHTS_WEIGHTSTORE_H
