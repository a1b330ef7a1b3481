// open_test.cpp - llmrt_open_model, the shared half of llm_open_with_options: every bad option
// is refused with LLM_ERR_ARGUMENT and a message naming it, before the weights are read and with
// nothing held; the caller's buffers are used as given, missing ones allocated.
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llmrt.h"
#include "test/runtime/alloc_counter.h"
#include "test/runtime/test_util.h"

namespace {

using llmrt_test::AlignedCopy;
using llmrt_test::BlobImage;

const llm_memory_sizes k_sizes = {1000, 4096, 64};  // arena, KV cache, alignment

class OpenModelTest : public ::testing::Test {
 protected:
  OpenModelTest()
      : weights_(BlobImage({{"w", LLMRT_DTYPE_F32, {4, 4}}}).bytes),
        arena_(std::vector<unsigned char>(k_sizes.arena_bytes + 64, 0xA5)),
        kv_(std::vector<unsigned char>(k_sizes.kv_cache_bytes + 64, 0x5A)) {}

  // Options with the weights in memory and nothing else.
  llm_open_options memory_options() {
    llm_open_options o = {};
    o.weights = weights_.data;
    o.weights_bytes = weights_.size;
    return o;
  }
  llm_status open(const llm_open_options* options) {
    std::memset(err_, 0, sizeof(err_));
    return llmrt_open_model(options, &k_sizes, embedded_, LLM_WEIGHTS_MAPPED, &memory_, &blob_, err_, sizeof(err_));
  }
  const llmrt_blob_header& header() const {
    return *reinterpret_cast<const llmrt_blob_header*>(weights_.data);
  }
  // The open must fail with LLM_ERR_ARGUMENT, say `phrase`, and hold nothing.
  void expect_refused(const llm_open_options& options, const std::string& phrase) {
    EXPECT_EQ(open(&options), LLM_ERR_ARGUMENT) << err_;
    EXPECT_NE(std::strstr(err_, phrase.c_str()), nullptr)
        << "message: " << err_ << "\nwanted: " << phrase;
    EXPECT_EQ(memory_.arena, nullptr);
    EXPECT_EQ(memory_.kv_cache, nullptr);
    EXPECT_EQ(blob_.data, nullptr);
  }
  void TearDown() override {
    llmrt_blob_free(&blob_);
    llmrt_model_memory_free(&memory_);
  }

  AlignedCopy weights_;
  const llmrt_embedded_weights* embedded_ = nullptr;  // what the program was compiled with
  AlignedCopy arena_;  // (k_sizes.arena_bytes + 64) filled with 0xA5
  AlignedCopy kv_;     // (k_sizes.kv_cache_bytes + 64) filled with 0x5A
  llmrt_model_memory memory_ = {};
  llmrt_blob blob_ = {};
  char err_[512] = {};
};

TEST_F(OpenModelTest, AllocatesWhatTheCallerLeavesOut) {
  llm_open_options o = memory_options();
  ASSERT_EQ(open(&o), LLM_OK) << err_;
  ASSERT_NE(memory_.arena, nullptr);
  ASSERT_NE(memory_.kv_cache, nullptr);
  EXPECT_TRUE(memory_.arena_owned);
  EXPECT_TRUE(memory_.kv_cache_owned);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(memory_.arena) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(memory_.kv_cache) % 64, 0u);
  EXPECT_EQ(blob_.data, weights_.data);  // in place
  EXPECT_EQ(blob_.storage, LLMRT_STORAGE_BORROWED);
  llmrt_model_memory_free(&memory_);
  EXPECT_EQ(memory_.arena, nullptr);
}

