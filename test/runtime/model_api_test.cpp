// model_api_test.cpp - the C API of runtime/model_api.cpp over the fake model (fake_model.h):
// opening and binding the weights, the arena layout, prefill's split into calls of at most
// k_fake_prefill_tokens, position bookkeeping, argument checks that change nothing, threads.
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llmrt.h"
#include "test/runtime/alloc_counter.h"
#include "test/runtime/fake_model.h"
#include "test/runtime/test_util.h"

namespace {

class ModelApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(open(llmrt_test::fake_model_weights()), LLM_OK) << err_;
    fake_model_fed_tokens().clear();
    fake_model_prefill_calls().clear();
  }
  void TearDown() override {
    llm_close(model_);
    delete weights_;
  }
  // Opens `blob` from memory (replacing the model and weights the test had).
  llm_status open(const std::vector<unsigned char>& blob) {
    llm_close(model_);
    model_ = nullptr;
    delete weights_;
    weights_ = new llmrt_test::AlignedCopy(blob);
    return llm_open_memory(weights_->data, weights_->size, &model_, err_, sizeof(err_));
  }
  // The index of the largest logit of `row`, and that logit.
  static std::pair<int, float> peak(const float* row) {
    int best = 0;
    for (int i = 1; i < k_fake_vocab; ++i)
      if (row[i] > row[best]) best = i;
    return {best, row[best]};
  }

  llmrt_test::AlignedCopy* weights_ = nullptr;
  llm_model* model_ = nullptr;
  char err_[512] = "";
};

TEST_F(ModelApiTest, MemoryRequirementsFollowTheArenaLayout) {
  llm_memory_sizes sizes = {};
  llm_memory_requirements(&sizes);
  const llmrt_arena_layout layout = llmrt_arena_layout_of(
      1, sizeof(float) * k_fake_prefill_tokens * k_fake_vocab, k_fake_prefill_tokens, 1,
      k_fake_vocab, k_fake_context);
  EXPECT_EQ(sizes.arena_bytes, layout.bytes);
  EXPECT_EQ(sizes.kv_cache_bytes, 2 * 16 * sizeof(float));
  EXPECT_EQ(sizes.alignment, 64u);
  EXPECT_LT(layout.weights, layout.activations);
  EXPECT_LT(layout.sampler_scratch, layout.bytes);
  // The model sits at the start of its arena, the sampler scratch inside it.
  unsigned char* start = reinterpret_cast<unsigned char*>(model_);
  EXPECT_EQ(static_cast<unsigned char*>(llmrt_model_sampler_scratch(model_)),
            start + layout.sampler_scratch);
  EXPECT_EQ(llm_vocab_size(model_), k_fake_vocab);
  EXPECT_EQ(llm_context_length(model_), k_fake_context);
}

TEST_F(ModelApiTest, LogitsComeFromTheBoundWeights) {
  ASSERT_EQ(open(llmrt_test::fake_model_weights(2.5f)), LLM_OK) << err_;
  ASSERT_EQ(llm_decode(model_, 1, nullptr), LLM_OK);
  EXPECT_EQ(peak(llm_logits(model_)), std::make_pair(int(fake_model_next(1)), 2.5f));
}

TEST_F(ModelApiTest, PrefillSplitsThePromptAndRunsTheHeadOnTheLastToken) {
  const std::vector<int32_t> prompt = {1, 2, 3, 4, 5, 6, 7};
  ASSERT_EQ(llm_prefill(model_, prompt.data(), 7, nullptr), LLM_OK);
  EXPECT_EQ(fake_model_prefill_calls(),
            (std::vector<FakePrefillCall>{{0, 3}, {3, 3}, {6, 1}}));
  EXPECT_EQ(fake_model_fed_tokens(), prompt);
  EXPECT_EQ(llm_position(model_), 7);
  EXPECT_EQ(peak(llm_logits(model_)), std::make_pair(int(fake_model_next(7)), k_fake_peak));

  // Every position's logits on request, continuing at position 7.
  std::vector<float> all(4 * k_fake_vocab, -1.0f);
  const std::vector<int32_t> more = {3, 0, 6, 5};
  ASSERT_EQ(llm_prefill(model_, more.data(), 4, all.data()), LLM_OK);
  EXPECT_EQ(fake_model_prefill_calls().back(), (FakePrefillCall{10, 1}));
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(peak(&all[i * k_fake_vocab]).first, fake_model_next(more[i])) << i;
  EXPECT_EQ(peak(llm_logits(model_)).first, fake_model_next(5));
  EXPECT_EQ(llm_position(model_), 11);
}

