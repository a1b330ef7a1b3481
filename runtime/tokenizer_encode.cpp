// tokenizer_encode.cpp - text to token ids, SentencePiece BPE by scores as in llama2.c's encode().
//
//   1. optional BOS; with LLMRT_TOKENIZER_ADD_DUMMY_PREFIX a ' ' before non-empty text
//   2. each UTF-8 character becomes its piece, or its bytes' <0xNN> tokens if it has none
//   3. repeatedly merge the adjacent pair whose concatenation is a piece with the highest score
#include <cstring>

#include "runtime/llmrt.h"

LLMRT_NAMESPACE_BEGIN

namespace {

struct Encoder {
  const llmrt_tokenizer* tok;
  int32_t* ids;      // (capacity) tokens so far
  int32_t* merged;   // (capacity) merged[i]: the piece ids[i] + ids[i+1] forms, or -1
  char* pair;        // (2 * max_token_bytes) scratch for a concatenation
  int n;             // tokens in ids
};

// Makes the tokenizer's working memory hold `tokens` ids and as many merge candidates: once for
// a text longer than any before, at least doubling so that slowly growing texts rarely allocate.
llm_status reserve_work(llmrt_tokenizer* t, size_t tokens) {
  if (tokens <= t->work_tokens) return LLM_OK;
  size_t grown = t->work_tokens * 2 > tokens ? t->work_tokens * 2 : tokens;
  int32_t* work = static_cast<int32_t*>(llmrt_alloc(2 * grown * sizeof(int32_t)));
  if (work == nullptr) return LLM_ERR_NO_MEMORY;
  llmrt_free(t->work);
  t->work = work;
  t->work_tokens = grown;
  return LLM_OK;
}

// The normal piece that the concatenation of tokens a and b spells, or -1.
int32_t merge_of(Encoder* e, int32_t a, int32_t b) {
  const llmrt_tokenizer* t = e->tok;
  size_t a_len = t->piece_lengths[a];
  size_t b_len = t->piece_lengths[b];
  if (a_len + b_len > t->max_token_bytes) return -1;  // no piece is that long
  std::memcpy(e->pair, t->pieces[a], a_len);
  std::memcpy(e->pair + a_len, t->pieces[b], b_len);
  return llmrt_tokenizer_lookup(t, e->pair, a_len + b_len, LLMRT_TOKEN_NORMAL);
}

// Appends the tokens of one UTF-8 character (or a stray byte): its piece, else its bytes.
llm_status push_character(Encoder* e, const char* s, size_t len) {
  const llmrt_tokenizer* t = e->tok;
  int32_t id = llmrt_tokenizer_lookup(t, s, len, LLMRT_TOKEN_NORMAL);
  if (id >= 0) {
    e->ids[e->n++] = id;
    return LLM_OK;
  }
  for (size_t i = 0; i < len; ++i) {
    int32_t byte_id = t->byte_ids[static_cast<unsigned char>(s[i])];
    if (byte_id < 0) byte_id = t->unk_id;
    if (byte_id < 0) return LLM_ERR_FORMAT;  // the vocabulary cannot spell this byte
    e->ids[e->n++] = byte_id;
  }
  return LLM_OK;
}

// Merges the best-scoring adjacent pair in ids[first..n) until none is a piece.
void merge_pairs(Encoder* e, int first) {
  const float* scores = e->tok->scores;
  for (int i = first; i + 1 < e->n; ++i) e->merged[i] = merge_of(e, e->ids[i], e->ids[i + 1]);
  for (;;) {
    int best = -1;
    for (int i = first; i + 1 < e->n; ++i) {
      if (e->merged[i] < 0) continue;
      if (best < 0 || scores[e->merged[i]] > scores[e->merged[best]]) best = i;
    }
    if (best < 0) return;
    // ids[best], ids[best + 1] -> merged[best]; everything after moves one to the left.
    e->ids[best] = e->merged[best];
    for (int i = best + 1; i + 1 < e->n; ++i) {
      e->ids[i] = e->ids[i + 1];
      e->merged[i] = e->merged[i + 1];
    }
    e->n -= 1;
    if (best > first) e->merged[best - 1] = merge_of(e, e->ids[best - 1], e->ids[best]);
    e->merged[best] = best + 1 < e->n ? merge_of(e, e->ids[best], e->ids[best + 1]) : -1;
  }
}

}  // namespace

llm_status llmrt_tokenizer_encode(llmrt_tokenizer* tokenizer, const char* text, size_t len,
                                  int add_bos, int32_t* out_tokens, int max_tokens,
                                  int* out_count) {
  if (out_count != nullptr) *out_count = 0;
  if (tokenizer == nullptr || text == nullptr || out_count == nullptr || max_tokens < 0 ||
      (out_tokens == nullptr && max_tokens > 0)) {
    return LLM_ERR_ARGUMENT;
  }
  llmrt_tokenizer* t = tokenizer;
  if ((t->flags & LLMRT_TOKENIZER_IDS_ONLY) != 0 && len > 0) return LLM_ERR_NO_TOKENIZER;
  // At most one token per byte, plus BOS and the dummy prefix.
  if (len > static_cast<size_t>(INT32_MAX) - 2) return LLM_ERR_ARGUMENT;
  if (reserve_work(t, len + 2) != LLM_OK) return LLM_ERR_NO_MEMORY;
  Encoder e = {t, t->work, t->work + t->work_tokens, t->pair, 0};

  llm_status status = LLM_OK;
  if (add_bos && t->bos_id >= 0) e.ids[e.n++] = t->bos_id;
  const int first = e.n;  // BOS takes no part in merges
  if ((t->flags & LLMRT_TOKENIZER_ADD_DUMMY_PREFIX) != 0 && len > 0) {
    status = push_character(&e, " ", 1);
  }
  // A character: a lead byte and up to three continuation bytes (10xxxxxx).
  for (size_t i = 0; i < len && status == LLM_OK;) {
    size_t end = i + 1;
    while (end < len && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80 && end - i < 4) {
      ++end;
    }
    status = push_character(&e, text + i, end - i);
    i = end;
  }
  if (status == LLM_OK) {
    merge_pairs(&e, first);
    *out_count = e.n;
    if (e.n > max_tokens) status = LLM_ERR_ARGUMENT;
    int copy = e.n < max_tokens ? e.n : max_tokens;
    if (copy > 0) std::memcpy(out_tokens, e.ids, sizeof(int32_t) * static_cast<size_t>(copy));
  }
  return status;
}

LLMRT_NAMESPACE_END
