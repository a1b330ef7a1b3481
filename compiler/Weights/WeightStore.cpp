//===- WeightStore.cpp - memory-mapped source tensors and their transforms -===//

#include "compiler/Weights/WeightStore.h"
#include "runtime/quant_format.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/SwapByteOrder.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#if defined(__linux__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#endif

using namespace llmc;
using llvm::createStringError;
using llvm::Error;
using llvm::StringRef;

// The quantized dtypes follow runtime/quant_schemes.def, whose sizes they take.
#define LLMRT_QUANT_SCHEME(name, NAME, values, bytes, activations, ggml)                          \
  static_assert(int(DType::NAME) - int(DType::Q8_0) == int(LLMRT_##NAME),                         \
                "DType follows runtime/quant_schemes.def");
#include "runtime/quant_schemes.def"

namespace {
llmrt_quant_scheme quantSchemeOf(DType dtype) {
  return llmrt_quant_scheme(int(dtype) - int(DType::Q8_0));
}
} // namespace

StringRef llmc::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  default:
    return llmrt_quant_scheme_name(quantSchemeOf(dtype));
  }
}

size_t llmc::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  default:
    return size_t(llmrt_quant_block_bytes(quantSchemeOf(dtype)));
  }
}

bool llmc::isQuantized(DType dtype) { return blockSize(dtype) > 1; }

int64_t llmc::blockSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::F16:
  case DType::BF16:
    return 1;
  default:
    return llmrt_quant_block_size(quantSchemeOf(dtype));
  }
}

uint64_t llmc::rowBytes(DType dtype, int64_t k) {
  assert(k >= 0 && k % blockSize(dtype) == 0 && "a row must be whole blocks");
  return uint64_t(k / blockSize(dtype)) * dtypeSize(dtype);
}

int64_t WeightTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

uint64_t WeightTensor::numBytes() const {
  if (shape.empty())
    return rowBytes(dtype, 1);
  uint64_t rows = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i)
    rows *= uint64_t(shape[i]);
  return rows * rowBytes(dtype, shape.back());
}