TEST_F(ModelApiTest, DecodeAdvancesOneTokenAndCopiesItsLogits) {
  float out[k_fake_vocab];
  ASSERT_EQ(llm_decode(model_, 6, out), LLM_OK);
  EXPECT_EQ(llm_position(model_), 1);
  EXPECT_EQ(peak(out).first, fake_model_next(6));
  EXPECT_EQ(std::memcmp(out, llm_logits(model_), sizeof(out)), 0);
  EXPECT_TRUE(fake_model_prefill_calls().empty());
  llm_reset(model_);
  EXPECT_EQ(llm_position(model_), 0);
}

TEST_F(ModelApiTest, BadTokensAreRefusedBeforeAnyRuns) {
  const int32_t tokens[4] = {1, 2, k_fake_vocab, 3};
  ASSERT_EQ(llm_decode(model_, 1, nullptr), LLM_OK);
  fake_model_fed_tokens().clear();
  EXPECT_EQ(llm_prefill(model_, tokens, 4, nullptr), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_prefill(model_, nullptr, 1, nullptr), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_prefill(model_, tokens, -1, nullptr), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_decode(model_, -1, nullptr), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_decode(model_, k_fake_vocab, nullptr), LLM_ERR_ARGUMENT);
  EXPECT_TRUE(fake_model_fed_tokens().empty());
  EXPECT_EQ(llm_position(model_), 1);
  EXPECT_EQ(peak(llm_logits(model_)).first, fake_model_next(1));
}

TEST_F(ModelApiTest, AFullContextRefusesWithoutRunning) {
  std::vector<int32_t> tokens(k_fake_context, 1);
  EXPECT_EQ(llm_prefill(model_, tokens.data(), k_fake_context + 1, nullptr), LLM_ERR_CONTEXT_FULL);
  EXPECT_EQ(llm_position(model_), 0);
  ASSERT_EQ(llm_prefill(model_, tokens.data(), k_fake_context - 1, nullptr), LLM_OK);
  EXPECT_EQ(llm_prefill(model_, tokens.data(), 2, nullptr), LLM_ERR_CONTEXT_FULL);
  ASSERT_EQ(llm_decode(model_, 1, nullptr), LLM_OK);
  fake_model_fed_tokens().clear();
  EXPECT_EQ(llm_decode(model_, 1, nullptr), LLM_ERR_CONTEXT_FULL);
  EXPECT_TRUE(fake_model_fed_tokens().empty());
  EXPECT_EQ(llm_position(model_), k_fake_context);
}

TEST_F(ModelApiTest, WeightsOfAnotherModelAreRefused) {
  EXPECT_EQ(open(llmrt_test::BlobImage({{"scale", LLMRT_DTYPE_F32, {1}}}).bytes),
            LLM_ERR_FORMAT);
  EXPECT_EQ(model_, nullptr);
  EXPECT_EQ(std::string(err_),
            "weights in memory: tensor 0 is 'scale' but the model expects 'peak' (weights of a "
            "different model?)");
  EXPECT_EQ(open(llmrt_test::BlobImage({{"peak", LLMRT_DTYPE_F32, {1}},
                                        {"extra", LLMRT_DTYPE_F32, {2}}})
                     .bytes),
            LLM_ERR_FORMAT);
  EXPECT_EQ(model_, nullptr);
  EXPECT_NE(std::strstr(err_, "holds 2 tensors, the model needs 1"), nullptr) << err_;
}

TEST_F(ModelApiTest, ACpuWithoutTheKernelsFeaturesIsRefusedBeforeAnything) {
  fake_model_missing_cpu_features() = " avx9 avx10";
  const llm_status status = open(llmrt_test::fake_model_weights());
  fake_model_missing_cpu_features() = "";
  EXPECT_EQ(status, LLM_ERR_UNSUPPORTED);
  EXPECT_EQ(model_, nullptr);
  EXPECT_EQ(std::string(err_),
            "this CPU lacks avx9 avx10, which the model's kernels were compiled for: compile the "
            "model for a target this CPU has (llmc compile --target)");
  EXPECT_STREQ(llm_status_string(LLM_ERR_UNSUPPORTED), "unsupported CPU");
}