TEST_F(OpenModelTest, UsesTheCallersBuffersAsGiven) {
  llm_open_options o = memory_options();
  o.arena = arena_.data;
  o.arena_bytes = k_sizes.arena_bytes;
  o.kv_cache = kv_.data + 64;  // any 64-byte boundary will do
  o.kv_cache_bytes = k_sizes.kv_cache_bytes;
  ASSERT_EQ(open(&o), LLM_OK) << err_;
  EXPECT_EQ(memory_.arena, arena_.data);
  EXPECT_EQ(static_cast<void*>(memory_.kv_cache), static_cast<void*>(kv_.data + 64));
  EXPECT_FALSE(memory_.arena_owned);
  EXPECT_FALSE(memory_.kv_cache_owned);
  llmrt_model_memory_free(&memory_);  // leaves them alone: still the caller's bytes
  for (size_t i = 0; i < arena_.size; ++i) ASSERT_EQ(arena_.data[i], 0xA5) << i;
  for (size_t i = 0; i < kv_.size; ++i) ASSERT_EQ(kv_.data[i], 0x5A) << i;
}

TEST_F(OpenModelTest, MapsWeightsFromAPathWithoutTheHeap) {
  std::string path = llmrt_test::temp_path("weights.bin");
  llmrt_test::write_file(path, {weights_.data, weights_.data + weights_.size});
  llm_open_options o = {};
  o.weights_path = path.c_str();
  o.arena = arena_.data;
  o.arena_bytes = k_sizes.arena_bytes;
  o.kv_cache = kv_.data;
  o.kv_cache_bytes = k_sizes.kv_cache_bytes;
  long allocated = -1;
  {
    llmrt_test::CountAllocations counter;
    ASSERT_EQ(open(&o), LLM_OK) << err_;
    allocated = counter.count();
  }
  EXPECT_NE(blob_.data, nullptr);
  EXPECT_STREQ(blob_.path, path.c_str());
  if (llmrt_test::can_count_allocations()) {
#if defined(__unix__) || defined(__APPLE__)
    EXPECT_EQ(allocated, 0);  // mapped, and the buffers are the caller's
#else
    EXPECT_EQ(allocated, 1);  // read into one buffer
#endif
  }
  std::remove(path.c_str());
}

TEST_F(OpenModelTest, RefusesBadWeightOptions) {
  llm_open_options o = memory_options();
  o.weights_path = "weights.bin";
  expect_refused(o, "llm_open_with_options: set weights_path or weights (not both)");
  o = {};
  expect_refused(o,
                 "llm_open_with_options: set weights_path or weights (neither is set, and the "
                 "model was not compiled with its weights: llmc compile --weights-mode embedded)");
  o = {};
  o.weights_path = "weights.bin";
  o.weights_bytes = 100;
  expect_refused(o, "llm_open_with_options: weights_bytes is 100 but weights is NULL");
  o = memory_options();
  o.n_threads = -1;
  expect_refused(o, "llm_open_with_options: n_threads is -1");
  EXPECT_EQ(llmrt_open_model(nullptr, &k_sizes, nullptr, LLM_WEIGHTS_MAPPED, &memory_, &blob_, err_, sizeof(err_)),
            LLM_ERR_ARGUMENT);
  EXPECT_STREQ(err_, "llm_open_with_options: options is NULL");
}

TEST_F(OpenModelTest, RefusesShortMisalignedOrMissingBuffers) {
  // The weights are a path that does not exist: every refusal comes before they are read.
  llm_open_options o = {};
  o.weights_path = "/nonexistent/weights.bin";
  o.arena = arena_.data;
  o.arena_bytes = k_sizes.arena_bytes - 1;
  expect_refused(o, "llm_open_with_options: arena is 999 bytes but the model needs 1000 "
                    "(llm_memory_requirements)");
  o.arena = arena_.data + 8;
  o.arena_bytes = k_sizes.arena_bytes;
  expect_refused(o, "is not 64-byte aligned (8 bytes past a boundary)");
  EXPECT_NE(std::strstr(err_, "llm_open_with_options: arena at "), nullptr) << err_;
  o.arena = nullptr;
  expect_refused(o, "llm_open_with_options: arena_bytes is 1000 but arena is NULL");
  o.arena = arena_.data;
  o.kv_cache = kv_.data;
  o.kv_cache_bytes = 4000;
  expect_refused(o, "llm_open_with_options: kv_cache is 4000 bytes but the model needs 4096");
  o.kv_cache = kv_.data + 32;
  o.kv_cache_bytes = 4096;
  expect_refused(o, "llm_open_with_options: kv_cache at ");
  EXPECT_NE(std::strstr(err_, "is not 64-byte aligned (32 bytes past a boundary)"), nullptr)
      << err_;
  o.kv_cache = nullptr;
  expect_refused(o, "llm_open_with_options: kv_cache_bytes is 4096 but kv_cache is NULL");
  // Good options: now the weights are read, and their error is the one reported.
  o.kv_cache_bytes = 0;
  EXPECT_EQ(open(&o), LLM_ERR_IO);
  EXPECT_NE(std::strstr(err_, "/nonexistent/weights.bin: cannot open"), nullptr) << err_;
  EXPECT_EQ(memory_.arena, nullptr);  // the allocated KV cache went back with the failure
  EXPECT_EQ(memory_.kv_cache, nullptr);
}