std::string llmc::formatShape(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace {

/// Converts `count` elements of `dtype` at `src` (any alignment, little-endian) to float; for
/// quantized types `count` is a whole number of blocks.
void convertToF32(DType dtype, const char *src, int64_t count, float *dst) {
  switch (dtype) {
  case DType::Q8_0:
    llmrt_dequantize_row_q8_0(src, count, dst);
    return;
  case DType::Q4_0:
    llmrt_dequantize_row_q4_0(src, count, dst);
    return;
  case DType::Q4_1:
    llmrt_dequantize_row_q4_1(src, count, dst);
    return;
  case DType::Q4_K:
    llmrt_dequantize_row_q4_k(src, count, dst);
    return;
  case DType::Q6_K:
    llmrt_dequantize_row_q6_k(src, count, dst);
    return;
  case DType::F32:
    if (llvm::sys::IsLittleEndianHost) {
      std::memcpy(dst, src, count * sizeof(float));
      return;
    }
    for (int64_t i = 0; i < count; ++i) {
      uint32_t bits = llvm::support::endian::read32le(src + 4 * i);
      std::memcpy(&dst[i], &bits, sizeof(float));
    }
    return;
  case DType::F16:
    for (int64_t i = 0; i < count; ++i)
      dst[i] = halfToFloat(llvm::support::endian::read16le(src + 2 * i));
    return;
  case DType::BF16:
    for (int64_t i = 0; i < count; ++i)
      dst[i] = bfloat16ToFloat(llvm::support::endian::read16le(src + 2 * i));
    return;
  }
}

} // namespace

Error WeightStore::checkNewName(StringRef name, StringRef sourcePath) const {
  if (name.empty())
    return createStringError("%s: tensor with an empty name", sourcePath.str().c_str());
  if (contains(name))
    return createStringError("%s: tensor '%s' is defined twice", sourcePath.str().c_str(),
                             name.str().c_str());
  return Error::success();
}

llvm::Expected<uint64_t> WeightStore::checkMapped(StringRef name, DType dtype,
                                                  llvm::ArrayRef<int64_t> shape,
                                                  const llvm::MemoryBuffer *file,
                                                  uint64_t offset, StringRef sourcePath) {
  if (!file)
    return createStringError("%s: tensor '%s' has no file", sourcePath.str().c_str(),
                             name.str().c_str());
  // Element count and byte size, refusing anything that would overflow.
  uint64_t elements = 1, bytes = 0;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(elements, uint64_t(d), &elements) ||
        elements > uint64_t(INT64_MAX))
      return createStringError("%s: tensor '%s' has an invalid shape %s",
                               sourcePath.str().c_str(), name.str().c_str(),
                               formatShape(shape).c_str());
  }
  if (isQuantized(dtype) && (shape.empty() || shape.back() % blockSize(dtype) != 0))
    return createStringError(
        "%s: tensor '%s' (%s %s): rows of %s must be a multiple of %lld values (one block)",
        sourcePath.str().c_str(), name.str().c_str(), dtypeName(dtype).str().c_str(),
        formatShape(shape).c_str(), dtypeName(dtype).str().c_str(), (long long)blockSize(dtype));
  if (__builtin_mul_overflow(elements / uint64_t(blockSize(dtype)), uint64_t(dtypeSize(dtype)),
                             &bytes))
    return createStringError("%s: tensor '%s' has an invalid shape %s",
                             sourcePath.str().c_str(), name.str().c_str(),
                             formatShape(shape).c_str());
  uint64_t fileSize = file->getBufferSize();
  if (bytes > uint64_t(INT64_MAX) || offset > fileSize || bytes > fileSize - offset)
    return createStringError(
        "%s: tensor '%s' (%s %s, %llu bytes at offset %llu) lies outside the file (%llu bytes)",
        sourcePath.str().c_str(), name.str().c_str(), dtypeName(dtype).str().c_str(),
        formatShape(shape).c_str(), (unsigned long long)bytes, (unsigned long long)offset,
        (unsigned long long)fileSize);
  return bytes;
}

Error WeightStore::addMapped(StringRef name, DType dtype, llvm::ArrayRef<int64_t> shape,
                             std::shared_ptr<llvm::MemoryBuffer> file, uint64_t offset,
                             StringRef sourcePath) {
  if (Error err = checkNewName(name, sourcePath))
    return err;
  if (llvm::Expected<uint64_t> bytes =
          checkMapped(name, dtype, shape, file.get(), offset, sourcePath);
      !bytes)
    return bytes.takeError();
  WeightTensor tensor;
  tensor.name = name.str();
  tensor.dtype = dtype;
  tensor.shape.assign(shape.begin(), shape.end());
  tensor.sourcePath = sourcePath.str();
  tensor.file = std::move(file);
  tensor.offset = offset;
  index[name] = table.size();
  table.push_back(std::move(tensor));
  return Error::success();
}

Error WeightStore::addJoined(StringRef name, DType dtype, llvm::ArrayRef<int64_t> partShape,
                             int joinDim, std::vector<WeightPart> parts, StringRef sourcePath) {
  if (Error err = checkNewName(name, sourcePath))
    return err;
  if (parts.empty() || !(joinDim == 0 || (joinDim == 1 && partShape.size() == 2)) ||
      partShape.empty())
    return createStringError("%s: tensor '%s' %s cannot be joined from %zu parts along "
                             "dimension %d",
                             sourcePath.str().c_str(), name.str().c_str(),
                             formatShape(partShape).c_str(), parts.size(), joinDim);
  uint64_t partBytes = 0;
  for (const WeightPart &part : parts) {
    llvm::Expected<uint64_t> bytes =
        checkMapped(name, dtype, partShape, part.file.get(), part.offset, sourcePath);
    if (!bytes)
      return bytes.takeError();
    partBytes = *bytes;
  }
  // The joined tensor's element count and byte size must fit as a mapped one's do.
  std::vector<int64_t> shape(partShape.begin(), partShape.end());
  uint64_t total = 0, elements = 1;
  bool fits = !__builtin_mul_overflow(shape[joinDim], int64_t(parts.size()), &shape[joinDim]) &&
              !__builtin_mul_overflow(partBytes, uint64_t(parts.size()), &total) &&
              total <= uint64_t(INT64_MAX);
  for (int64_t d : shape)
    fits = fits && !__builtin_mul_overflow(elements, uint64_t(d), &elements) &&
           elements <= uint64_t(INT64_MAX);
  if (!fits)
    return createStringError("%s: tensor '%s' joined from %zu parts %s is too large",
                             sourcePath.str().c_str(), name.str().c_str(), parts.size(),
                             formatShape(partShape).c_str());
  if (Error err = addMapped(name, dtype, partShape, parts[0].file, parts[0].offset, sourcePath))
    return err;
  WeightTensor &tensor = table.back();
  tensor.shape = std::move(shape);
  tensor.parts = std::move(parts);
  tensor.joinDim = joinDim;
  return Error::success();
}

