// blob_format.h - the on-disk layout of weights.bin and tokenizer.bin.
//
// Shared by the compiler (which writes the files) and the runtime (which validates and reads them),
// so the two can never disagree about a field. Plain C++17, no dependencies. All integers are
// little-endian; llmc only targets little-endian machines and the loader refuses others.
//
// weights.bin:
//   [llmrt_blob_header: 64 bytes]
//   [llmrt_tensor_entry x tensor_count: 128 bytes each]     <- table_offset, table_size
//   [zero padding to a multiple of 64]
//   [tensor data; each tensor starts 64-byte aligned]       <- data_offset + entry.offset
//
// tokenizer.bin (version 2; version 1 files are the first 32 bytes of this header, then the
// records, and no merges):
//   [llmrt_tokenizer_header: 64 bytes]
//   vocab_size records of { float score; uint32 type; uint32 byte_length; bytes[byte_length] }
//   merge_count records of { uint32 left; uint32 right; uint32 result }, highest priority first
#ifndef LLMC_RUNTIME_BLOB_FORMAT_H
#define LLMC_RUNTIME_BLOB_FORMAT_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include "runtime/namespace.h"

LLMRT_NAMESPACE_BEGIN

static const char LLMRT_BLOB_MAGIC[8] = {'L', 'L', 'M', 'C', 'W', 'G', 'T', '\0'};
static const uint32_t LLMRT_BLOB_VERSION = 2;  // 1: a checksum of one lane
static const uint64_t LLMRT_BLOB_ALIGN = 64;
static const size_t LLMRT_TENSOR_NAME_BYTES = 64;  // including the terminating NUL
static const uint32_t LLMRT_MAX_DIMS = 4;

enum llmrt_dtype : uint32_t {
  LLMRT_DTYPE_F32 = 0,
  LLMRT_DTYPE_F16 = 1,
  LLMRT_DTYPE_BF16 = 2,
  // Block-quantized matrices (runtime/quant_format.h): dtype = LLMRT_DTYPE_Q8_0 + the
  // llmrt_quant_scheme. Each row is stored as whole blocks (zero-padded at the end), so a
  // tensor of dims (rows, k) has rows * ceil(k / block) * block_bytes bytes.
  LLMRT_DTYPE_Q8_0 = 3,
  LLMRT_DTYPE_Q4_0 = 4,
  LLMRT_DTYPE_Q4_1 = 5,
  LLMRT_DTYPE_Q4_K = 6,
  LLMRT_DTYPE_Q6_K = 7,
};

struct llmrt_blob_header {
  char magic[8];            // LLMRT_BLOB_MAGIC
  uint32_t version;         // LLMRT_BLOB_VERSION
  uint32_t tensor_count;
  uint64_t file_size;       // the whole file, bytes
  uint64_t table_offset;    // = sizeof(llmrt_blob_header)
  uint64_t table_size;      // = tensor_count * sizeof(llmrt_tensor_entry)
  uint64_t data_offset;     // multiple of LLMRT_BLOB_ALIGN
  uint64_t table_checksum;  // llmrt_hash64 of the table bytes
  uint64_t reserved;        // 0
};
static_assert(sizeof(llmrt_blob_header) == 64, "header layout");

struct llmrt_tensor_entry {
  char name[LLMRT_TENSOR_NAME_BYTES];  // e.g. "layers.3.q_proj", NUL-padded
  uint32_t dtype;                      // llmrt_dtype
  uint32_t ndim;                       // 1..LLMRT_MAX_DIMS
  uint64_t dims[LLMRT_MAX_DIMS];       // outermost first; unused dims are 1
  uint64_t offset;                     // from data_offset; multiple of LLMRT_BLOB_ALIGN
  uint64_t size;                       // bytes
  uint64_t checksum;                   // llmrt_hash64 of the tensor's bytes
};
static_assert(sizeof(llmrt_tensor_entry) == 128, "table entry layout");

static const char LLMRT_TOKENIZER_MAGIC[8] = {'L', 'L', 'M', 'C', 'T', 'O', 'K', '\0'};
static const uint32_t LLMRT_TOKENIZER_VERSION = 2;

enum llmrt_token_type : uint32_t {
  LLMRT_TOKEN_NORMAL = 0,   // text: the bytes it decodes to (SentencePiece's U+2581 is ' ')
  LLMRT_TOKEN_BYTE = 1,     // "<0xNN>": decodes to the single byte NN
  LLMRT_TOKEN_CONTROL = 2,  // <s>, <|eot_id|>, ...: decodes to nothing
  LLMRT_TOKEN_UNKNOWN = 3,  // <unk>
};

/// How text becomes the tokens that merges start from.
enum llmrt_tokenizer_model : uint32_t {
  /// SentencePiece BPE: each UTF-8 character is its piece, or its bytes' <0xNN> tokens.
  LLMRT_TOKENIZER_SENTENCEPIECE = 0,
  /// Byte-level BPE (GPT-2, Llama 3): each byte is the normal token whose piece is that byte.
  /// Pieces hold the bytes they stand for: importers undo GPT-2's byte-to-unicode mapping.
  LLMRT_TOKENIZER_BYTE_LEVEL = 1,
};

