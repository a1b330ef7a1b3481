//===- TokenizerBlob.cpp - the bytes of tokenizer.bin ---------------------===//
//
// Layout in runtime/blob_format.h. A model imported without a tokenizer still gets one, with
// pieces "<N>" and the ids-only flag, so llm-run can print what it generates as token ids but
// refuses to encode text.
//
//===----------------------------------------------------------------------===//
#include "compiler/Emitter/TokenizerBlob.h"
#include "runtime/blob_format.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace llmc {
namespace {

template <typename T> void writeRaw(llvm::raw_ostream &os, const T &value) {
  os.write(reinterpret_cast<const char *>(&value), sizeof value);
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
  vocabulary.dummyPrefix = Vocabulary::DummyPrefix::None;
  return vocabulary;
}

std::string modelTokenizerBlobBytes(const std::optional<Vocabulary> &vocabulary,
                                    const ModelConfig &config) {
  return tokenizerBlobBytes(vocabulary ? *vocabulary : placeholderVocabulary(config),
                            !vocabulary);
}

std::string tokenizerBlobBytes(const Vocabulary &vocabulary, bool idsOnly) {
  llmrt_tokenizer_header header = {};
  std::memcpy(header.magic, LLMRT_TOKENIZER_MAGIC, sizeof header.magic);
  header.version = LLMRT_TOKENIZER_VERSION;
  header.vocab_size = vocabulary.pieces.size();
  header.bos_id = int32_t(vocabulary.bosId);
  header.eos_id = int32_t(vocabulary.eosId);
  for (const Vocabulary::Piece &piece : vocabulary.pieces)
    header.max_token_bytes = std::max<uint32_t>(header.max_token_bytes, piece.text.size());
  header.flags = (idsOnly ? LLMRT_TOKENIZER_IDS_ONLY : 0) |
                 (vocabulary.parseSpecial ? LLMRT_TOKENIZER_PARSE_SPECIAL : 0) |
                 (vocabulary.wholePieces ? LLMRT_TOKENIZER_WHOLE_PIECES : 0);
  header.model = uint32_t(vocabulary.model);
  header.pretokenizer = uint32_t(vocabulary.preTokenizer);
  header.dummy_prefix = uint32_t(vocabulary.dummyPrefix);
  header.merge_count = vocabulary.merges.size();
  header.chat_template = vocabulary.chatTemplate;

  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  writeRaw(os, header);
  for (const Vocabulary::Piece &piece : vocabulary.pieces) {
    writeRaw(os, piece.score);
    writeRaw(os, static_cast<uint32_t>(piece.type));
    writeRaw(os, static_cast<uint32_t>(piece.text.size()));
    os << piece.text;
  }
  for (const Vocabulary::Merge &merge : vocabulary.merges) {
    llmrt_merge_record record = {merge.left, merge.right, merge.result};
    writeRaw(os, record);
  }
  return bytes;
}

} // namespace llmc