Error WeightStore::permuteRows(StringRef name, std::vector<int64_t> perm) {
  auto it = index.find(name);
  if (it == index.end())
    return createStringError("permuteRows: no tensor '%s'", name.str().c_str());
  WeightTensor &tensor = table[it->second];
  if (tensor.shape.empty() || int64_t(perm.size()) != tensor.shape[0])
    return createStringError("%s: row permutation of %zu entries does not fit tensor '%s' %s",
                             tensor.sourcePath.c_str(), perm.size(), name.str().c_str(),
                             formatShape(tensor.shape).c_str());
  if (isQuantized(tensor.dtype) && tensor.shape.size() < 2)
    return createStringError("%s: cannot permute the values of the one-dimensional %s tensor "
                             "'%s' (they are packed in blocks)",
                             tensor.sourcePath.c_str(), dtypeName(tensor.dtype).str().c_str(),
                             name.str().c_str());
  std::vector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= int64_t(perm.size()) || seen[p])
      return createStringError("%s: row permutation for tensor '%s' is not a permutation",
                               tensor.sourcePath.c_str(), name.str().c_str());
    seen[p] = true;
  }
  // Compose with an earlier permutation: result row r = earlier row perm[r] = source row
  // earlier[perm[r]].
  if (!tensor.rowPermutation.empty())
    for (int64_t &p : perm)
      p = tensor.rowPermutation[p];
  tensor.rowPermutation = std::move(perm);
  return Error::success();
}

const WeightTensor &WeightStore::get(StringRef name) const {
  auto it = index.find(name);
  assert(it != index.end() && "WeightStore::get of an unknown tensor");
  return table[it->second];
}

namespace {

/// The source bytes of `tensor`, in the source's layout: where they are mapped, or for a joined
/// tensor its parts assembled into `scratch` (one tensor's bytes).
const char *sourceBytes(const WeightTensor &tensor, std::vector<char> &scratch) {
  if (tensor.parts.empty())
    return tensor.file->getBufferStart() + tensor.offset;
  scratch.resize(tensor.numBytes());
  uint64_t partBytes = scratch.size() / tensor.parts.size();
  // Joined along dimension 0, parts follow each other; along 1, each row is a row of every part.
  uint64_t rows = tensor.joinDim == 0 ? 1 : uint64_t(tensor.shape[0]);
  uint64_t partRowBytes = rows ? partBytes / rows : 0;
  char *out = scratch.data();
  for (uint64_t r = 0; r < rows; ++r)
    for (const WeightPart &part : tensor.parts)
      out = std::copy_n(part.file->getBufferStart() + part.offset + r * partRowBytes,
                        partRowBytes, out);
  return scratch.data();
}

/// Tells the kernel the mapped source bytes of `tensor` are no longer needed. Compiling reads
/// each tensor once, so without this the whole mapped model would count toward the compiler's
/// resident memory; the pages are file-backed and come back from disk if read again.
void releaseSourcePages(const WeightTensor &tensor) {
#if defined(__linux__) || defined(__APPLE__)
  auto release = [](const llvm::MemoryBuffer &file, uint64_t offset, uint64_t bytes) {
    if (file.getBufferKind() != llvm::MemoryBuffer::MemoryBuffer_MMap)
      return;
    uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
    uintptr_t begin = uintptr_t(file.getBufferStart() + offset) / page * page;
    uintptr_t end = uintptr_t(file.getBufferStart() + offset + bytes);
    madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
  };
  if (tensor.parts.empty())
    return release(*tensor.file, tensor.offset, tensor.numBytes());
  for (const WeightPart &part : tensor.parts)
    release(*part.file, part.offset, tensor.numBytes() / tensor.parts.size());
#else
  (void)tensor;
#endif
}

} // namespace

