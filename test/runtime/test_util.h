// test_util.h - small helpers shared by the runtime tests: temporary files and blob writers.
#ifndef LLMC_TEST_RUNTIME_TEST_UTIL_H
#define LLMC_TEST_RUNTIME_TEST_UTIL_H

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/blob_format.h"

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

/// One token of a test tokenizer.
struct TestToken {
  std::string piece;
  float score;
  uint32_t type;
};

/// The bytes of a tokenizer.bin holding `tokens`.
inline std::vector<unsigned char> build_tokenizer(const std::vector<TestToken>& tokens,
                                                  int32_t bos_id, int32_t eos_id,
                                                  uint32_t flags) {
  llmrt_tokenizer_header h;
  std::memset(&h, 0, sizeof(h));
  std::memcpy(h.magic, LLMRT_TOKENIZER_MAGIC, sizeof(h.magic));
  h.version = LLMRT_TOKENIZER_VERSION;
  h.vocab_size = static_cast<uint32_t>(tokens.size());
  h.bos_id = bos_id;
  h.eos_id = eos_id;
  h.flags = flags;
  for (const TestToken& t : tokens) {
    if (t.piece.size() > h.max_token_bytes) h.max_token_bytes = static_cast<uint32_t>(t.piece.size());
  }
  std::vector<unsigned char> out(sizeof(h));
  std::memcpy(out.data(), &h, sizeof(h));
  for (const TestToken& t : tokens) {
    uint32_t len = static_cast<uint32_t>(t.piece.size());
    unsigned char rec[12];
    std::memcpy(rec, &t.score, 4);
    std::memcpy(rec + 4, &t.type, 4);
    std::memcpy(rec + 8, &len, 4);
    out.insert(out.end(), rec, rec + 12);
    out.insert(out.end(), t.piece.begin(), t.piece.end());
  }
  return out;
}

}  // namespace llmrt_test

#endif  // LLMC_TEST_RUNTIME_TEST_UTIL_H