/// How text is cut into pre-tokens that merges never cross.
enum llmrt_pretokenizer : uint32_t {
  LLMRT_PRETOKENIZER_NONE = 0,    // the text between special tokens is one piece
  LLMRT_PRETOKENIZER_LLAMA3 = 1,  // Llama 3's regex (runtime/pretokenize.cpp)
};

/// How a conversation becomes prompt text (runtime/chat.cpp): the chat templates llmc knows, each
/// the Jinja template a model's metadata ships, written out by hand.
enum llmrt_chat_template : uint32_t {
  LLMRT_CHAT_TEMPLATE_NONE = 0,    // a model without one (base models): text in, text out
  LLMRT_CHAT_TEMPLATE_LLAMA2 = 1,  // Llama 2 chat: <s>[INST] <<SYS>>...<</SYS>> ... [/INST] ... </s>
  LLMRT_CHAT_TEMPLATE_LLAMA3 = 2,  // Llama 3 instruct: <|start_header_id|>role<|end_header_id|>
  LLMRT_CHAT_TEMPLATE_ZEPHYR = 3,  // Zephyr, TinyLlama chat: <|user|>\n...</s>
};
static const uint32_t LLMRT_CHAT_TEMPLATE_COUNT = 4;

/// The name of a chat template, as `llmc compile --chat-template` and the manifest spell it:
/// "none", "llama2", "llama3", "zephyr"; NULL for a value outside the enum.
static inline const char* llmrt_chat_template_name(uint32_t chat_template) {
  static const char* const names[LLMRT_CHAT_TEMPLATE_COUNT] = {"none", "llama2", "llama3",
                                                               "zephyr"};
  return chat_template < LLMRT_CHAT_TEMPLATE_COUNT ? names[chat_template] : nullptr;
}

/// The space a SentencePiece-style tokenizer puts before text (with LLMRT_PRETOKENIZER_NONE).
enum llmrt_dummy_prefix : uint32_t {
  LLMRT_DUMMY_PREFIX_NONE = 0,
  /// Before every non-empty run of text between special tokens (SentencePiece's
  /// add_dummy_prefix; tokenizer.json's Prepend normalizer).
  LLMRT_DUMMY_PREFIX_ALWAYS = 1,
  /// Before a run of text that does not start with a space (tokenizer.json's Metaspace,
  /// prepend_scheme "always").
  LLMRT_DUMMY_PREFIX_UNLESS_SPACE = 2,
  /// As UNLESS_SPACE, only for text at the very start (Metaspace, prepend_scheme "first").
  LLMRT_DUMMY_PREFIX_FIRST_UNLESS_SPACE = 3,
};

struct llmrt_tokenizer_header {
  char magic[8];              // LLMRT_TOKENIZER_MAGIC
  uint32_t version;           // LLMRT_TOKENIZER_VERSION
  uint32_t vocab_size;
  int32_t bos_id;             // -1 if none
  int32_t eos_id;             // -1 if none
  uint32_t max_token_bytes;   // longest piece, bytes
  uint32_t flags;             // LLMRT_TOKENIZER_* bits
  // Version 2 (a version 1 file reads as SentencePiece, no pre-tokenizer, no merges, and
  // dummy_prefix ALWAYS if its flags have LLMRT_TOKENIZER_ADD_DUMMY_PREFIX, else NONE):
  uint32_t model;             // llmrt_tokenizer_model
  uint32_t pretokenizer;      // llmrt_pretokenizer
  uint32_t dummy_prefix;      // llmrt_dummy_prefix
  uint32_t merge_count;       // merge records after the tokens; 0: merge by score
  uint32_t chat_template;     // llmrt_chat_template (0 in files of llmc before chat templates)
  uint32_t reserved[3];       // 0
};
static_assert(sizeof(llmrt_tokenizer_header) == 64, "tokenizer header layout");
/// The header of a version 1 file: the fields up to flags.
static const size_t LLMRT_TOKENIZER_HEADER_V1_BYTES = 32;
/// Version 1 only: add a leading space before encoding (SentencePiece). Version 2 says it in
/// dummy_prefix.
static const uint32_t LLMRT_TOKENIZER_ADD_DUMMY_PREFIX = 1u;
/// The pieces are placeholders "<N>" (the model was compiled without a tokenizer): ids decode to
/// "<N>", and text cannot be encoded.
static const uint32_t LLMRT_TOKENIZER_IDS_ONLY = 2u;
/// Control and unknown tokens whose text appears in the input encode as those tokens (as
/// Hugging Face tokenizers treat added tokens, and llama.cpp special tokens). Without it their
/// text is ordinary text.
static const uint32_t LLMRT_TOKENIZER_PARSE_SPECIAL = 4u;
/// A pre-token that is itself a normal piece becomes that token without merges (tiktoken;
/// tokenizer.json's ignore_merges).
static const uint32_t LLMRT_TOKENIZER_WHOLE_PIECES = 8u;

