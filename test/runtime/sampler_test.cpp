// sampler_test.cpp - greedy ties, seeded reproducibility, the temperature distribution, top-p,
// the caller's scratch, and no allocation per sample. The other steps: sampler_steps_test.cpp.
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llmrt.h"
#include "test/runtime/alloc_counter.h"

namespace {

// Draws `draws` tokens and returns how often each came up.
std::vector<int> histogram(const llm_sampler_params& params, const std::vector<float>& logits,
                           int draws) {
  llmrt_sampler s;
  EXPECT_EQ(llmrt_sampler_init(&s, &params, static_cast<int>(logits.size()), 0), LLM_OK);
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i) {
    int32_t t = llmrt_sample(&s, logits.data());
    EXPECT_GE(t, 0);
    EXPECT_LT(t, static_cast<int32_t>(logits.size()));
    if (t >= 0 && t < static_cast<int32_t>(logits.size())) counts[t]++;
  }
  llmrt_sampler_free(&s);
  return counts;
}

std::vector<int32_t> sequence(const llm_sampler_params& params, const std::vector<float>& logits,
                              int n) {
  llmrt_sampler s;
  EXPECT_EQ(llmrt_sampler_init(&s, &params, static_cast<int>(logits.size()), 0), LLM_OK);
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) out.push_back(llmrt_sample(&s, logits.data()));
  llmrt_sampler_free(&s);
  return out;
}

std::vector<float> log_probs(const std::vector<float>& probs) {
  std::vector<float> logits;
  for (float p : probs) logits.push_back(std::log(p));
  return logits;
}

TEST(SamplerTest, GreedyTakesLowestIndexOnTies) {
  llm_sampler_params greedy = {0.0f, 0.9f, 123};
  EXPECT_EQ(sequence(greedy, {1.0f, 3.0f, 3.0f, 2.0f}, 3), (std::vector<int32_t>{1, 1, 1}));
  EXPECT_EQ(sequence(greedy, {5.0f, 5.0f}, 1), (std::vector<int32_t>{0}));
  EXPECT_EQ(sequence(greedy, {-INFINITY, -1e30f, -2e30f}, 1), (std::vector<int32_t>{1}));
  EXPECT_EQ(sequence(greedy, {NAN, 1.0f, 2.0f}, 1), (std::vector<int32_t>{2}));
  EXPECT_EQ(sequence(greedy, {7.0f}, 1), (std::vector<int32_t>{0}));
}

TEST(SamplerTest, SameSeedSameTokens) {
  std::vector<float> logits(50);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(static_cast<float>(i));
  for (uint64_t seed : {uint64_t(0), uint64_t(1), uint64_t(12345), ~uint64_t(0)}) {
    llm_sampler_params p = {1.0f, 0.95f, seed};
    std::vector<int32_t> a = sequence(p, logits, 200);
    std::vector<int32_t> b = sequence(p, logits, 200);
    EXPECT_EQ(a, b) << "seed " << seed;
    // Not stuck on one token (seed 0 included).
    int changes = 0;
    for (size_t i = 1; i < a.size(); ++i) changes += a[i] != a[i - 1];
    EXPECT_GT(changes, 100) << "seed " << seed;
  }
  llm_sampler_params p0 = {1.0f, 1.0f, 0};
  llm_sampler_params p1 = {1.0f, 1.0f, 1};
  EXPECT_NE(sequence(p0, logits, 50), sequence(p1, logits, 50));
}

TEST(SamplerTest, FollowsSoftmaxWithTemperature) {
  const std::vector<float> probs = {0.1f, 0.2f, 0.3f, 0.4f};
  const int draws = 40000;
  for (float temperature : {1.0f, 2.0f, 0.5f}) {
    llm_sampler_params p = {temperature, 1.0f, 99};
    std::vector<int> counts = histogram(p, log_probs(probs), draws);
    // Expected: p_i^(1/T) normalised.
    double z = 0;
    for (float q : probs) z += std::pow(q, 1.0 / temperature);
    for (size_t i = 0; i < probs.size(); ++i) {
      double expected = std::pow(probs[i], 1.0 / temperature) / z;
      EXPECT_NEAR(counts[i] / static_cast<double>(draws), expected, 0.01)
          << "T=" << temperature << " token " << i;
    }
  }
}

