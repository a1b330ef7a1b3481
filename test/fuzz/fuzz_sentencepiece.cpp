//===- fuzz_sentencepiece.cpp - libFuzzer target for tokenizer.model ------===//
//
// Feeds arbitrary bytes to parseSentencePieceModel (a protobuf ModelProto); every vocabulary it
// accepts must become a tokenizer.bin the runtime opens with the same pieces (fuzz_checks.h).
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/SentencePiece.h"
#include "test/fuzz/fuzz_checks.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<llmc::Vocabulary> vocabulary =
      llmc::parseSentencePieceModel(llvm::MemoryBufferRef(bytes, "fuzz"), "fuzz.model");
  if (!vocabulary) {
    llvm::consumeError(vocabulary.takeError());
    return 0;
  }
  llmc::fuzz::requireRuntimeOpens(*vocabulary);
  return 0;
}
