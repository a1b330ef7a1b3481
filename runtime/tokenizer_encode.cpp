// tokenizer_encode.cpp - text to token ids: SentencePiece BPE (llama2.c's encode(), and
// tokenizer.json's byte_fallback BPE) and byte-level BPE (tiktoken, GPT-2 style tokenizer.json).
//
//   1. optional BOS; special tokens found in the text (LLMRT_TOKENIZER_PARSE_SPECIAL) cut it
//      into runs of plain text
//   2. each run: its dummy prefix, then pre-tokens (the whole run, or Llama 3's pieces)
//   3. each pre-token: its starting tokens (UTF-8 characters with byte fallback, or bytes),
//      then merges of adjacent pairs, best first, until none applies
#include <cstring>

#include "runtime/llmrt.h"

LLMRT_NAMESPACE_BEGIN

namespace {

struct Encoder {
  const llmrt_tokenizer* tok;
  int32_t* ids;      // (capacity) tokens so far
  int32_t* merged;   // (capacity) merged[i]: the candidate merge of ids[i], ids[i+1], or -1
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

// The candidate merge of tokens a and b, or -1: with merge records the rank of the pair's record,
// without the normal piece that their concatenation spells.
int32_t candidate_of(Encoder* e, int32_t a, int32_t b) {
  const llmrt_tokenizer* t = e->tok;
  if (t->merge_count > 0) {
    int32_t result;
    return llmrt_tokenizer_find_merge(t, a, b, &result);
  }
  size_t a_len = t->piece_lengths[a];
  size_t b_len = t->piece_lengths[b];
  if (a_len + b_len > t->max_token_bytes) return -1;  // no piece is that long
  std::memcpy(e->pair, t->pieces[a], a_len);
  std::memcpy(e->pair + a_len, t->pieces[b], b_len);
  return llmrt_tokenizer_lookup(t, e->pair, a_len + b_len, LLMRT_TOKEN_NORMAL);
}

// Whether candidate c merges before candidate best: the earlier record, or the higher score.
bool merges_before(const llmrt_tokenizer* t, int32_t c, int32_t best) {
  return t->merge_count > 0 ? c < best : t->scores[c] > t->scores[best];
}

// The token candidate c merges into.
int32_t result_of(const llmrt_tokenizer* t, int32_t c) {
  return t->merge_count > 0 ? static_cast<int32_t>(llmrt_tokenizer_merge(t, uint32_t(c)).result)
                            : c;
}

// Appends the token for one byte that has no piece of its own: its starting token, else <unk>.
llm_status push_byte(Encoder* e, unsigned char byte) {
  int32_t id = e->tok->byte_ids[byte];
  if (id < 0) id = e->tok->unk_id;
  if (id < 0) return LLM_ERR_FORMAT;  // the vocabulary cannot spell this byte
  e->ids[e->n++] = id;
  return LLM_OK;
}

// Appends the tokens of one UTF-8 character (or a stray byte): its piece, else its bytes.
llm_status push_character(Encoder* e, const char* s, size_t len) {
  int32_t id = llmrt_tokenizer_lookup(e->tok, s, len, LLMRT_TOKEN_NORMAL);
  if (id >= 0) {
    e->ids[e->n++] = id;
    return LLM_OK;
  }
  for (size_t i = 0; i < len; ++i) {
    llm_status status = push_byte(e, static_cast<unsigned char>(s[i]));
    if (status != LLM_OK) return status;
  }
  return LLM_OK;
}

// Merges the best adjacent pair in ids[first..n) until no pair merges.
void merge_pairs(Encoder* e, int first) {
  const llmrt_tokenizer* t = e->tok;
  for (int i = first; i + 1 < e->n; ++i) e->merged[i] = candidate_of(e, e->ids[i], e->ids[i + 1]);
  for (;;) {
    int best = -1;
    for (int i = first; i + 1 < e->n; ++i) {
      if (e->merged[i] < 0) continue;
      if (best < 0 || merges_before(t, e->merged[i], e->merged[best])) best = i;
    }
    if (best < 0) return;
    // ids[best], ids[best + 1] -> their merge; everything after moves one to the left.
    e->ids[best] = result_of(t, e->merged[best]);
    for (int i = best + 1; i + 1 < e->n; ++i) {
      e->ids[i] = e->ids[i + 1];
      e->merged[i] = e->merged[i + 1];
    }
    e->n -= 1;
    if (best > first) e->merged[best - 1] = candidate_of(e, e->ids[best - 1], e->ids[best]);
    e->merged[best] = best + 1 < e->n ? candidate_of(e, e->ids[best], e->ids[best + 1]) : -1;
  }
}

// One pre-token text[0..len), after a space if `dummy_prefix`: its starting tokens, merged.
llm_status encode_pretoken(Encoder* e, const char* text, size_t len, bool dummy_prefix) {
  const llmrt_tokenizer* t = e->tok;
  const int first = e->n;
  if (dummy_prefix) {
    llm_status status = push_character(e, " ", 1);
    if (status != LLM_OK) return status;
  } else if ((t->flags & LLMRT_TOKENIZER_WHOLE_PIECES) != 0) {
    int32_t id = llmrt_tokenizer_lookup(t, text, len, LLMRT_TOKEN_NORMAL);
    if (id >= 0) {
      e->ids[e->n++] = id;
      return LLM_OK;
    }
  }
  llm_status status = LLM_OK;
  if (t->model == LLMRT_TOKENIZER_BYTE_LEVEL) {
    for (size_t i = 0; i < len && status == LLM_OK; ++i) {
      status = push_byte(e, static_cast<unsigned char>(text[i]));
    }
  } else {
    // A character: a lead byte and up to three continuation bytes (10xxxxxx).
    for (size_t i = 0; i < len && status == LLM_OK;) {
      size_t end = i + 1;
      while (end < len && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80 && end - i < 4) {
        ++end;
      }
      status = push_character(e, text + i, end - i);
      i = end;
    }
  }
  if (status == LLM_OK) merge_pairs(e, first);
  return status;
}

// Whether a run of text that starts at byte `start` of the input gets a dummy prefix.
bool wants_dummy_prefix(const llmrt_tokenizer* t, const char* run, size_t len, size_t start) {
  if (len == 0) return false;
  switch (t->dummy_prefix) {
    case LLMRT_DUMMY_PREFIX_ALWAYS:
      return true;
    case LLMRT_DUMMY_PREFIX_UNLESS_SPACE:
      return run[0] != ' ';
    case LLMRT_DUMMY_PREFIX_FIRST_UNLESS_SPACE:
      return start == 0 && run[0] != ' ';
    default:
      return false;
  }
}

// A run of plain text, text[start..end): dummy prefix, pre-tokens, merges.
llm_status encode_run(Encoder* e, const char* text, size_t start, size_t end) {
  const llmrt_tokenizer* t = e->tok;
  const char* run = text + start;
  const size_t len = end - start;
  if (t->pretokenizer == LLMRT_PRETOKENIZER_NONE) {
    return encode_pretoken(e, run, len, wants_dummy_prefix(t, run, len, start));
  }
  for (size_t pos = 0; pos < len;) {
    size_t piece_end = llmrt_llama3_pretoken_end(run, len, pos);
    llm_status status = encode_pretoken(e, run + pos, piece_end - pos, false);
    if (status != LLM_OK) return status;
    pos = piece_end;
  }
  return LLM_OK;
}

// The leftmost special token in text[from..len), the longest there: sets *out_start, *out_end
// and returns its id; -1 (and len) if there is none.
int32_t find_special(const llmrt_tokenizer* t, const char* text, size_t len, size_t from,
                     bool parse_special, size_t* out_start, size_t* out_end) {
  *out_start = *out_end = len;
  if (!parse_special) return -1;
  for (size_t i = from; i < len; ++i) {
    unsigned char b = static_cast<unsigned char>(text[i]);
    if ((t->special_first_bytes[b / 32] & (1u << (b % 32))) == 0) continue;
    size_t longest = len - i < t->max_token_bytes ? len - i : t->max_token_bytes;
    for (size_t n = longest; n > 0; --n) {
      if (t->special_lengths[n] == 0) continue;
      int32_t id = llmrt_tokenizer_lookup(t, text + i, n, LLMRT_TOKEN_CONTROL);
      if (id < 0) id = llmrt_tokenizer_lookup(t, text + i, n, LLMRT_TOKEN_UNKNOWN);
      if (id >= 0) {
        *out_start = i;
        *out_end = i + n;
        return id;
      }
    }
  }
  return -1;
}


// llmrt_tokenizer_encode, reading special tokens' text as those tokens if parse_special.
llm_status encode(llmrt_tokenizer* tokenizer, const char* text, size_t len, int add_bos,
                  bool parse_special, int32_t* out_tokens, int max_tokens, int* out_count) {
  if (out_count != nullptr) *out_count = 0;
  if (tokenizer == nullptr || text == nullptr || out_count == nullptr || max_tokens < 0 ||
      (out_tokens == nullptr && max_tokens > 0)) {
    return LLM_ERR_ARGUMENT;
  }
  llmrt_tokenizer* t = tokenizer;
  if ((t->flags & LLMRT_TOKENIZER_IDS_ONLY) != 0 && len > 0) return LLM_ERR_NO_TOKENIZER;
  // Byte-level and pre-tokenized text is Unicode text, as the reference tokenizers take it.
  if ((t->model == LLMRT_TOKENIZER_BYTE_LEVEL || t->pretokenizer != LLMRT_PRETOKENIZER_NONE) &&
      llmrt_utf8_valid_prefix(text, len) != len) {
    return LLM_ERR_ARGUMENT;
  }
  if (len > static_cast<size_t>(INT32_MAX) / 2 - 2) return LLM_ERR_ARGUMENT;
  if (reserve_work(t, llmrt_tokenizer_max_tokens(len)) != LLM_OK) return LLM_ERR_NO_MEMORY;
  Encoder e = {t, t->work, t->work + t->work_tokens, t->pair, 0};

  llm_status status = LLM_OK;
  if (add_bos && t->bos_id >= 0) e.ids[e.n++] = t->bos_id;
  for (size_t pos = 0; pos < len && status == LLM_OK;) {
    size_t special_start;
    size_t special_end;
    int32_t special =
        find_special(t, text, len, pos, parse_special, &special_start, &special_end);
    if (special_start > pos) status = encode_run(&e, text, pos, special_start);
    if (special >= 0) e.ids[e.n++] = special;
    pos = special_end;
  }
  if (status == LLM_OK) {
    *out_count = e.n;
    if (e.n > max_tokens) status = LLM_ERR_ARGUMENT;
    int copy = e.n < max_tokens ? e.n : max_tokens;
    if (copy > 0) std::memcpy(out_tokens, e.ids, sizeof(int32_t) * static_cast<size_t>(copy));
  }
  return status;
}

}  // namespace

size_t llmrt_tokenizer_max_tokens(size_t len) {
  // BOS, at most one token per byte of text, and a dummy prefix per run of text: runs are
  // separated by special tokens of at least one byte, so there are at most (len + 1) / 2.
  return len + len / 2 + 2;
}

llm_status llmrt_tokenizer_encode(llmrt_tokenizer* tokenizer, const char* text, size_t len,
                                  int add_bos, int32_t* out_tokens, int max_tokens,
                                  int* out_count) {
  bool parse_special =
      tokenizer != nullptr && (tokenizer->flags & LLMRT_TOKENIZER_PARSE_SPECIAL) != 0;
  return encode(tokenizer, text, len, add_bos, parse_special, out_tokens, max_tokens, out_count);
}

llm_status llmrt_tokenizer_encode_with_specials(llmrt_tokenizer* tokenizer, const char* text,
                                                size_t len, int add_bos, int32_t* out_tokens,
                                                int max_tokens, int* out_count) {
  return encode(tokenizer, text, len, add_bos, true, out_tokens, max_tokens, out_count);
}

LLMRT_NAMESPACE_END