TEST(SamplerTest, TopPKeepsSmallestNucleus) {
  const std::vector<float> logits = log_probs({0.05f, 0.3f, 0.5f, 0.15f});
  const int draws = 20000;
  // 0.5 + 0.3 = 0.8 > 0.7: tokens 2 and 1 only, in ratio 5:3.
  std::vector<int> counts = histogram({1.0f, 0.7f, 5}, logits, draws);
  EXPECT_EQ(counts[0], 0);
  EXPECT_EQ(counts[3], 0);
  EXPECT_NEAR(counts[2] / static_cast<double>(draws), 0.625, 0.015);
  EXPECT_NEAR(counts[1] / static_cast<double>(draws), 0.375, 0.015);
  // 0.5 > 0.45: the top token alone.
  counts = histogram({1.0f, 0.45f, 5}, logits, 1000);
  EXPECT_EQ(counts[2], 1000);
  // 0.5 + 0.3 + 0.15 > 0.9: all but the 0.05 token.
  counts = histogram({1.0f, 0.9f, 5}, logits, draws);
  EXPECT_EQ(counts[0], 0);
  EXPECT_NEAR(counts[3] / static_cast<double>(draws), 0.15 / 0.95, 0.015);
  // top_p 1 is off: every token appears.
  counts = histogram({1.0f, 1.0f, 5}, logits, draws);
  EXPECT_NEAR(counts[0] / static_cast<double>(draws), 0.05, 0.01);
}

TEST(SamplerTest, RejectsBadParams) {
  llmrt_sampler s;
  llm_sampler_params bad[] = {{-1.0f, 0.9f, 0}, {NAN, 0.9f, 0}, {1.0f, 0.0f, 0},
                              {1.0f, 1.5f, 0},  {1.0f, NAN, 0}};
  for (const llm_sampler_params& p : bad) {
    EXPECT_EQ(llmrt_sampler_init(&s, &p, 10, 0), LLM_ERR_ARGUMENT);
    EXPECT_EQ(s.work, nullptr);
  }
  llm_sampler_params ok = {1.0f, 1.0f, 0};
  EXPECT_EQ(llmrt_sampler_init(&s, &ok, 0, 0), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llmrt_sampler_init(&s, &ok, 10, -1), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llmrt_sampler_init(&s, nullptr, 10, 0), LLM_ERR_ARGUMENT);
}

TEST(SamplerTest, SamplingAllocatesNothing) {
  if (!llmrt_test::can_count_allocations()) GTEST_SKIP() << "no allocation counter here";
  std::vector<float> logits(1000);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(0.1f * static_cast<float>(i));
  // The last: every step on, the penalties over a window of 50 of the 64 recent tokens kept.
  using P = llm_sampler_params;
  for (P p : {P{0.0f, 1.0f, 1}, P{0.8f, 1.0f, 2}, P{0.8f, 0.9f, 3},
              P{0.8f, 0.9f, 4, 40, 0.05f, 1.3f, 0.5f, 0.2f, 50}}) {
    llmrt_sampler s;
    long setup = 0;
    long draws = 0;
    {
      llmrt_test::CountAllocations counter;
      ASSERT_EQ(llmrt_sampler_init(&s, &p, static_cast<int>(logits.size()), 64), LLM_OK);
      setup = counter.count();
    }
    {
      llmrt_test::CountAllocations counter;
      for (int i = 0; i < 200; ++i) {
        int32_t token = llmrt_sample(&s, logits.data());
        llmrt_sampler_accept(&s, &token, 1);
      }
      draws = counter.count();
    }
    llmrt_sampler_free(&s);
    EXPECT_EQ(setup, 1) << "the scratch, once (and the counter counts)";
    EXPECT_EQ(draws, 0) << "temperature " << p.temperature << " top_p " << p.top_p;
  }
}

TEST(SamplerTest, RunsInTheCallersScratch) {
  const std::vector<float> logits = log_probs({0.05f, 0.3f, 0.5f, 0.15f});
  std::vector<unsigned char> scratch(llmrt_sampler_scratch_bytes(4, 3) + 4, 0xEE);
  llm_sampler_params p = {1.0f, 0.7f, 5};
  llmrt_sampler s;
  long allocated = -1;
  {
    llmrt_test::CountAllocations counter;
    ASSERT_EQ(llmrt_sampler_init_in(&s, &p, 4, 3, scratch.data()), LLM_OK);
    for (int i = 0; i < 100; ++i) {
      int32_t t = llmrt_sample(&s, logits.data());
      llmrt_sampler_accept(&s, &t, 1);  // fills the ring of 3 and goes round it
      EXPECT_TRUE(t == 1 || t == 2) << t;  // the 0.7 nucleus, as in TopPKeepsSmallestNucleus
    }
    allocated = counter.count();
  }
  if (llmrt_test::can_count_allocations()) EXPECT_EQ(allocated, 0);
  EXPECT_EQ(s.work, reinterpret_cast<float*>(scratch.data()));
  llmrt_sampler_free(&s);  // leaves the scratch alone
  EXPECT_EQ(scratch.back(), 0xEE);  // and never wrote past its size
  EXPECT_EQ(llmrt_sampler_init_in(&s, &p, 4, 3, nullptr), LLM_ERR_ARGUMENT);
  llm_sampler_params bad = {-1.0f, 1.0f, 0};
  EXPECT_EQ(llmrt_sampler_init_in(&s, &bad, 4, 3, scratch.data()), LLM_ERR_ARGUMENT);
}

}  // namespace
