//===- fuzz_gguf.cpp - libFuzzer target for the GGUF reader ---------------===//
//
// Feeds arbitrary bytes to parseGGUF; for every file it accepts, adds the tensors to a
// WeightStore and reads each back (dequantizing) and raw, which must stay inside the buffer.
// Then reads the same bytes as a model (config, canonical tensors, vocabulary), whose config and
// vocabulary must be usable (fuzz_checks.h).
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/GGUF.h"
#include "compiler/Weights/WeightStore.h"
#include "test/fuzz/fuzz_checks.h"

#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<llmc::GGUFFile> file =
      llmc::parseGGUF(llvm::MemoryBufferRef(bytes, "fuzz"), "fuzz.gguf");
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  std::shared_ptr<llvm::MemoryBuffer> buffer =
      llvm::MemoryBuffer::getMemBuffer(bytes, "fuzz", /*RequiresNullTerminator=*/false);
  llmc::WeightStore store;
  std::vector<float> values;
  std::vector<uint8_t> raw;
  for (const llmc::GGUFTensorInfo &tensor : file->tensors) {
    // The parser checked names, ranges and blocks: adding cannot fail.
    if (llvm::Error err = store.addMapped(tensor.name, tensor.dtype, tensor.shape, buffer,
                                          tensor.offset, "fuzz.gguf")) {
      llvm::errs() << "parseGGUF accepted what the WeightStore refuses: "
                   << llvm::toString(std::move(err)) << "\n";
      __builtin_trap();
    }
    if (store.get(tensor.name).numBytes() != tensor.size)
      __builtin_trap();
    // Zero-size tensors may still claim many elements; keep the output small.
    if (tensor.size != 0 && store.get(tensor.name).numElements() <= (int64_t(1) << 20)) {
      llvm::cantFail(store.readF32(tensor.name, values));
      llvm::cantFail(store.readRaw(tensor.name, raw));
    }
  }
  // Metadata accessors on every value.
  for (const std::string &key : file->keys) {
    const llmc::GGUFValue &value = *file->lookup(key);
    (void)value.asNumber();
    (void)value.asBool();
    if (std::optional<std::vector<llvm::StringRef>> strings = value.asStrings())
      (void)strings->size();
  }

  llvm::Expected<llmc::ImportedModel> model = llmc::readGGUFModel(buffer, "fuzz.gguf");
  if (!model) {
    llvm::consumeError(model.takeError());
    return 0;
  }
  llmc::fuzz::requireUsableConfig(model->config);
  if (model->vocabulary)
    llmc::fuzz::requireRuntimeOpens(*model->vocabulary);
  for (const llmc::WeightTensor &tensor : model->weights.tensors())
    if (tensor.numElements() <= (int64_t(1) << 20))
      llvm::cantFail(model->weights.readF32(tensor.name, values));
  return 0;
}
