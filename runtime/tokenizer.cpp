// tokenizer.cpp - loading tokenizer.bin (layout in blob_format.h), piece lookup and decoding.
// Encoding lives in tokenizer_encode.cpp.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "runtime/llmrt.h"

LLMRT_NAMESPACE_BEGIN

namespace {

// Every byte value once, so a byte token can decode to a pointer that outlives the call.
struct ByteTable {
  char bytes[256];
  constexpr ByteTable() : bytes() {
    for (int i = 0; i < 256; ++i) bytes[i] = static_cast<char>(i);
  }
};
constexpr ByteTable k_byte_table;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The byte NN of a piece "<0xNN>", or -1 if the piece has another form.
int parse_byte_piece(const char* piece, size_t len) {
  if (len != 6 || std::memcmp(piece, "<0x", 3) != 0 || piece[5] != '>') return -1;
  int hi = hex_value(piece[3]);
  int lo = hex_value(piece[4]);
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

// Byte order of two pieces: memcmp on the common prefix, then the shorter first.
int compare_pieces(const char* a, size_t a_len, const char* b, size_t b_len) {
  size_t common = a_len < b_len ? a_len : b_len;
  int c = common == 0 ? 0 : std::memcmp(a, b, common);
  if (c != 0) return c;
  if (a_len != b_len) return a_len < b_len ? -1 : 1;
  return 0;
}

// Reads the vocab_size records from byte `pos` on into the tokenizer's arrays and sets *out_end
// to where they end. `path` names the bytes in messages.
llm_status read_records(const char* path, size_t pos, llmrt_tokenizer* t, size_t* out_end,
                        char* err, size_t err_len) {
  for (uint32_t id = 0; id < t->vocab_size; ++id) {
    float score;
    uint32_t type;
    uint32_t length;
    if (t->size - pos < 12) {
      llmrt_format_error(err, err_len, "%s: file ends inside token %u of %u (truncated)", path, id,
                         t->vocab_size);
      return LLM_ERR_FORMAT;
    }
    std::memcpy(&score, t->data + pos, 4);
    std::memcpy(&type, t->data + pos + 4, 4);
    std::memcpy(&length, t->data + pos + 8, 4);
    pos += 12;
    if (length > t->max_token_bytes) {
      llmrt_format_error(err, err_len,
                         "%s: token %u is %u bytes but the header says the longest is %u", path,
                         id, length, t->max_token_bytes);
      return LLM_ERR_FORMAT;
    }
    if (t->size - pos < length) {
      llmrt_format_error(err, err_len, "%s: file ends inside token %u of %u (truncated)", path, id,
                         t->vocab_size);
      return LLM_ERR_FORMAT;
    }
    if (type > LLMRT_TOKEN_UNKNOWN) {
      llmrt_format_error(err, err_len, "%s: token %u has unknown type %u", path, id, type);
      return LLM_ERR_FORMAT;
    }
    const char* piece = reinterpret_cast<const char*>(t->data + pos);
    if (type == LLMRT_TOKEN_BYTE && parse_byte_piece(piece, length) < 0) {
      llmrt_format_error(err, err_len, "%s: byte token %u is not of the form <0xNN>", path, id);
      return LLM_ERR_FORMAT;
    }
    t->pieces[id] = piece;
    t->piece_lengths[id] = length;
    t->types[id] = type;
    t->scores[id] = score;
    pos += length;
  }
  *out_end = pos;
  return LLM_OK;
}

// Checks the merge_count records at t->merges: normal tokens whose pieces concatenate to the
// result's, no pair twice. Sorts merge_order by pair for lookups.
llm_status check_merges(const char* path, llmrt_tokenizer* t, char* err, size_t err_len) {
  for (uint32_t rank = 0; rank < t->merge_count; ++rank) {
    llmrt_merge_record m = llmrt_tokenizer_merge(t, rank);
    const uint32_t n = t->vocab_size;
    if (m.left >= n || m.right >= n || m.result >= n) {
      llmrt_format_error(err, err_len, "%s: merge %u names a token outside the vocabulary (%u)",
                         path, rank, n);
      return LLM_ERR_FORMAT;
    }
    if (t->types[m.left] != LLMRT_TOKEN_NORMAL || t->types[m.right] != LLMRT_TOKEN_NORMAL ||
        t->types[m.result] != LLMRT_TOKEN_NORMAL) {
      llmrt_format_error(err, err_len, "%s: merge %u (%u + %u -> %u) is not of normal tokens",
                         path, rank, m.left, m.right, m.result);
      return LLM_ERR_FORMAT;
    }
    uint32_t left_len = t->piece_lengths[m.left];
    if (left_len + t->piece_lengths[m.right] != t->piece_lengths[m.result] ||
        std::memcmp(t->pieces[m.result], t->pieces[m.left], left_len) != 0 ||
        std::memcmp(t->pieces[m.result] + left_len, t->pieces[m.right],
                    t->piece_lengths[m.right]) != 0) {
      llmrt_format_error(err, err_len,
                         "%s: merge %u: tokens %u and %u do not spell token %u", path, rank,
                         m.left, m.right, m.result);
      return LLM_ERR_FORMAT;
    }
    t->merge_order[rank] = static_cast<int32_t>(rank);
  }
  std::sort(t->merge_order, t->merge_order + t->merge_count, [t](int32_t a, int32_t b) {
    llmrt_merge_record ma = llmrt_tokenizer_merge(t, uint32_t(a));
    llmrt_merge_record mb = llmrt_tokenizer_merge(t, uint32_t(b));
    if (ma.left != mb.left) return ma.left < mb.left;
    if (ma.right != mb.right) return ma.right < mb.right;
    return a < b;
  });
  for (uint32_t i = 1; i < t->merge_count; ++i) {
    llmrt_merge_record a = llmrt_tokenizer_merge(t, uint32_t(t->merge_order[i - 1]));
    llmrt_merge_record b = llmrt_tokenizer_merge(t, uint32_t(t->merge_order[i]));
    if (a.left == b.left && a.right == b.right) {
      llmrt_format_error(err, err_len, "%s: merges %d and %d are of the same pair (%u + %u)",
                         path, t->merge_order[i - 1], t->merge_order[i], a.left, a.right);
      return LLM_ERR_FORMAT;
    }
  }
  return LLM_OK;
}

// sorted_ids, unk_id and byte_ids, once the records are in place.
void build_indexes(llmrt_tokenizer* t) {
  for (uint32_t id = 0; id < t->vocab_size; ++id) t->sorted_ids[id] = static_cast<int32_t>(id);
  std::sort(t->sorted_ids, t->sorted_ids + t->vocab_size, [t](int32_t a, int32_t b) {
    int c = compare_pieces(t->pieces[a], t->piece_lengths[a], t->pieces[b], t->piece_lengths[b]);
    return c != 0 ? c < 0 : a < b;
  });
  t->unk_id = -1;
  for (uint32_t id = 0; id < t->vocab_size && t->unk_id < 0; ++id) {
    if (t->types[id] == LLMRT_TOKEN_UNKNOWN) t->unk_id = static_cast<int32_t>(id);
  }
  for (int b = 0; b < 256; ++b) {
    int32_t id;
    if (t->model == LLMRT_TOKENIZER_BYTE_LEVEL) {
      const char byte = static_cast<char>(b);
      id = llmrt_tokenizer_lookup(t, &byte, 1, LLMRT_TOKEN_NORMAL);
    } else {
      // Byte fallback: look up "<0xNN>" by text; failing that, llama2.c's id = byte + 3.
      char piece[8];
      std::snprintf(piece, sizeof(piece), "<0x%02X>", b);
      id = llmrt_tokenizer_lookup(t, piece, 6, LLMRT_TOKEN_BYTE);
      if (id < 0 && static_cast<uint32_t>(b) + 3 < t->vocab_size) id = b + 3;
    }
    t->byte_ids[b] = id;
  }
  // Built whatever the flags say: chat prompts read special tokens' text in every vocabulary.
  for (uint32_t id = 0; id < t->vocab_size; ++id) {
    uint32_t len = t->piece_lengths[id];
    uint32_t type = t->types[id];
    if ((type != LLMRT_TOKEN_CONTROL && type != LLMRT_TOKEN_UNKNOWN) || len == 0) continue;
    unsigned char first = static_cast<unsigned char>(t->pieces[id][0]);
    t->special_first_bytes[first / 32] |= 1u << (first % 32);
    t->special_lengths[len] = 1;
  }
}

// The header of a version 1 or 2 file in *out_header (a version 1 file's as version 2 would
// say it) and its size in *out_bytes, or LLM_ERR_FORMAT.
llm_status read_header(const unsigned char* data, size_t size, const char* name,
                       llmrt_storage storage, llmrt_tokenizer_header* out_header,
                       size_t* out_bytes, char* err, size_t err_len) {
  llmrt_tokenizer_header& h = *out_header;
  std::memset(&h, 0, sizeof(h));
  if (size < LLMRT_TOKENIZER_HEADER_V1_BYTES) {
    llmrt_format_error(err, err_len,
                       "%s: %s is %zu bytes, too small for a header (not an llmc tokenizer)",
                       name, storage == LLMRT_STORAGE_BORROWED ? "blob" : "file", size);
    return LLM_ERR_FORMAT;
  }
  std::memcpy(&h, data, LLMRT_TOKENIZER_HEADER_V1_BYTES);
  if (std::memcmp(h.magic, LLMRT_TOKENIZER_MAGIC, sizeof(h.magic)) != 0) {
    llmrt_format_error(err, err_len, "%s: bad magic (not an llmc tokenizer)", name);
    return LLM_ERR_FORMAT;
  }
  if (h.version == 1) {
    if ((h.flags & ~(LLMRT_TOKENIZER_ADD_DUMMY_PREFIX | LLMRT_TOKENIZER_IDS_ONLY)) != 0) {
      llmrt_format_error(err, err_len, "%s: unknown flags 0x%x for version 1", name, h.flags);
      return LLM_ERR_FORMAT;
    }
    if ((h.flags & LLMRT_TOKENIZER_ADD_DUMMY_PREFIX) != 0) {
      h.dummy_prefix = LLMRT_DUMMY_PREFIX_ALWAYS;
    }
    h.flags &= ~LLMRT_TOKENIZER_ADD_DUMMY_PREFIX;
    *out_bytes = LLMRT_TOKENIZER_HEADER_V1_BYTES;
    return LLM_OK;
  }
  if (h.version != LLMRT_TOKENIZER_VERSION) {
    llmrt_format_error(err, err_len,
                       "%s: unsupported version %u (this runtime reads versions 1 and %u)", name,
                       h.version, LLMRT_TOKENIZER_VERSION);
    return LLM_ERR_FORMAT;
  }
  if (size < sizeof(h)) {
    llmrt_format_error(err, err_len, "%s: %zu bytes, too small for a version %u header", name,
                       size, h.version);
    return LLM_ERR_FORMAT;
  }
  std::memcpy(&h, data, sizeof(h));
  const uint32_t known = LLMRT_TOKENIZER_IDS_ONLY | LLMRT_TOKENIZER_PARSE_SPECIAL |
                         LLMRT_TOKENIZER_WHOLE_PIECES;
  if ((h.flags & ~known) != 0) {
    llmrt_format_error(err, err_len, "%s: unknown flags 0x%x (from a newer llmc?)", name, h.flags);
    return LLM_ERR_FORMAT;
  }
  if (h.model > LLMRT_TOKENIZER_BYTE_LEVEL || h.pretokenizer > LLMRT_PRETOKENIZER_LLAMA3 ||
      h.dummy_prefix > LLMRT_DUMMY_PREFIX_FIRST_UNLESS_SPACE) {
    llmrt_format_error(err, err_len,
                       "%s: unknown model %u, pre-tokenizer %u or dummy prefix %u (from a newer "
                       "llmc?)",
                       name, h.model, h.pretokenizer, h.dummy_prefix);
    return LLM_ERR_FORMAT;
  }
  if (h.chat_template >= LLMRT_CHAT_TEMPLATE_COUNT) {
    llmrt_format_error(err, err_len, "%s: unknown chat template %u (from a newer llmc?)", name,
                       h.chat_template);
    return LLM_ERR_FORMAT;
  }
  if (h.dummy_prefix != LLMRT_DUMMY_PREFIX_NONE &&
      (h.model != LLMRT_TOKENIZER_SENTENCEPIECE || h.pretokenizer != LLMRT_PRETOKENIZER_NONE)) {
    llmrt_format_error(err, err_len,
                       "%s: a dummy prefix is for SentencePiece tokenizers without a "
                       "pre-tokenizer",
                       name);
    return LLM_ERR_FORMAT;
  }
  for (uint32_t word : h.reserved) {
    if (word != 0) {
      llmrt_format_error(err, err_len, "%s: reserved header fields are not 0", name);
      return LLM_ERR_FORMAT;
    }
  }
  *out_bytes = sizeof(h);
  return LLM_OK;
}

// Validates the header, records and merges of size bytes at data and builds the index over
// them. `name` starts every message; `storage` says who releases data (left to the caller on
// failure).
llm_status open_bytes(const unsigned char* data, size_t size, const char* name,
                      llmrt_storage storage, llmrt_tokenizer* t, char* err, size_t err_len) {
  if (data == nullptr) {
    llmrt_format_error(err, err_len, "%s: the tokenizer pointer is NULL", name);
    return LLM_ERR_ARGUMENT;
  }
  llmrt_tokenizer_header h;
  size_t header_bytes = 0;
  llm_status status = read_header(data, size, name, storage, &h, &header_bytes, err, err_len);
  if (status != LLM_OK) return status;
  // Each record takes at least 12 bytes, which bounds vocab_size and merge_count before anything
  // is allocated.
  const size_t room = (size - header_bytes) / 12;
  if (h.vocab_size == 0 || h.vocab_size > room || h.merge_count > room - h.vocab_size) {
    llmrt_format_error(err, err_len, "%s: vocab_size %u and %u merges do not fit in %zu bytes",
                       name, h.vocab_size, h.merge_count, size);
    return LLM_ERR_FORMAT;
  }
  // Every piece lies in the file, which bounds the longest before it sizes the index.
  if (h.max_token_bytes > size - header_bytes) {
    llmrt_format_error(err, err_len, "%s: max_token_bytes %u does not fit in %zu bytes", name,
                       h.max_token_bytes, size);
    return LLM_ERR_FORMAT;
  }
  const int32_t vocab = static_cast<int32_t>(h.vocab_size);
  if (h.bos_id < -1 || h.bos_id >= vocab || h.eos_id < -1 || h.eos_id >= vocab) {
    llmrt_format_error(err, err_len, "%s: bos_id %d or eos_id %d outside the vocabulary (%u)",
                       name, h.bos_id, h.eos_id, h.vocab_size);
    return LLM_ERR_FORMAT;
  }
  t->data = data;
  t->size = size;
  t->vocab_size = h.vocab_size;
  t->bos_id = h.bos_id;
  t->eos_id = h.eos_id;
  t->flags = h.flags;
  t->model = h.model;
  t->pretokenizer = h.pretokenizer;
  t->dummy_prefix = h.dummy_prefix;
  t->max_token_bytes = h.max_token_bytes;
  t->merge_count = h.merge_count;
  t->chat_template = h.chat_template;

  // One block for the index (pieces, the 4-byte arrays, merge_order, then encode's pair buffer
  // and the special lengths) and one for encode's working memory.
  const size_t n = h.vocab_size;
  const size_t index_bytes = n * (sizeof(const char*) + 4 * sizeof(uint32_t)) +
                             size_t(h.merge_count) * sizeof(int32_t) +
                             2 * size_t(h.max_token_bytes) + size_t(h.max_token_bytes) + 1;
  unsigned char* index = static_cast<unsigned char*>(llmrt_alloc(index_bytes));
  t->work_tokens = LLMRT_TOKENIZER_WORK_TOKENS;
  t->work = static_cast<int32_t*>(llmrt_alloc(2 * t->work_tokens * sizeof(int32_t)));
  if (index == nullptr || t->work == nullptr) {
    llmrt_format_error(err, err_len, "%s: out of memory for %u tokens", name, h.vocab_size);
    llmrt_free(index);
    llmrt_free(t->work);
    std::memset(t, 0, sizeof(*t));
    return LLM_ERR_NO_MEMORY;
  }
  t->index = index;
  t->pieces = reinterpret_cast<const char**>(index);                   // (n)
  t->piece_lengths = reinterpret_cast<uint32_t*>(t->pieces + n);       // (n)
  t->types = t->piece_lengths + n;                                      // (n)
  t->scores = reinterpret_cast<float*>(t->types + n);                  // (n)
  t->sorted_ids = reinterpret_cast<int32_t*>(t->scores + n);           // (n)
  t->merge_order = t->sorted_ids + n;                                   // (merge_count)
  t->pair = reinterpret_cast<char*>(t->merge_order + h.merge_count);   // (2 * max_token_bytes)
  t->special_lengths =
      reinterpret_cast<unsigned char*>(t->pair + 2 * size_t(h.max_token_bytes));  // (max + 1)
  size_t records_end = 0;
  status = read_records(name, header_bytes, t, &records_end, err, err_len);
  if (status == LLM_OK && size - records_end != size_t(h.merge_count) * 12) {
    if (h.merge_count == 0) {
      llmrt_format_error(err, err_len, "%s: %zu unexpected bytes after the last token", name,
                         size - records_end);
    } else {
      llmrt_format_error(err, err_len,
                         "%s: %zu bytes after the last token, where %u merges take %zu "
                         "(truncated?)",
                         name, size - records_end, h.merge_count, size_t(h.merge_count) * 12);
    }
    status = LLM_ERR_FORMAT;
  }
  if (status == LLM_OK) {
    t->merges = data + records_end;
    status = check_merges(name, t, err, err_len);
  }
  if (status == LLM_OK) {
    build_indexes(t);
    status = llmrt_chat_check_tokens(t, name, err, err_len);
  }
  if (status != LLM_OK) {
    llmrt_free(t->index);
    llmrt_free(t->work);
    std::memset(t, 0, sizeof(*t));
    return status;
  }
  t->storage = storage;
  return LLM_OK;
}

}  // namespace

llm_status llmrt_tokenizer_open_memory(const void* data, size_t size, const char* name,
                                       llmrt_tokenizer* out_tokenizer, char* err,
                                       size_t err_len) {
  if (out_tokenizer == nullptr || name == nullptr) {
    llmrt_format_error(err, err_len, "llmrt_tokenizer_open_memory: NULL argument");
    return LLM_ERR_ARGUMENT;
  }
  std::memset(out_tokenizer, 0, sizeof(*out_tokenizer));
  return open_bytes(static_cast<const unsigned char*>(data), size, name, LLMRT_STORAGE_BORROWED,
                    out_tokenizer, err, err_len);
}

llm_status llmrt_tokenizer_load(const char* path, llmrt_tokenizer* out_tokenizer, char* err,
                                size_t err_len) {
  if (out_tokenizer == nullptr || path == nullptr) {
    llmrt_format_error(err, err_len, "llmrt_tokenizer_load: NULL argument");
    return LLM_ERR_ARGUMENT;
  }
  std::memset(out_tokenizer, 0, sizeof(*out_tokenizer));
  return llmrt_open_mapped(path, err, err_len,
                           [&](const unsigned char* data, size_t size, llmrt_storage storage) {
                             return open_bytes(data, size, path, storage, out_tokenizer, err,
                                               err_len);
                           });
}

void llmrt_tokenizer_free(llmrt_tokenizer* tokenizer) {
  if (tokenizer == nullptr) return;
  llmrt_unmap_file(tokenizer->data, tokenizer->size, tokenizer->storage);
  llmrt_free(tokenizer->index);
  llmrt_free(tokenizer->work);
  std::memset(tokenizer, 0, sizeof(*tokenizer));
}

int32_t llmrt_tokenizer_lookup(const llmrt_tokenizer* tokenizer, const char* piece, size_t len,
                               uint32_t type) {
  const llmrt_tokenizer* t = tokenizer;
  // lower_bound: the first sorted position whose piece is not less than `piece`.
  size_t lo = 0;
  size_t hi = t->vocab_size;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int32_t id = t->sorted_ids[mid];
    if (compare_pieces(t->pieces[id], t->piece_lengths[id], piece, len) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  // Equal pieces sit together in id order; take the first of the wanted type.
  for (size_t i = lo; i < t->vocab_size; ++i) {
    int32_t id = t->sorted_ids[i];
    if (compare_pieces(t->pieces[id], t->piece_lengths[id], piece, len) != 0) break;
    if (t->types[id] == type) return id;
  }
  return -1;
}

int32_t llmrt_tokenizer_find_merge(const llmrt_tokenizer* tokenizer, int32_t left,
                                   int32_t right, int32_t* out_result) {
  const llmrt_tokenizer* t = tokenizer;
  size_t lo = 0;
  size_t hi = t->merge_count;
  while (lo < hi) {  // the first merge whose pair is not less than (left, right)
    size_t mid = lo + (hi - lo) / 2;
    llmrt_merge_record m = llmrt_tokenizer_merge(t, uint32_t(t->merge_order[mid]));
    if (m.left < uint32_t(left) || (m.left == uint32_t(left) && m.right < uint32_t(right))) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == t->merge_count) return -1;
  llmrt_merge_record m = llmrt_tokenizer_merge(t, uint32_t(t->merge_order[lo]));
  if (m.left != uint32_t(left) || m.right != uint32_t(right)) return -1;
  *out_result = static_cast<int32_t>(m.result);
  return t->merge_order[lo];
}

const char* llmrt_tokenizer_decode(const llmrt_tokenizer* tokenizer, int32_t prev_token,
                                   int32_t token, size_t* out_len) {
  const llmrt_tokenizer* t = tokenizer;
  *out_len = 0;
  if (token < 0 || static_cast<uint32_t>(token) >= t->vocab_size) return "";
  const char* piece = t->pieces[token];
  size_t len = t->piece_lengths[token];
  switch (t->types[token]) {
    case LLMRT_TOKEN_CONTROL:
      return "";
    case LLMRT_TOKEN_BYTE:
      *out_len = 1;
      return &k_byte_table.bytes[parse_byte_piece(piece, len)];
    default:
      break;
  }
  // SentencePiece adds a space before the text; the first piece after BOS carries it.
  if (t->dummy_prefix != LLMRT_DUMMY_PREFIX_NONE && t->bos_id >= 0 && prev_token == t->bos_id &&
      len > 0 && piece[0] == ' ') {
    ++piece;
    --len;
  }
  *out_len = len;
  return piece;
}

LLMRT_NAMESPACE_END