/// One merge: the adjacent tokens left, right become result. With merges, pairs merge in the
/// order of the records (the first record's pair first) and only listed pairs merge; without,
/// any adjacent pair whose concatenation is a normal piece merges, the highest score first.
struct llmrt_merge_record {
  uint32_t left;
  uint32_t right;
  uint32_t result;
};
static_assert(sizeof(llmrt_merge_record) == 12, "merge record layout");

/// Streaming 64-bit checksum: words of 8 little-endian bytes, a multiply-xorshift mix per word,
/// word k into lane k % 4, the lanes mixed together at the end. One multiply per 8 bytes, and four
/// independent chains of them, so a core checks several gigabytes a second: fast enough to
/// validate a blob at load and each streamed layer as it is read. Not cryptographic: it catches
/// truncation, corruption and mixed files.
static const unsigned LLMRT_HASH_LANES = 4;

struct llmrt_hasher {
  uint64_t lanes[LLMRT_HASH_LANES];
  uint64_t length;  // bytes so far
  unsigned char tail[8];
  unsigned tail_len;
};

static inline uint64_t llmrt_hash_mix(uint64_t h, uint64_t word) {
  h ^= word;
  h *= 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  return h;
}

// The 8 little-endian bytes at p as a word.
static inline uint64_t llmrt_hash_word(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

static inline void llmrt_hasher_init(llmrt_hasher* hs) {
  for (unsigned i = 0; i < LLMRT_HASH_LANES; ++i) hs->lanes[i] = 0xCBF29CE484222325ull + i;
  hs->length = 0;
  hs->tail_len = 0;
}

static inline void llmrt_hasher_update(llmrt_hasher* hs, const void* data, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  unsigned lane = unsigned(hs->length / 8 % LLMRT_HASH_LANES);  // of the next whole word
  hs->length += n;
  if (hs->tail_len != 0) {  // finish a word started by the previous call
    size_t take = 8 - hs->tail_len < n ? 8 - hs->tail_len : n;
    std::memcpy(hs->tail + hs->tail_len, p, take);
    hs->tail_len += unsigned(take);
    p += take;
    n -= take;
    if (hs->tail_len < 8) return;  // n is 0
    hs->lanes[lane] = llmrt_hash_mix(hs->lanes[lane], llmrt_hash_word(hs->tail));
    lane = (lane + 1) % LLMRT_HASH_LANES;
    hs->tail_len = 0;
  }
  for (; n >= 8 && lane != 0; n -= 8, p += 8) {
    hs->lanes[lane] = llmrt_hash_mix(hs->lanes[lane], llmrt_hash_word(p));
    lane = (lane + 1) % LLMRT_HASH_LANES;
  }
  // Lane 0 is next (or fewer than 8 bytes are left). Whole rounds of the four lanes: independent
  // multiplies the core overlaps.
  uint64_t l0 = hs->lanes[0], l1 = hs->lanes[1], l2 = hs->lanes[2], l3 = hs->lanes[3];
  for (; n >= 8 * LLMRT_HASH_LANES; n -= 8 * LLMRT_HASH_LANES, p += 8 * LLMRT_HASH_LANES) {
    uint64_t w[LLMRT_HASH_LANES];
    std::memcpy(w, p, sizeof w);
    l0 = llmrt_hash_mix(l0, w[0]);
    l1 = llmrt_hash_mix(l1, w[1]);
    l2 = llmrt_hash_mix(l2, w[2]);
    l3 = llmrt_hash_mix(l3, w[3]);
  }
  hs->lanes[0] = l0;
  hs->lanes[1] = l1;
  hs->lanes[2] = l2;
  hs->lanes[3] = l3;
  for (unsigned i = 0; n >= 8; ++i, n -= 8, p += 8) {  // up to three words more, lanes 0, 1, 2
    hs->lanes[i] = llmrt_hash_mix(hs->lanes[i], llmrt_hash_word(p));
  }
  std::memcpy(hs->tail, p, n);  // n < 8, and the tail was empty
  hs->tail_len = unsigned(n);
}

static inline uint64_t llmrt_hasher_final(const llmrt_hasher* hs) {
  uint64_t lanes[LLMRT_HASH_LANES];
  std::memcpy(lanes, hs->lanes, sizeof lanes);
  if (hs->tail_len != 0) {  // a final partial word, zero-padded, into its lane
    unsigned char bytes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(bytes, hs->tail, hs->tail_len);
    unsigned lane = unsigned(hs->length / 8 % LLMRT_HASH_LANES);
    lanes[lane] = llmrt_hash_mix(lanes[lane], llmrt_hash_word(bytes));
  }
  uint64_t h = lanes[0];
  for (unsigned i = 1; i < LLMRT_HASH_LANES; ++i) h = llmrt_hash_mix(h, lanes[i]);
  return llmrt_hash_mix(h, hs->length);
}

static inline uint64_t llmrt_hash64(const void* data, size_t n) {
  llmrt_hasher hs;
  llmrt_hasher_init(&hs);
  llmrt_hasher_update(&hs, data, n);
  return llmrt_hasher_final(&hs);
}

LLMRT_NAMESPACE_END

#endif  // LLMC_RUNTIME_BLOB_FORMAT_H
