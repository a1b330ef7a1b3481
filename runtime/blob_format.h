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
// tokenizer.bin:
//   [llmrt_tokenizer_header: 32 bytes]
//   vocab_size records of { float score; uint32 type; uint32 byte_length; bytes[byte_length] }
#ifndef LLMC_RUNTIME_BLOB_FORMAT_H
#define LLMC_RUNTIME_BLOB_FORMAT_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include "runtime/namespace.h"

LLMRT_NAMESPACE_BEGIN

static const char LLMRT_BLOB_MAGIC[8] = {'L', 'L', 'M', 'C', 'W', 'G', 'T', '\0'};
static const uint32_t LLMRT_BLOB_VERSION = 1;
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
static const uint32_t LLMRT_TOKENIZER_VERSION = 1;

enum llmrt_token_type : uint32_t {
  LLMRT_TOKEN_NORMAL = 0,   // text; a leading ' ' stands for SentencePiece's U+2581
  LLMRT_TOKEN_BYTE = 1,     // "<0xNN>": decodes to the single byte NN
  LLMRT_TOKEN_CONTROL = 2,  // <s>, </s>, ...: decodes to nothing
  LLMRT_TOKEN_UNKNOWN = 3,  // <unk>
};

struct llmrt_tokenizer_header {
  char magic[8];              // LLMRT_TOKENIZER_MAGIC
  uint32_t version;           // LLMRT_TOKENIZER_VERSION
  uint32_t vocab_size;
  int32_t bos_id;             // -1 if none
  int32_t eos_id;             // -1 if none
  uint32_t max_token_bytes;   // longest piece, bytes
  uint32_t flags;             // LLMRT_TOKENIZER_* bits
};
static_assert(sizeof(llmrt_tokenizer_header) == 32, "tokenizer header layout");
/// Add a leading space before encoding (SentencePiece).
static const uint32_t LLMRT_TOKENIZER_ADD_DUMMY_PREFIX = 1u;
/// The pieces are placeholders "<N>" (the model was compiled without a tokenizer): ids decode to
/// "<N>", and text cannot be encoded.
static const uint32_t LLMRT_TOKENIZER_IDS_ONLY = 2u;

/// Streaming 64-bit checksum: words of 8 little-endian bytes, a multiply-xorshift mix per word.
/// Fast (one multiply per 8 bytes) so validating a multi-gigabyte blob at load costs well under
/// a second per gigabyte. Not cryptographic: it catches truncation, corruption and mixed files.
struct llmrt_hasher {
  uint64_t state;
  uint64_t length;
  unsigned char tail[8];
  unsigned tail_len;
};

static inline uint64_t llmrt_hash_mix(uint64_t h, uint64_t word) {
  h ^= word;
  h *= 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  return h;
}

static inline void llmrt_hasher_init(llmrt_hasher* hs) {
  hs->state = 0xCBF29CE484222325ull;
  hs->length = 0;
  hs->tail_len = 0;
}

static inline void llmrt_hasher_update(llmrt_hasher* hs, const void* data, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  hs->length += n;
  while (hs->tail_len != 0 && n != 0) {  // finish a word started by the previous call
    hs->tail[hs->tail_len++] = *p++;
    --n;
    if (hs->tail_len == 8) {
      uint64_t w;
      std::memcpy(&w, hs->tail, 8);
      hs->state = llmrt_hash_mix(hs->state, w);
      hs->tail_len = 0;
    }
  }
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    hs->state = llmrt_hash_mix(hs->state, w);
  }
  for (; n != 0; --n) hs->tail[hs->tail_len++] = *p++;
}

static inline uint64_t llmrt_hasher_final(const llmrt_hasher* hs) {
  uint64_t h = hs->state;
  if (hs->tail_len != 0) {
    unsigned char last[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(last, hs->tail, hs->tail_len);
    uint64_t w;
    std::memcpy(&w, last, 8);
    h = llmrt_hash_mix(h, w);
  }
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
