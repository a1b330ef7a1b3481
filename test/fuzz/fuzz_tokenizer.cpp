//===- fuzz_tokenizer.cpp - libFuzzer target for the tokenizer.bin loader -===//
//
// Feeds arbitrary bytes to llmrt_tokenizer_open_memory. A refused input must come with a
// message; an accepted one must give an index that agrees with the records: every piece inside
// the input, lookups that find each piece, byte fallbacks and <unk> of the right type, decoding
// that stays inside the input (or the byte table). Then encodes a few texts, and each piece's
// own text, with and without BOS: ids inside the vocabulary, no more than a text can need; with a
// chat template, formats and encodes a conversation.
//
//===----------------------------------------------------------------------===//

#include "runtime/llmrt.h"
#include "test/fuzz/fuzz_checks.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using llmc::fuzz::require;

bool inside(const void *p, size_t len, const uint8_t *data, size_t size) {
  const uint8_t *bytes = static_cast<const uint8_t *>(p);
  return bytes >= data && len <= size && bytes - data <= std::ptrdiff_t(size - len);
}

bool samePiece(const llmrt_tokenizer &t, int32_t a, int32_t b) {
  return t.piece_lengths[a] == t.piece_lengths[b] &&
         std::memcmp(t.pieces[a], t.pieces[b], t.piece_lengths[a]) == 0;
}

void checkIndex(const llmrt_tokenizer &t, const uint8_t *data, size_t size) {
  const int32_t vocab = int32_t(t.vocab_size);
  require(vocab > 0 && t.bos_id >= -1 && t.bos_id < vocab && t.eos_id >= -1 && t.eos_id < vocab,
          "bos_id or eos_id outside the vocabulary");
  for (int32_t id = 0; id < vocab; ++id) {
    require(t.piece_lengths[id] <= t.max_token_bytes, "a piece is longer than max_token_bytes");
    require(inside(t.pieces[id], t.piece_lengths[id], data, size), "a piece lies outside");
    require(t.types[id] <= LLMRT_TOKEN_UNKNOWN, "a token has an unknown type");
    int32_t found = llmrt_tokenizer_lookup(&t, t.pieces[id], t.piece_lengths[id], t.types[id]);
    require(found >= 0 && found <= id && samePiece(t, found, id) && t.types[found] == t.types[id],
            "lookup does not find the first token with a piece");
    if (id > 0) {
      int32_t a = t.sorted_ids[id - 1], b = t.sorted_ids[id];
      size_t common = std::min(t.piece_lengths[a], t.piece_lengths[b]);
      int c = common == 0 ? 0 : std::memcmp(t.pieces[a], t.pieces[b], common);
      require(c < 0 || (c == 0 && (t.piece_lengths[a] < t.piece_lengths[b] ||
                                   (t.piece_lengths[a] == t.piece_lengths[b] && a < b))),
              "sorted_ids is not in (piece, id) order");
    }
  }
  require(t.unk_id == -1 || (t.unk_id < vocab && t.types[t.unk_id] == LLMRT_TOKEN_UNKNOWN),
          "unk_id is not an unknown token");
  for (int b = 0; b < 256; ++b)
    require(t.byte_ids[b] >= -1 && t.byte_ids[b] < vocab, "a byte fallback lies outside");
  for (int32_t id = -1; id <= vocab; ++id) {
    for (int32_t prev : {-1, t.bos_id}) {
      size_t len = 0;
      const char *bytes = llmrt_tokenizer_decode(&t, prev, id, &len);
      bool validId = id >= 0 && id < vocab;
      require(len == 0 || (validId && t.types[id] == LLMRT_TOKEN_BYTE && len == 1) ||
                  (validId && inside(bytes, len, data, size) && len <= t.piece_lengths[id]),
              "decode returns bytes outside the input");
    }
  }
}

void checkEncode(llmrt_tokenizer &t, const char *text, size_t len) {
  for (int addBos = 0; addBos < 2; ++addBos) {
    const size_t room = llmrt_tokenizer_max_tokens(len);
    std::vector<int32_t> ids(room);
    int count = -1;
    llm_status status =
        llmrt_tokenizer_encode(&t, text, len, addBos, ids.data(), int(ids.size()), &count);
    if (status == LLM_ERR_FORMAT)
      continue; // a byte the vocabulary cannot spell
    if (status == LLM_ERR_NO_TOKENIZER) {
      require((t.flags & LLMRT_TOKENIZER_IDS_ONLY) && len > 0,
              "encode refuses text although the tokenizer is not ids-only");
      continue;
    }
    if (status == LLM_ERR_ARGUMENT && t.model == LLMRT_TOKENIZER_BYTE_LEVEL)
      continue; // byte-level BPE takes valid UTF-8 only
    require(status == LLM_OK, "encode failed with room for every token");
    require(count >= 0 && size_t(count) <= room, "encode gives more tokens than its bound");
    for (int i = 0; i < count; ++i)
      require(ids[i] >= 0 && uint32_t(ids[i]) < t.vocab_size, "encode gives an id outside");
  }
}

/// With a chat template: a conversation formats to as many bytes as it reported, and its prompt
/// encodes (special tokens read as tokens) to ids inside the vocabulary.
void checkChat(llmrt_tokenizer &t) {
  if (t.chat_template == LLMRT_CHAT_TEMPLATE_NONE)
    return;
  llm_tokenizer handle;
  handle.t = t; // a shallow copy: formatting only reads it
  static const llm_chat_message chat[] = {
      {"system", " s "}, {"user", "Hello <s>"}, {"assistant", "\xc3\xa9 "}, {"user", "x"}};
  size_t len = 0;
  llm_chat_format(&handle, chat, 4, 1, nullptr, 0, &len, nullptr, 0);
  std::vector<char> text(len + 1);
  size_t written = 0;
  require(llm_chat_format(&handle, chat, 4, 1, text.data(), text.size(), &written, nullptr, 0) ==
                  LLM_OK &&
              written == len && text[len] == '\0',
          "a conversation does not format into the size it reported");
  std::vector<int32_t> ids(llmrt_tokenizer_max_tokens(len));
  int count = -1;
  llm_status status = llmrt_tokenizer_encode_with_specials(&t, text.data(), len, 1, ids.data(),
                                                           int(ids.size()), &count);
  require(status == LLM_OK || status == LLM_ERR_FORMAT ||
              (status == LLM_ERR_ARGUMENT &&
               llmrt_utf8_valid_prefix(text.data(), len) != len),
          "a chat prompt does not encode");
  for (int i = 0; status == LLM_OK && i < count; ++i)
    require(ids[i] >= 0 && uint32_t(ids[i]) < t.vocab_size, "a chat prompt id lies outside");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llmrt_tokenizer t;
  char err[512] = "";
  if (llmrt_tokenizer_open_memory(data, size, "fuzz", &t, err, sizeof err) != LLM_OK) {
    require(err[0] != '\0', "a refused tokenizer has no message");
    return 0;
  }
  checkIndex(t, data, size);
  static const std::string texts[] = {"", "a", "Hello, w\xc3\xb6rld <s>!", std::string("\0\xff\x80 ", 4)};
  for (const std::string &text : texts)
    checkEncode(t, text.data(), text.size());
  for (uint32_t id = 0; id < t.vocab_size && id < 64; ++id)
    checkEncode(t, t.pieces[id], t.piece_lengths[id]);
  checkChat(t);
  llmrt_tokenizer_free(&t);
  return 0;
}
