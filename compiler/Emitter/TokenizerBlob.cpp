//===- TokenizerBlob.cpp - write tokenizer.bin ----------------------------===//
//
// Layout in runtime/blob_format.h. A model imported without a tokenizer still gets one, with
// pieces "<N>" (placeholderVocabulary).
//
//===----------------------------------------------------------------------===//
#include "compiler/Emitter/Emitter.h"
#include "compiler/Emitter/TokenizerBytes.h"

namespace llmc {

llvm::Error writeTokenizerBlob(const std::optional<Vocabulary> &source,
                               const ModelConfig &config, llvm::StringRef path) {
  Vocabulary vocabulary = source ? *source : placeholderVocabulary(config);
  if (int64_t(vocabulary.pieces.size()) != config.vocabSize)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the tokenizer has " + std::to_string(vocabulary.pieces.size()) +
            " pieces but the model's vocabulary has " + std::to_string(config.vocabSize));
  return writeFile(path, tokenizerBytes(vocabulary));
}

} // namespace llmc
