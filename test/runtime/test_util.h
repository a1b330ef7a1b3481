// test_util.h - small helpers shared by the runtime tests: temporary files, blob images and
// tokenizer writers.
#ifndef LLMC_TEST_RUNTIME_TEST_UTIL_H
#define LLMC_TEST_RUNTIME_TEST_UTIL_H

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llmrt.h"
#include "test/runtime/fake_model.h"

namespace llmrt_test {

/// A path under the test temporary directory, unique to the running test and `name`.
inline std::string temp_path(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir + "llmrt_" + info->test_suite_name() + "_" + info->name() + "_" + name;
}

inline void write_file(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) {
    ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  }
  ASSERT_EQ(std::fclose(f), 0);
}

inline std::vector<unsigned char> read_file(const std::string& path) {
  std::vector<unsigned char> bytes;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return bytes;
  unsigned char buf[4096];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof(buf), f)) > 0) bytes.insert(bytes.end(), buf, buf + got);
  std::fclose(f);
  return bytes;
}

struct TestTensor {
  std::string name;
  uint32_t dtype;
  std::vector<uint64_t> dims;
};

inline uint64_t elem_size(uint32_t dtype) { return dtype == LLMRT_DTYPE_F32 ? 4 : 2; }

inline uint64_t align_up(uint64_t x) {
  return (x + LLMRT_BLOB_ALIGN - 1) / LLMRT_BLOB_ALIGN * LLMRT_BLOB_ALIGN;
}

// A weights.bin image written the way the compiler writes one, with random tensor bytes, plus
// accessors to corrupt it.
struct BlobImage {
  std::vector<unsigned char> bytes;

  explicit BlobImage(const std::vector<TestTensor>& tensors) {
    const uint64_t table_size = tensors.size() * sizeof(llmrt_tensor_entry);
    const uint64_t data_offset = align_up(sizeof(llmrt_blob_header) + table_size);
    std::vector<llmrt_tensor_entry> table(tensors.size());
    uint64_t data_size = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
      llmrt_tensor_entry& e = table[i];
      std::memset(&e, 0, sizeof(e));
      std::snprintf(e.name, sizeof(e.name), "%s", tensors[i].name.c_str());
      e.dtype = tensors[i].dtype;
      e.ndim = static_cast<uint32_t>(tensors[i].dims.size());
      uint64_t size = elem_size(e.dtype);
      for (uint32_t d = 0; d < LLMRT_MAX_DIMS; ++d) {
        e.dims[d] = d < e.ndim ? tensors[i].dims[d] : 1;
        size *= e.dims[d];
      }
      e.offset = data_size;
      e.size = size;
      data_size = align_up(data_size + size);
    }
    bytes.assign(data_offset + data_size, 0);
    std::mt19937 rng(42);
    for (size_t i = 0; i < tensors.size(); ++i) {
      unsigned char* p = bytes.data() + data_offset + table[i].offset;
      for (uint64_t b = 0; b < table[i].size; ++b) p[b] = static_cast<unsigned char>(rng());
      table[i].checksum = llmrt_hash64(p, table[i].size);
    }
    if (!table.empty()) {
      std::memcpy(bytes.data() + sizeof(llmrt_blob_header), table.data(), table_size);
    }
    llmrt_blob_header h;
    std::memset(&h, 0, sizeof(h));
    std::memcpy(h.magic, LLMRT_BLOB_MAGIC, sizeof(h.magic));
    h.version = LLMRT_BLOB_VERSION;
    h.tensor_count = static_cast<uint32_t>(tensors.size());
    h.file_size = bytes.size();
    h.table_offset = sizeof(llmrt_blob_header);
    h.table_size = table_size;
    h.data_offset = data_offset;
    std::memcpy(bytes.data(), &h, sizeof(h));
    rehash_table();
  }

  llmrt_blob_header* header() { return reinterpret_cast<llmrt_blob_header*>(bytes.data()); }
  llmrt_tensor_entry* entry(size_t i) {
    return reinterpret_cast<llmrt_tensor_entry*>(bytes.data() + sizeof(llmrt_blob_header)) + i;
  }
  unsigned char* tensor_data(size_t i) {
    return bytes.data() + header()->data_offset + entry(i)->offset;
  }
  // After editing the table, so that the edit is what the loader trips over.
  void rehash_table() {
    header()->table_checksum =
        llmrt_hash64(bytes.data() + header()->table_offset, header()->table_size);
  }
};

/// weights.bin of the fake model (fake_model.h): one f32 tensor "peak" (1) holding `peak`.
inline std::vector<unsigned char> fake_model_weights(float peak = k_fake_peak) {
  BlobImage image({{"peak", LLMRT_DTYPE_F32, {1}}});
  std::memcpy(image.tensor_data(0), &peak, sizeof(peak));
  image.entry(0)->checksum = llmrt_hash64(image.tensor_data(0), sizeof(peak));
  image.rehash_table();
  return image.bytes;
}

