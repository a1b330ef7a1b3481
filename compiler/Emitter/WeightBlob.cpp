//===- WeightBlob.cpp - stream the weight table into weights.bin ---------===//
//
// Layout in runtime/blob_format.h. The table's offsets follow from the shapes alone, so the
// writer lays out the file first, then streams one tensor at a time (read, convert, checksum,
// write) and finally rewrites the table with the checksums. Peak memory is one tensor.
//
//===----------------------------------------------------------------------===//
#include "compiler/Emitter/Emitter.h"
#include "compiler/Emitter/ModelCode.h"
#include "compiler/Emitter/ProgramMemory.h"
#include "dialects/llm/LLMOps.h"
#include "runtime/blob_format.h"
#include "runtime/quant_format.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace llmc {
namespace {

uint64_t alignUp(uint64_t value) {
  return (value + LLMRT_BLOB_ALIGN - 1) / LLMRT_BLOB_ALIGN * LLMRT_BLOB_ALIGN;
}

llvm::Error blobError(llvm::StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": " + message);
}

void writePadding(llvm::raw_fd_ostream &os, uint64_t bytes) {
  static const char zeros[LLMRT_BLOB_ALIGN] = {};
  os.write(zeros, bytes);
}

// llm::QuantScheme, llmrt_quant_scheme and the quantized DTypes all follow
// runtime/quant_schemes.def (the dialect and WeightStore check it), so they convert by value.
llmrt_quant_scheme runtimeScheme(llm::QuantScheme scheme) { return llmrt_quant_scheme(scheme); }

/// The WeightStore type that holds `scheme` bit for bit, as a GGUF import records it.
DType storeType(llm::QuantScheme scheme) { return DType(int(DType::Q8_0) + int(scheme)); }

/// A float tensor's 16-bit element format: F16 or BF16; F32 for float32 and quantized weights.
DType halfFormat(llm::WeightOp weight) {
  auto tensor = dyn_cast<RankedTensorType>(weight.getType());
  if (tensor && tensor.getElementType().isF16())
    return DType::F16;
  if (tensor && tensor.getElementType().isBF16())
    return DType::BF16;
  return DType::F32;
}

/// `floats` narrowed to binary16 or bfloat16, each rounded to nearest even (numpy's
/// astype(float16), torch's .to(torch.bfloat16)).
template <typename Half>
void narrowed(const std::vector<float> &floats, Half (*narrow)(float),
              std::vector<uint8_t> &bytes) {
  bytes.resize(floats.size() * sizeof(Half));
  for (size_t i = 0; i < floats.size(); ++i) {
    Half h = narrow(floats[i]);
    std::memcpy(bytes.data() + i * sizeof h, &h, sizeof h);
  }
}

/// The bytes of one tensor row after row: float32, binary16, bfloat16, or rows of blocks. A
/// source tensor already in the stored format (GGUF blocks, f16 or bf16 data) is copied as is,
/// so it stays bit-exact.
llvm::Error rowMajorBytes(llm::WeightOp weight, const WeightStore &weights,
                        std::vector<float> &floats, std::vector<uint8_t> &bytes) {
  StringRef name = weight.getSymName();
  llm::QWeightType quantized = weight.getQuantizedType();
  DType source = weights.get(name).dtype;
  DType half = halfFormat(weight);
  if ((quantized && source == storeType(quantized.getScheme())) ||
      (half != DType::F32 && source == half))
    return weights.readRaw(name, bytes);
  if (llvm::Error error = weights.readF32(name, floats))
    return error;
  if (half == DType::F16) {
    narrowed(floats, llmrt_fp32_to_fp16, bytes);
    return llvm::Error::success();
  }
  if (half == DType::BF16) {
    narrowed(floats, llmrt_fp32_to_bf16, bytes);
    return llvm::Error::success();
  }
  if (!quantized) {
    bytes.resize(floats.size() * sizeof(float));
    std::memcpy(bytes.data(), floats.data(), bytes.size());
    return llvm::Error::success();
  }
  // Quantize row by row; a short last block is padded with zeros.
  int64_t k = quantized.getShape().back();
  int64_t paddedK = quantized.getRowBytes() / quantized.getBlockBytes() * quantized.getBlock();
  std::vector<float> row(paddedK, 0.0f);
  bytes.assign(quantized.getNumRows() * quantized.getRowBytes(), 0);
  for (int64_t r = 0; r < quantized.getNumRows(); ++r) {
    std::copy(floats.begin() + r * k, floats.begin() + (r + 1) * k, row.begin());
    llmrt_quantize_row(runtimeScheme(quantized.getScheme()), row.data(), paddedK,
                       bytes.data() + r * quantized.getRowBytes());
  }
  return llvm::Error::success();
}

/// The bytes of one tensor as the blob stores it: rowMajorBytes, with the blocks reordered when
/// the weight's layout is packed (the same blocks, so a GGUF tensor's stay bit-exact).
llvm::Error tensorBytes(llm::WeightOp weight, const WeightStore &weights,
                        std::vector<float> &floats, std::vector<uint8_t> &bytes,
                        std::vector<uint8_t> &packed) {
  if (llvm::Error error = rowMajorBytes(weight, weights, floats, bytes))
    return error;
  llm::QWeightType quantized = weight.getQuantizedType();
  if (!quantized || !quantized.getLayout())
    return llvm::Error::success();
  if (bytes.size() != uint64_t(quantized.getNumRows() * quantized.getRowBytes()))
    return llvm::Error::success(); // the caller reports the size mismatch
  packed.resize(bytes.size());
  quantized.getLayout().packBlocks(bytes.data(), quantized.getNumRows(),
                                   quantized.getRowBytes() / quantized.getBlockBytes(),
                                   quantized.getBlockBytes(), packed.data());
  bytes.swap(packed);
  return llvm::Error::success();
}

