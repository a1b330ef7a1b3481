//===- WeightBlob.cpp - stream the weight table into weights.bin ---------===//
//
// Layout in runtime/blob_format.h. The table's offsets follow from the shapes alone, so the
// writer lays out the file first, then streams one tensor at a time (read, convert, checksum,
// write) and finally rewrites the table with the checksums. Peak memory is one tensor.
//
//===----------------------------------------------------------------------===//
#include "compiler/Emitter/Emitter.h"
#include "dialects/llm/LLMOps.h"
#include "runtime/blob_format.h"

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

} // namespace

llvm::Error writeWeightBlob(ModuleOp module, const WeightStore &weights, llvm::StringRef path,
                            bool showProgress, EmitSummary &summary) {
  std::vector<llmrt_tensor_entry> table;
  uint64_t dataBytes = 0;
  for (auto weight : module.getOps<llm::WeightOp>()) {
    llmrt_tensor_entry entry = {};
    StringRef name = weight.getSymName();
    if (name.size() >= LLMRT_TENSOR_NAME_BYTES)
      return blobError(path, "tensor name '" + name + "' is longer than the blob allows");
    if (!weights.contains(name))
      return blobError(path, "the weight table has no tensor '" + name + "'");
    ArrayRef<int64_t> shape = weight.getTensorType().getShape();
    if (shape.size() > LLMRT_MAX_DIMS)
      return blobError(path, "tensor '" + name + "' has more than 4 dimensions");
    std::memcpy(entry.name, name.data(), name.size());
    entry.dtype = LLMRT_DTYPE_F32;
    entry.ndim = shape.size();
    for (uint32_t d = 0; d < LLMRT_MAX_DIMS; ++d)
      entry.dims[d] = d < shape.size() ? shape[d] : 1;
    entry.size = weight.getTensorType().getNumElements() * sizeof(float);
    entry.offset = dataBytes;
    dataBytes = alignUp(dataBytes + entry.size);
    summary.parameterCount += weight.getTensorType().getNumElements();
    table.push_back(entry);
  }

  llmrt_blob_header header = {};
  std::memcpy(header.magic, LLMRT_BLOB_MAGIC, sizeof header.magic);
  header.version = LLMRT_BLOB_VERSION;
  header.tensor_count = table.size();
  header.table_offset = sizeof(llmrt_blob_header);
  header.table_size = table.size() * sizeof(llmrt_tensor_entry);
  header.data_offset = alignUp(header.table_offset + header.table_size);
  header.file_size = header.data_offset + dataBytes;

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return blobError(path, "cannot create: " + ec.message());
  // Placeholder header and table; rewritten once the checksums are known.
  os.write(reinterpret_cast<const char *>(&header), sizeof header);
  os.write(reinterpret_cast<const char *>(table.data()), header.table_size);
  writePadding(os, header.data_offset - header.table_offset - header.table_size);

  std::vector<float> data;
  uint64_t written = 0;
  for (size_t i = 0; i < table.size(); ++i) {
    llmrt_tensor_entry &entry = table[i];
    if (llvm::Error error = weights.readF32(entry.name, data))
      return error;
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

  header.table_checksum = llmrt_hash64(table.data(), header.table_size);
  os.seek(0);
  os.write(reinterpret_cast<const char *>(&header), sizeof header);
  os.write(reinterpret_cast<const char *>(table.data()), header.table_size);
  os.close();
  if (os.has_error()) {
    std::string message = os.error().message();
    os.clear_error(); // reported here, not by the stream's destructor
    return blobError(path, "write failed: " + message);
  }

  summary.weightBytes = header.file_size;
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(header.table_checksum));
  summary.modelHash = hash;
  return llvm::Error::success();
}

} // namespace llmc