TEST_F(OpenModelTest, BadWeightsReleaseTheBuffers) {
  std::vector<unsigned char> bytes(weights_.data, weights_.data + weights_.size);
  bytes[0] = 'X';
  AlignedCopy bad(bytes);
  llm_open_options o = {};
  o.weights = bad.data;
  o.weights_bytes = bad.size;
  EXPECT_EQ(open(&o), LLM_ERR_FORMAT);
  EXPECT_STREQ(err_, "weights in memory: bad magic (not an llmc weight blob)");
  EXPECT_EQ(memory_.arena, nullptr);
  EXPECT_EQ(memory_.kv_cache, nullptr);
  EXPECT_EQ(blob_.data, nullptr);
}

// The weights compiled into the program (weights_embedded.cpp) are what an open without a
// source of weights uses: validated like any blob and used in place.
TEST_F(OpenModelTest, OpensTheEmbeddedWeightsWhenNoneAreGiven) {
  const uint64_t bytes = weights_.size;
  const llmrt_embedded_weights embedded = {weights_.data, &bytes, header().table_checksum};
  embedded_ = &embedded;
  llm_open_options o = {};
  ASSERT_EQ(open(&o), LLM_OK) << err_;
  EXPECT_EQ(blob_.data, weights_.data);
  EXPECT_EQ(blob_.storage, LLMRT_STORAGE_BORROWED);
  EXPECT_STREQ(blob_.path, "weights compiled into the program");
}

// A weights.bin replaced between llmc compile and the build is a valid blob of another table:
// refused by its checksum, with nothing held.
TEST_F(OpenModelTest, RefusesEmbeddedWeightsTheCodeWasNotCompiledFor) {
  const uint64_t bytes = weights_.size;
  const llmrt_embedded_weights embedded = {weights_.data, &bytes, header().table_checksum ^ 1};
  embedded_ = &embedded;
  llm_open_options o = {};
  EXPECT_EQ(open(&o), LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "weights compiled into the program: the blob's table checksum is "),
            nullptr)
      << err_;
  EXPECT_NE(std::strstr(err_, "weights.bin was replaced after llmc compile"), nullptr) << err_;
  EXPECT_EQ(memory_.arena, nullptr);
  EXPECT_EQ(memory_.kv_cache, nullptr);
  EXPECT_EQ(blob_.data, nullptr);
}

// A path still wins over the embedded weights: a program can open another file of its model.
TEST_F(OpenModelTest, GivenWeightsWinOverEmbeddedOnes) {
  const uint64_t bytes = weights_.size;
  const llmrt_embedded_weights embedded = {weights_.data, &bytes, 0};
  embedded_ = &embedded;
  AlignedCopy other(std::vector<unsigned char>(weights_.data, weights_.data + weights_.size));
  llm_open_options o = {};
  o.weights = other.data;
  o.weights_bytes = other.size;
  ASSERT_EQ(open(&o), LLM_OK) << err_;
  EXPECT_EQ(blob_.data, other.data);
}

}  // namespace