/// Streams the tensors' data after the placeholder table, filling in each entry's checksum.
/// Stops at the first tensor that fails or when `os` reports a write error (the caller reports
/// that, so that a full disk does not go on to convert the rest of a large model).
llvm::Error writeTensors(llvm::raw_fd_ostream &os, llvm::ArrayRef<llm::WeightOp> ops,
                         const WeightStore &weights, llvm::StringRef path, bool showProgress,
                         std::vector<llmrt_tensor_entry> &table) {
  std::vector<float> floats;
  std::vector<uint8_t> data, packed;
  uint64_t written = 0;
  for (size_t i = 0; i < table.size() && !os.has_error(); ++i) {
    llmrt_tensor_entry &entry = table[i];
    if (llvm::Error error = tensorBytes(ops[i], weights, floats, data, packed))
      return error;
    if (data.size() != entry.size)
      return blobError(path, "tensor '" + StringRef(entry.name) + "' has " +
                                 llvm::Twine(data.size()) + " bytes, expected " +
                                 llvm::Twine(entry.size));
    entry.checksum = llmrt_hash64(data.data(), entry.size);
    os.write(reinterpret_cast<const char *>(data.data()), entry.size);
    writePadding(os, alignUp(entry.size) - entry.size);
    written += entry.size;
    if (showProgress)
      llvm::errs() << llvm::format("\rwriting weights: %zu/%zu tensors, %.1f MiB", i + 1,
                                   table.size(), double(written) / (1 << 20));
  }
  if (showProgress)
    llvm::errs() << "\n";
  return llvm::Error::success();
}

} // namespace

llvm::Error writeWeightBlob(ModuleOp module, const WeightStore &weights, llvm::StringRef path,
                            bool showProgress, EmitSummary &summary) {
  std::vector<llmrt_tensor_entry> table;
  std::vector<llm::WeightOp> ops;
  uint64_t dataBytes = 0;
  for (auto weight : module.getOps<llm::WeightOp>()) {
    llmrt_tensor_entry entry = {};
    StringRef name = weight.getSymName();
    if (name.size() >= LLMRT_TENSOR_NAME_BYTES)
      return blobError(path, "tensor name '" + name + "' is longer than the blob allows");
    if (!weights.contains(name))
      return blobError(path, "the weight table has no tensor '" + name + "'");
    ArrayRef<int64_t> shape = weight.getWeightShape();
    if (shape.size() > LLMRT_MAX_DIMS)
      return blobError(path, "tensor '" + name + "' has more than 4 dimensions");
    std::memcpy(entry.name, name.data(), name.size());
    llm::QWeightType quantized = weight.getQuantizedType();
    DType half = halfFormat(weight);
    entry.dtype = quantized              ? LLMRT_DTYPE_Q8_0 + runtimeScheme(quantized.getScheme())
                  : half == DType::F16  ? LLMRT_DTYPE_F16
                  : half == DType::BF16 ? LLMRT_DTYPE_BF16
                                        : LLMRT_DTYPE_F32;
    entry.ndim = shape.size();
    for (uint32_t d = 0; d < LLMRT_MAX_DIMS; ++d)
      entry.dims[d] = d < shape.size() ? shape[d] : 1;
    int64_t elements = 1;
    for (int64_t d : shape)
      elements *= d;
    entry.size = weight.getStoredBytes();
    entry.offset = dataBytes;
    dataBytes = alignUp(dataBytes + entry.size);
    summary.parameterCount += elements;
    ++summary.tensorsByStorage[weight.getSchemeName()];
    table.push_back(entry);
    ops.push_back(weight);
  }

  llmrt_blob_header header = {};
  std::memcpy(header.magic, LLMRT_BLOB_MAGIC, sizeof header.magic);
  header.version = LLMRT_BLOB_VERSION;
  header.tensor_count = table.size();
  header.table_offset = sizeof(llmrt_blob_header);
  header.table_size = table.size() * sizeof(llmrt_tensor_entry);
  header.data_offset = alignUp(header.table_offset + header.table_size);
  header.file_size = header.data_offset + dataBytes;
  // programMemory() plans the program's RAM with weightBlobBytes: the two must agree.
  if (header.file_size != weightBlobBytes(module))
    return blobError(path, "the blob's layout (" + llvm::Twine(header.file_size) +
                               " bytes) disagrees with weightBlobBytes (" +
                               llvm::Twine(weightBlobBytes(module)) + ")");

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return blobError(path, "cannot create: " + ec.message());
  // Placeholder header and table; rewritten once the checksums are known.
  os.write(reinterpret_cast<const char *>(&header), sizeof header);
  os.write(reinterpret_cast<const char *>(table.data()), header.table_size);
  writePadding(os, header.data_offset - header.table_offset - header.table_size);

  llvm::Error streamed = writeTensors(os, ops, weights, path, showProgress, table);
  if (!streamed && !os.has_error()) {
    header.table_checksum = llmrt_hash64(table.data(), header.table_size);
    os.seek(0);
    os.write(reinterpret_cast<const char *>(&header), sizeof header);
    os.write(reinterpret_cast<const char *>(table.data()), header.table_size);
  }
  // A write error comes first: a full disk is the likelier cause of anything else failing.
  if (llvm::Error writeError = closeAndCheck(os, path)) {
    llvm::consumeError(std::move(streamed));
    return writeError;
  }
  if (streamed)
    return streamed;

  summary.weightBytes = header.file_size;
  summary.tableChecksum = header.table_checksum;
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(header.table_checksum));
  summary.modelHash = hash;
  return llvm::Error::success();
}

} // namespace llmc
