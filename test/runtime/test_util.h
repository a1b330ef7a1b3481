// test_util.h - small helpers shared by the runtime tests: temporary files, the fake model's
// weights and aligned copies; the blob and tokenizer images are in test/common/runtime_images.h.
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
#include "test/common/runtime_images.h"
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

}  // namespace llmrt_test

#endif  // LLMC_TEST_RUNTIME_TEST_UTIL_H
