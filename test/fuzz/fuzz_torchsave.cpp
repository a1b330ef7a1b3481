//===- fuzz_torchsave.cpp - libFuzzer target for torch.save's zip and pickle ===//
//
// Feeds arbitrary bytes to readStoredZip and, as a pickle, to readTorchStateDict; when the zip
// is accepted, its data.pkl entry is read as a pickle too. Every accepted entry must lie inside
// the input and every tensor must have as many strides as dimensions; the sanitizers catch the
// rest (the interpreter must neither recurse on nesting nor leak on memo cycles).
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/StoredZip.h"
#include "compiler/Importer/TorchPickle.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

void readPickle(llvm::StringRef bytes) {
  llvm::Expected<std::vector<llmc::TorchTensor>> tensors =
      llmc::readTorchStateDict(bytes, "fuzz.pth");
  if (!tensors) {
    llvm::consumeError(tensors.takeError());
    return;
  }
  for (const llmc::TorchTensor &tensor : *tensors)
    if (tensor.shape.size() != tensor.stride.size())
      abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  readPickle(bytes);
  llvm::Expected<std::vector<llmc::ZipEntry>> entries = llmc::readStoredZip(bytes, "fuzz.pth");
  if (!entries) {
    llvm::consumeError(entries.takeError());
    return 0;
  }
  for (const llmc::ZipEntry &entry : *entries) {
    if (entry.offset > size || entry.size > size - entry.offset)
      abort();
    if (llvm::StringRef(entry.name).ends_with("data.pkl"))
      readPickle(bytes.substr(entry.offset, entry.size));
  }
  return 0;
}