TEST_F(ModelApiTest, CallersMemoryHoldsTheModelAndNothingIsAllocated) {
  if (!llmrt_test::can_count_allocations()) GTEST_SKIP() << "no allocation counter here";
  fake_model_fed_tokens().reserve(64);  // the fake's own bookkeeping
  fake_model_prefill_calls().reserve(64);
  llm_memory_sizes sizes;
  llm_memory_requirements(&sizes);
  std::vector<unsigned char> blob = llmrt_test::fake_model_weights();
  llmrt_test::AlignedCopy weights(blob);
  llmrt_test::AlignedCopy arena(std::vector<unsigned char>(sizes.arena_bytes));
  llmrt_test::AlignedCopy kv_cache(std::vector<unsigned char>(sizes.kv_cache_bytes));
  llm_open_options options = {};
  options.weights = weights.data;
  options.weights_bytes = weights.size;
  options.arena = arena.data;
  options.arena_bytes = arena.size;
  options.kv_cache = kv_cache.data;
  options.kv_cache_bytes = kv_cache.size;
  options.n_threads = 1;
  llm_model* m = nullptr;
  long allocated = -1;
  {
    llmrt_test::CountAllocations counter;
    ASSERT_EQ(llm_open_with_options(&options, &m, err_, sizeof(err_)), LLM_OK) << err_;
    const int32_t prompt[5] = {1, 2, 3, 4, 5};
    EXPECT_EQ(llm_prefill(m, prompt, 5, nullptr), LLM_OK);
    EXPECT_EQ(llm_decode(m, 6, nullptr), LLM_OK);
    llm_close(m);
    allocated = counter.count();
  }
  EXPECT_EQ(static_cast<void*>(m), static_cast<void*>(arena.data));
  EXPECT_EQ(allocated, 0);
}

TEST_F(ModelApiTest, SetThreadsKeepsTheCountOrRefuses) {
  ASSERT_EQ(llm_set_threads(model_, 3), LLM_OK);
  EXPECT_EQ(llm_threads(model_), 3);
  EXPECT_EQ(llm_set_threads(model_, 0), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_threads(model_), 3);
  ASSERT_EQ(llm_set_threads(model_, 1), LLM_OK);
  EXPECT_EQ(llm_threads(model_), 1);
  ASSERT_EQ(llm_decode(model_, 2, nullptr), LLM_OK);
  EXPECT_EQ(peak(llm_logits(model_)).first, fake_model_next(2));
}

TEST_F(ModelApiTest, PinningToAMissingCpuFailsTheOpenAndNothingElse) {
  std::vector<unsigned char> blob = llmrt_test::fake_model_weights();
  llmrt_test::AlignedCopy weights(blob);
  llm_open_options options = {};
  options.weights = weights.data;
  options.weights_bytes = weights.size;
  options.n_threads = 2;
  const int cpus[2] = {0, 1 << 20};
  options.cpus = cpus;
  options.n_cpus = 2;
  llm_model* m = nullptr;
#if defined(__linux__)
  EXPECT_EQ(llm_open_with_options(&options, &m, err_, sizeof(err_)), LLM_ERR_ARGUMENT);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(std::string(err_).find("cannot start 2 threads for the kernels: cannot pin thread 1 "
                                   "to CPU 1048576"),
            std::string::npos)
      << err_;
#endif
  options.n_cpus = -1;  // no pinning: the same CPUs open
  ASSERT_EQ(llm_open_with_options(&options, &m, err_, sizeof(err_)), LLM_OK) << err_;
  EXPECT_EQ(llm_set_threads(m, 2), LLM_OK);
  llm_close(m);
  options.n_cpus = 3;
  options.cpus = nullptr;
  EXPECT_EQ(llm_open_with_options(&options, &m, err_, sizeof(err_)), LLM_ERR_ARGUMENT);
  EXPECT_NE(std::string(err_).find("n_cpus is 3 with cpus NULL"), std::string::npos) << err_;
}

}  // namespace