// The bytes of an image at a 64-byte aligned address, as a program embedding them would hold them.
struct AlignedCopy {
  unsigned char* data;  // (size)
  size_t size;
  explicit AlignedCopy(const std::vector<unsigned char>& bytes)
      : data(static_cast<unsigned char*>(llmrt_alloc(bytes.size()))), size(bytes.size()) {
    if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  }
  ~AlignedCopy() { llmrt_free(data); }
  AlignedCopy(const AlignedCopy&) = delete;
  AlignedCopy& operator=(const AlignedCopy&) = delete;
};

/// One token of a test tokenizer.
struct TestToken {
  std::string piece;
  float score;
  uint32_t type;
};

/// What a version 2 tokenizer.bin says besides its tokens.
struct TokenizerOptions {
  int32_t bos_id = -1;
  int32_t eos_id = -1;
  uint32_t flags = 0;
  uint32_t model = LLMRT_TOKENIZER_SENTENCEPIECE;
  uint32_t pretokenizer = LLMRT_PRETOKENIZER_NONE;
  uint32_t dummy_prefix = LLMRT_DUMMY_PREFIX_NONE;
  std::vector<llmrt_merge_record> merges;
};

namespace detail {
// A header of `version` for `tokens`; the caller sets the version 2 fields.
inline llmrt_tokenizer_header tokenizer_header(const std::vector<TestToken>& tokens,
                                               uint32_t version, int32_t bos_id, int32_t eos_id,
                                               uint32_t flags) {
  llmrt_tokenizer_header h;
  std::memset(&h, 0, sizeof(h));
  std::memcpy(h.magic, LLMRT_TOKENIZER_MAGIC, sizeof(h.magic));
  h.version = version;
  h.vocab_size = static_cast<uint32_t>(tokens.size());
  h.bos_id = bos_id;
  h.eos_id = eos_id;
  h.flags = flags;
  for (const TestToken& t : tokens) {
    if (t.piece.size() > h.max_token_bytes) h.max_token_bytes = static_cast<uint32_t>(t.piece.size());
  }
  return h;
}

// The header's first header_bytes, the token records, then the merge records.
inline std::vector<unsigned char> tokenizer_bytes(const llmrt_tokenizer_header& h,
                                                  size_t header_bytes,
                                                  const std::vector<TestToken>& tokens,
                                                  const std::vector<llmrt_merge_record>& merges) {
  std::vector<unsigned char> out(header_bytes);
  std::memcpy(out.data(), &h, header_bytes);
  for (const TestToken& t : tokens) {
    uint32_t len = static_cast<uint32_t>(t.piece.size());
    unsigned char rec[12];
    std::memcpy(rec, &t.score, 4);
    std::memcpy(rec + 4, &t.type, 4);
    std::memcpy(rec + 8, &len, 4);
    out.insert(out.end(), rec, rec + 12);
    out.insert(out.end(), t.piece.begin(), t.piece.end());
  }
  for (const llmrt_merge_record& m : merges) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(&m);
    out.insert(out.end(), p, p + sizeof(m));
  }
  return out;
}
}  // namespace detail

/// The bytes of a version 1 tokenizer.bin holding `tokens` (flags: version 1's), as llmc wrote
/// before version 2: runtimes keep reading them.
inline std::vector<unsigned char> build_tokenizer(const std::vector<TestToken>& tokens,
                                                  int32_t bos_id, int32_t eos_id,
                                                  uint32_t flags) {
  return detail::tokenizer_bytes(detail::tokenizer_header(tokens, 1, bos_id, eos_id, flags),
                                 LLMRT_TOKENIZER_HEADER_V1_BYTES, tokens, {});
}

/// The bytes of a version 2 tokenizer.bin holding `tokens`.
inline std::vector<unsigned char> build_tokenizer_v2(const std::vector<TestToken>& tokens,
                                                     const TokenizerOptions& o) {
  llmrt_tokenizer_header h =
      detail::tokenizer_header(tokens, LLMRT_TOKENIZER_VERSION, o.bos_id, o.eos_id, o.flags);
  h.model = o.model;
  h.pretokenizer = o.pretokenizer;
  h.dummy_prefix = o.dummy_prefix;
  h.merge_count = static_cast<uint32_t>(o.merges.size());
  return detail::tokenizer_bytes(h, sizeof(h), tokens, o.merges);
}

}  // namespace llmrt_test

#endif  // LLMC_TEST_RUNTIME_TEST_UTIL_H
