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

// Reads the vocab_size records after the header into the tokenizer's arrays. `path` names the
// bytes in messages.
llm_status read_records(const char* path, llmrt_tokenizer* t, char* err, size_t err_len) {
  size_t pos = sizeof(llmrt_tokenizer_header);
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
  if (pos != t->size) {
    llmrt_format_error(err, err_len, "%s: %zu unexpected bytes after the last token", path,
                       t->size - pos);
    return LLM_ERR_FORMAT;
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
  // Byte fallback: look up "<0xNN>" by text; failing that, llama2.c's convention id = byte + 3.
  for (int b = 0; b < 256; ++b) {
    char piece[8];
    std::snprintf(piece, sizeof(piece), "<0x%02X>", b);
    int32_t id = llmrt_tokenizer_lookup(t, piece, 6, LLMRT_TOKEN_BYTE);
    if (id < 0 && static_cast<uint32_t>(b) + 3 < t->vocab_size) id = b + 3;
    t->byte_ids[b] = id;
  }
}

// Validates the header and records of size bytes at data and builds the index over them. `name`
// starts every message; `storage` says who releases data (left to the caller on failure).
llm_status open_bytes(const unsigned char* data, size_t size, const char* name,
                      llmrt_storage storage, llmrt_tokenizer* t, char* err, size_t err_len) {
  if (data == nullptr) {
    llmrt_format_error(err, err_len, "%s: the tokenizer pointer is NULL", name);
    return LLM_ERR_ARGUMENT;
  }
  llmrt_tokenizer_header h;
  if (size < sizeof(h)) {
    llmrt_format_error(err, err_len,
                       "%s: %s is %zu bytes, too small for a header (not an llmc tokenizer)",
                       name, storage == LLMRT_STORAGE_BORROWED ? "blob" : "file", size);
    return LLM_ERR_FORMAT;
  }
  std::memcpy(&h, data, sizeof(h));
  if (std::memcmp(h.magic, LLMRT_TOKENIZER_MAGIC, sizeof(h.magic)) != 0) {
    llmrt_format_error(err, err_len, "%s: bad magic (not an llmc tokenizer)", name);
    return LLM_ERR_FORMAT;
  }
  if (h.version != LLMRT_TOKENIZER_VERSION) {
    llmrt_format_error(err, err_len, "%s: unsupported version %u (this runtime reads version %u)",
                       name, h.version, LLMRT_TOKENIZER_VERSION);
    return LLM_ERR_FORMAT;
  }
  // Each record takes at least 12 bytes, which bounds vocab_size before anything is allocated.
  if (h.vocab_size == 0 || h.vocab_size > (size - sizeof(h)) / 12) {
    llmrt_format_error(err, err_len, "%s: vocab_size %u does not fit in %zu bytes", name,
                       h.vocab_size, size);
    return LLM_ERR_FORMAT;
  }
  // Every piece lies in the file, which bounds the longest before it sizes the index.
  if (h.max_token_bytes > size - sizeof(h)) {
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
  t->max_token_bytes = h.max_token_bytes;

  // One block for the index (pieces, then the 4-byte arrays, then encode's pair buffer) and one
  // for encode's working memory.
  const size_t n = h.vocab_size;
  const size_t index_bytes =
      n * (sizeof(const char*) + 4 * sizeof(uint32_t)) + 2 * size_t(h.max_token_bytes);
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
  t->pieces = reinterpret_cast<const char**>(index);              // (n)
  t->piece_lengths = reinterpret_cast<uint32_t*>(t->pieces + n);  // (n)
  t->types = t->piece_lengths + n;                                 // (n)
  t->scores = reinterpret_cast<float*>(t->types + n);             // (n)
  t->sorted_ids = reinterpret_cast<int32_t*>(t->scores + n);      // (n)
  t->pair = reinterpret_cast<char*>(t->sorted_ids + n);           // (2 * max_token_bytes)
  llm_status status = read_records(name, t, err, err_len);
  if (status != LLM_OK) {
    llmrt_free(t->index);
    llmrt_free(t->work);
    std::memset(t, 0, sizeof(*t));
    return status;
  }
  build_indexes(t);
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
  if (t->bos_id >= 0 && prev_token == t->bos_id && len > 0 && piece[0] == ' ') {
    ++piece;
    --len;
  }
  *out_len = len;
  return piece;
}

LLMRT_NAMESPACE_END
