//===- TokenizerBytes.cpp - the bytes of tokenizer.bin --------------------===//

#include "compiler/Emitter/TokenizerBytes.h"
#include "runtime/blob_format.h"

#include <algorithm>

namespace llmc {
namespace {

template <typename T> void appendRaw(std::string &out, const T &value) {
  out.append(reinterpret_cast<const char *>(&value), sizeof value);
}

} // namespace

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

std::string tokenizerBytes(const Vocabulary &vocabulary) {
  llmrt_tokenizer_header header = {};
  std::memcpy(header.magic, LLMRT_TOKENIZER_MAGIC, sizeof header.magic);
  header.version = LLMRT_TOKENIZER_VERSION;
  header.vocab_size = vocabulary.pieces.size();
  header.bos_id = int32_t(vocabulary.bosId);
  header.eos_id = int32_t(vocabulary.eosId);
  for (const Vocabulary::Piece &piece : vocabulary.pieces)
    header.max_token_bytes = std::max<uint32_t>(header.max_token_bytes, piece.text.size());
  header.flags = vocabulary.addDummyPrefix ? LLMRT_TOKENIZER_ADD_DUMMY_PREFIX : 0;

  std::string bytes;
  appendRaw(bytes, header);
  for (const Vocabulary::Piece &piece : vocabulary.pieces) {
    appendRaw(bytes, piece.score);
    appendRaw(bytes, static_cast<uint32_t>(piece.type));
    appendRaw(bytes, static_cast<uint32_t>(piece.text.size()));
    bytes += piece.text;
  }
  return bytes;
}

} // namespace llmc