Error WeightStore::readF32(StringRef name, std::vector<float> &out) const {
  auto it = index.find(name);
  if (it == index.end())
    return createStringError("readF32: no tensor '%s'", name.str().c_str());
  const WeightTensor &tensor = table[it->second];
  int64_t count = tensor.numElements();
  out.resize(count);
  if (count == 0) // nothing to convert, and out.data() may be null, which memcpy may not get
    return Error::success();
  std::vector<char> joined;
  const char *src = sourceBytes(tensor, joined);
  if (tensor.rowPermutation.empty()) {
    convertToF32(tensor.dtype, src, count, out.data());
    releaseSourcePages(tensor);
    return Error::success();
  }
  // Rows of dimension 0 are whole blocks for quantized tensors (permuteRows checks that).
  int64_t rows = tensor.shape[0];
  int64_t rowElements = rows ? count / rows : 0;
  uint64_t bytesPerRow = rowBytes(tensor.dtype, rowElements);
  for (int64_t r = 0; r < rows; ++r)
    convertToF32(tensor.dtype, src + tensor.rowPermutation[r] * bytesPerRow, rowElements,
                 out.data() + r * rowElements);
  releaseSourcePages(tensor);
  return Error::success();
}

Error WeightStore::scanF32(
    StringRef name, llvm::function_ref<bool(int64_t, llvm::ArrayRef<float>)> visit) const {
  auto it = index.find(name);
  if (it == index.end())
    return createStringError("scanF32: no tensor '%s'", name.str().c_str());
  const WeightTensor &tensor = table[it->second];
  int64_t count = tensor.numElements();
  int64_t block = blockSize(tensor.dtype);
  // Whole blocks, small enough to stay in the cache.
  int64_t chunk = std::max<int64_t>(block, int64_t(1 << 14) / block * block);
  std::vector<float> values(std::min(chunk, count));
  std::vector<char> joined;
  const char *src = sourceBytes(tensor, joined);
  bool more = true;
  for (int64_t first = 0; first < count && more; first += chunk) {
    int64_t n = std::min(chunk, count - first);
    convertToF32(tensor.dtype, src + rowBytes(tensor.dtype, first), n, values.data());
    more = visit(first, llvm::ArrayRef<float>(values.data(), n));
  }
  releaseSourcePages(tensor);
  return Error::success();
}

Error WeightStore::readRaw(StringRef name, std::vector<uint8_t> &out) const {
  auto it = index.find(name);
  if (it == index.end())
    return createStringError("readRaw: no tensor '%s'", name.str().c_str());
  const WeightTensor &tensor = table[it->second];
  uint64_t bytes = tensor.numBytes();
  out.resize(bytes);
  std::vector<char> joined;
  const char *src = sourceBytes(tensor, joined);
  if (tensor.rowPermutation.empty()) {
    if (bytes)
      std::memcpy(out.data(), src, bytes);
    releaseSourcePages(tensor);
    return Error::success();
  }
  int64_t rows = tensor.shape[0];
  uint64_t bytesPerRow = rows ? bytes / uint64_t(rows) : 0;
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(out.data() + r * bytesPerRow, src + tensor.rowPermutation[r] * bytesPerRow,
                bytesPerRow);
  releaseSourcePages(tensor);
  return Error::success();
}
