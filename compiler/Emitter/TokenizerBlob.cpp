//===- TokenizerBlob.cpp - write tokenizer.bin ----------------------------===//
//
// Layout in runtime/blob_format.h. A model imported without a tokenizer still gets one, with
// pieces "<N>" and the ids-only flag, so llm-run can print what it generates as token ids but
// refuses to encode text.
//
//===----------------------------------------------------------------------===//
#include "compiler/Emitter/Emitter.h"
#include "runtime/blob_format.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace llmc {
namespace {

Vocabulary placeholderVocabulary(const ModelConfig &config) {
  Vocabulary vocabulary;
  for (int64_t id = 0; id < config.vocabSize; ++id) {
    Vocabulary::Piece piece;
    piece.text = "<" + std::to_string(id) + ">";
    piece.type = (id == config.bosTokenId || id == config.eosTokenId)
                     ? Vocabulary::TokenType::Control
                     : Vocabulary::TokenType::Normal;
    vocabulary.pieces.push_back(piece);
  }
  vocabulary.bosId = config.bosTokenId;
  vocabulary.eosId = config.eosTokenId;
  vocabulary.addDummyPrefix = false;
  return vocabulary;
}

template <typename T> void writeRaw(llvm::raw_ostream &os, const T &value) {
  os.write(reinterpret_cast<const char *>(&value), sizeof value);
}

} // namespace

llvm::Error writeTokenizerBlob(const std::optional<Vocabulary> &source,
                               const ModelConfig &config, llvm::StringRef path) {
  Vocabulary vocabulary = source ? *source : placeholderVocabulary(config);
  if (int64_t(vocabulary.pieces.size()) != config.vocabSize)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the tokenizer has " + std::to_string(vocabulary.pieces.size()) +
            " pieces but the model's vocabulary has " + std::to_string(config.vocabSize));

  llmrt_tokenizer_header header = {};
  std::memcpy(header.magic, LLMRT_TOKENIZER_MAGIC, sizeof header.magic);
  header.version = LLMRT_TOKENIZER_VERSION;
  header.vocab_size = vocabulary.pieces.size();
  header.bos_id = int32_t(vocabulary.bosId);
  header.eos_id = int32_t(vocabulary.eosId);
  for (const Vocabulary::Piece &piece : vocabulary.pieces)
    header.max_token_bytes = std::max<uint32_t>(header.max_token_bytes, piece.text.size());
  header.flags = (vocabulary.addDummyPrefix ? LLMRT_TOKENIZER_ADD_DUMMY_PREFIX : 0) |
                 (source ? 0 : LLMRT_TOKENIZER_IDS_ONLY);

  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  writeRaw(os, header);
  for (const Vocabulary::Piece &piece : vocabulary.pieces) {
    writeRaw(os, piece.score);
    writeRaw(os, static_cast<uint32_t>(piece.type));
    writeRaw(os, static_cast<uint32_t>(piece.text.size()));
    os << piece.text;
  }
  return writeFile(path, bytes);
}

} // namespace llmc
