//===- fuzz_safetensors.cpp - libFuzzer target for the safetensors parser -===//
//
// Feeds arbitrary bytes to parseSafetensors; for every header it accepts, adds the tensors to a
// WeightStore and reads the small ones back, which must stay inside the buffer.
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/Safetensors.h"
#include "compiler/Weights/WeightStore.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<llmc::SafetensorsHeader> header =
      llmc::parseSafetensors(llvm::MemoryBufferRef(bytes, "fuzz"), "fuzz.safetensors");
  if (!header) {
    llvm::consumeError(header.takeError());
    return 0;
  }
  std::shared_ptr<llvm::MemoryBuffer> file =
      llvm::MemoryBuffer::getMemBuffer(bytes, "fuzz", /*RequiresNullTerminator=*/false);
  llmc::WeightStore store;
  std::vector<float> values;
  for (const llmc::SafetensorsTensor &tensor : header->tensors) {
    if (llvm::Error err = store.addMapped(tensor.name, tensor.dtype, tensor.shape, file,
                                          tensor.offset, "fuzz.safetensors")) {
      // Only duplicate names may fail here: the parser already checked the ranges.
      llvm::consumeError(std::move(err));
      continue;
    }
    if (tensor.size <= (1u << 16))
      llvm::cantFail(store.readF32(tensor.name, values));
  }
  return 0;
}
