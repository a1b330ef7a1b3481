//===- fuzz_llama2c.cpp - libFuzzer target for the llama2.c readers -------===//
//
// The first byte chooses the reader: even -> checkpoint (the rest of the input is the file),
// odd -> tokenizer.bin (two more bytes give the vocabulary size, the rest is the file).
// Accepted checkpoints have every tensor read back; accepted configs and vocabularies must be
// usable (fuzz_checks.h).
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/Llama2c.h"
#include "test/fuzz/fuzz_checks.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  bool tokenizer = data[0] & 1;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data + 1), size - 1);
  if (tokenizer) {
    if (bytes.size() < 2)
      return 0;
    int64_t vocabSize = uint8_t(bytes[0]) | (uint8_t(bytes[1]) << 8);
    llvm::Expected<llmc::Vocabulary> vocab = llmc::readLlama2cTokenizer(
        llvm::MemoryBufferRef(bytes.drop_front(2), "fuzz"), "fuzz.bin", vocabSize);
    if (!vocab)
      llvm::consumeError(vocab.takeError());
    else
      llmc::fuzz::requireRuntimeOpens(*vocab);
    return 0;
  }
  llvm::Expected<llmc::ImportedModel> model = llmc::readLlama2cCheckpoint(
      llvm::MemoryBuffer::getMemBuffer(bytes, "fuzz", /*RequiresNullTerminator=*/false),
      "fuzz.bin");
  if (!model) {
    llvm::consumeError(model.takeError());
    return 0;
  }
  llmc::fuzz::requireUsableConfig(model->config);
  std::vector<float> values;
  for (const llmc::WeightTensor &tensor : model->weights.tensors())
    llvm::cantFail(model->weights.readF32(tensor.name, values));
  return 0;
}
