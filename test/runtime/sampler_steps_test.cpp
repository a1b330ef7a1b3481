// sampler_steps_test.cpp - the sampler's penalties, top-k, min-p, NaN and infinite logits, the
// params' checks and defaults, and seeds with every step on. The distributions are compared with
// transformers' logits processors in test/runtime/test_sampler_reference.py.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llmrt.h"

extern "C" int c_api_sampler_params(char* err, size_t err_len);  // c_api_from_c.c

namespace {

// A sampler over logits.size() tokens that has accepted `recent`.
class Sampler {
 public:
  Sampler(const llm_sampler_params& params, int vocab, const std::vector<int32_t>& recent = {},
          int capacity = 64) {
    EXPECT_EQ(llmrt_sampler_init(&s_, &params, vocab, capacity), LLM_OK);
    llmrt_sampler_accept(&s_, recent.data(), static_cast<int>(recent.size()));
  }
  ~Sampler() { llmrt_sampler_free(&s_); }

  // token -> probability, for the tokens the draw may pick.
  std::map<int32_t, float> distribution(const std::vector<float>& logits) {
    std::map<int32_t, float> d;
    int n = llmrt_sampler_distribution(&s_, logits.data());
    for (int i = 0; i < n; ++i) d[s_.candidates[i]] = s_.work[s_.candidates[i]];
    return d;
  }
  std::vector<int32_t> tokens(const std::vector<float>& logits, int n) {
    std::vector<int32_t> out;
    for (int i = 0; i < n; ++i) {
      out.push_back(llmrt_sample(&s_, logits.data()));
      llmrt_sampler_accept(&s_, &out.back(), 1);
    }
    return out;
  }

 private:
  llmrt_sampler s_;
};

llm_sampler_params params_with(float temperature, float top_p = 1.0f) {
  llm_sampler_params p = {};
  p.temperature = temperature;
  p.top_p = top_p;
  return p;
}

// softmax(values) as a map over every token.
std::map<int32_t, float> softmax_of(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += std::exp(v);
  std::map<int32_t, float> d;
  for (size_t i = 0; i < values.size(); ++i) d[static_cast<int32_t>(i)] = std::exp(values[i]) / sum;
  return d;
}

void expect_near(const std::map<int32_t, float>& got, const std::map<int32_t, float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [token, p] : want) {
    ASSERT_EQ(got.count(token), 1u) << "token " << token << " missing";
    EXPECT_NEAR(got.at(token), p, 1e-6) << "token " << token;
  }
}

TEST(SamplerStepsTest, RepetitionPenaltyDividesPositiveMultipliesNegativeOnce) {
  llm_sampler_params p = params_with(1.0f);
  p.repetition_penalty = 2.0f;
  // Token 1 occurs three times but is penalised once; 3 is negative, so multiplied.
  Sampler s(p, 5, {1, 1, 3, 1});
  expect_near(s.distribution({1.0f, 2.0f, 0.5f, -1.0f, 0.0f}),
              softmax_of({1.0, 1.0, 0.5, -2.0, 0.0}));
}

TEST(SamplerStepsTest, PresenceAndFrequencyPenaltiesFollowOpenAI) {
  llm_sampler_params p = params_with(1.0f);
  p.presence_penalty = 0.5f;
  p.frequency_penalty = 0.25f;
  Sampler s(p, 4, {2, 0, 2, 2});
  // logit - count * frequency - (count > 0) * presence.
  expect_near(s.distribution({1.0f, 1.0f, 1.0f, 1.0f}),
              softmax_of({1.0 - 0.25 - 0.5, 1.0, 1.0 - 0.75 - 0.5, 1.0}));
  // Negative penalties encourage repeats.
  p.presence_penalty = -1.0f;
  p.frequency_penalty = 0.0f;
  Sampler t(p, 3, {1});
  expect_near(t.distribution({0.0f, 0.0f, 0.0f}), softmax_of({0.0, 1.0, 0.0}));
}

TEST(SamplerStepsTest, PenaltiesSeeOnlyTheWindow) {
  llm_sampler_params p = params_with(1.0f);
  p.presence_penalty = 1.0f;
  p.penalty_window = 2;
  Sampler s(p, 4, {0, 1, 2, 2});  // the window: 2 2
  expect_near(s.distribution({0.0f, 0.0f, 0.0f, 0.0f}), softmax_of({0.0, 0.0, -1.0, 0.0}));
  // Window 0 is every token the sampler kept; a capacity of 3 keeps the last three.
  p.penalty_window = 0;
  Sampler all(p, 4, {0, 1, 2, 2}, 3);
  expect_near(all.distribution({0.0f, 0.0f, 0.0f, 0.0f}), softmax_of({0.0, -1.0, -1.0, 0.0}));
  // No recent tokens at all: nothing to penalise.
  Sampler none(p, 4, {0, 1}, 0);
  expect_near(none.distribution({0.0f, 0.0f, 0.0f, 0.0f}), softmax_of({0.0, 0.0, 0.0, 0.0}));
}

TEST(SamplerStepsTest, GreedyPicksTheArgmaxAfterThePenalties) {
  llm_sampler_params p = params_with(0.0f);
  p.repetition_penalty = 3.0f;
  Sampler s(p, 3, {2});
  // 2 has the largest logit, but 6 / 3 = 2 < 2.5.
  expect_near(s.distribution({1.0f, 2.5f, 6.0f}), {{1, 1.0f}});
  EXPECT_EQ(s.tokens({1.0f, 2.5f, 6.0f}, 1), (std::vector<int32_t>{1}));
  // The penalties follow what was accepted: 1 is penalised too now (2.5 / 3), and 2 is on top.
  EXPECT_EQ(s.tokens({1.0f, 2.5f, 6.0f}, 2), (std::vector<int32_t>{2, 2}));
}

TEST(SamplerStepsTest, TopKKeepsTiesWithTheKth) {
  llm_sampler_params p = params_with(1.0f);
  p.top_k = 2;
  Sampler s(p, 5);
  // The second best is tied three ways: all three stay (transformers' TopKLogitsWarper).
  expect_near(s.distribution({1.0f, 3.0f, 1.0f, 0.0f, 1.0f}),
              [] {
                double z = std::exp(3.0) + 3 * std::exp(1.0);
                return std::map<int32_t, float>{{0, std::exp(1.0) / z},
                                                {1, std::exp(3.0) / z},
                                                {2, std::exp(1.0) / z},
                                                {4, std::exp(1.0) / z}};
              }());
  // k at or above the vocabulary is off.
  p.top_k = 5;
  Sampler all(p, 5);
  EXPECT_EQ(all.distribution({1.0f, 3.0f, 1.0f, 0.0f, 1.0f}).size(), 5u);
}

TEST(SamplerStepsTest, MinPKeepsTokensNearTheTop) {
  llm_sampler_params p = params_with(1.0f);
  p.min_p = 0.3f;
  Sampler s(p, 4);
  // Probabilities 0.5, 0.2, 0.16, 0.14: 0.15 is the floor.
  std::vector<float> logits = {std::log(0.5f), std::log(0.2f), std::log(0.16f), std::log(0.14f)};
  expect_near(s.distribution(logits), {{0, 0.5f / 0.86f}, {1, 0.2f / 0.86f}, {2, 0.16f / 0.86f}});
  // min_p 1 keeps only the most likely (and its ties).
  p.min_p = 1.0f;
  Sampler top(p, 4);
  expect_near(top.distribution({0.0f, 2.0f, 2.0f, 1.0f}), {{1, 0.5f}, {2, 0.5f}});
}

TEST(SamplerStepsTest, NaNNeverPickedInfinityShares) {
  Sampler s(params_with(1.0f), 4);
  expect_near(s.distribution({NAN, 0.0f, NAN, 0.0f}), {{1, 0.5f}, {3, 0.5f}});
  expect_near(s.distribution({NAN, NAN, NAN, NAN}), {{0, 1.0f}});
  expect_near(s.distribution({INFINITY, 0.0f, INFINITY, NAN}), {{0, 0.5f}, {2, 0.5f}});
  const float e = std::exp(1.0f);
  expect_near(s.distribution({-INFINITY, 0.0f, -INFINITY, 1.0f}),
              {{1, 1.0f / (1.0f + e)}, {3, e / (1.0f + e)}});
  expect_near(s.distribution({-INFINITY, NAN, -INFINITY, -INFINITY}),
              {{0, 1.0f / 3}, {2, 1.0f / 3}, {3, 1.0f / 3}});
  for (int32_t t : s.tokens({NAN, -1.0f, NAN, -1e30f}, 200)) EXPECT_TRUE(t == 1 || t == 3) << t;
  Sampler greedy(params_with(0.0f), 3);
  EXPECT_EQ(greedy.tokens({NAN, NAN, NAN}, 1), (std::vector<int32_t>{0}));
}

TEST(SamplerStepsTest, SeedsWithEveryStepOn) {
  std::vector<float> logits(100);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = 3.0f * std::sin(static_cast<float>(i));
  llm_sampler_params p = {1.2f, 0.95f, 7, 30, 0.02f, 1.2f, 0.1f, 0.05f, 16};
  std::vector<int32_t> a = Sampler(p, 100).tokens(logits, 100);
  EXPECT_EQ(Sampler(p, 100).tokens(logits, 100), a);
  p.seed = 8;
  EXPECT_NE(Sampler(p, 100).tokens(logits, 100), a);
}

TEST(SamplerStepsTest, OldInitialisersTurnTheNewStepsOff) {
  llm_sampler_params old = {0.8f, 0.9f, 42};
  EXPECT_EQ(old.top_k, 0);
  EXPECT_EQ(old.min_p, 0.0f);
  EXPECT_EQ(old.repetition_penalty, 0.0f);
  EXPECT_EQ(old.presence_penalty, 0.0f);
  EXPECT_EQ(old.frequency_penalty, 0.0f);
  EXPECT_EQ(old.penalty_window, 0);
  EXPECT_EQ(llm_sampler_params_check(&old, nullptr, 0), LLM_OK);
  // Repeats in the window change nothing when the penalties are off (0 and 1 alike).
  std::vector<float> logits = {0.3f, 1.0f, 0.2f, 0.9f};
  std::map<int32_t, float> plain = Sampler(old, 4).distribution(logits);
  EXPECT_EQ(Sampler(old, 4, {1, 1, 3}).distribution(logits), plain);
  llm_sampler_params one = old;
  one.repetition_penalty = 1.0f;
  EXPECT_EQ(Sampler(one, 4, {1, 1, 3}).distribution(logits), plain);

  llm_sampler_params d = llm_sampler_params_default();
  EXPECT_EQ(d.temperature, 0.8f);
  EXPECT_EQ(d.top_p, 0.9f);
  d.seed = 42;
  EXPECT_EQ(Sampler(d, 4).tokens(logits, 50), Sampler(old, 4).tokens(logits, 50));
}

TEST(SamplerStepsTest, ChecksEveryField) {
  struct Case {
    llm_sampler_params params;
    const char* message;
  };
  auto with = [](auto set) {
    llm_sampler_params p = llm_sampler_params_default();
    set(p);
    return p;
  };
  const Case bad[] = {
      {with([](auto& p) { p.temperature = INFINITY; }),
       "temperature is inf, not a finite number >= 0"},
      {with([](auto& p) { p.top_p = NAN; }), "top_p is nan, not in (0, 1]"},
      {with([](auto& p) { p.top_k = -1; }), "top_k is -1, not >= 0 (0: off)"},
      {with([](auto& p) { p.min_p = 1.5f; }), "min_p is 1.5, not in [0, 1]"},
      {with([](auto& p) { p.min_p = -0.1f; }), "min_p is -0.1, not in [0, 1]"},
      {with([](auto& p) { p.min_p = NAN; }), "min_p is nan"},
      {with([](auto& p) { p.repetition_penalty = -1.0f; }),
       "repetition_penalty is -1, not a finite number >= 0 (0 or 1: off)"},
      {with([](auto& p) { p.repetition_penalty = NAN; }), "repetition_penalty is nan"},
      {with([](auto& p) { p.presence_penalty = INFINITY; }), "presence_penalty is inf"},
      {with([](auto& p) { p.frequency_penalty = NAN; }), "frequency_penalty is nan"},
      {with([](auto& p) { p.penalty_window = -2; }), "penalty_window is -2, not >= 0"},
  };
  for (const Case& c : bad) {
    char err[128] = "";
    EXPECT_EQ(llm_sampler_params_check(&c.params, err, sizeof(err)), LLM_ERR_ARGUMENT);
    EXPECT_EQ(std::string(err).rfind(c.message, 0), 0u) << err;
    llmrt_sampler s;
    EXPECT_EQ(llmrt_sampler_init(&s, &c.params, 10, 4), LLM_ERR_ARGUMENT) << c.message;
  }
  char err[64] = "";
  EXPECT_EQ(llm_sampler_params_check(nullptr, err, sizeof(err)), LLM_ERR_ARGUMENT);
  EXPECT_STREQ(err, "the sampler params are NULL");
  const llm_sampler_params good = {0.0f, 1.0f, 0, 1000, 1.0f, 0.5f, -2.0f, 2.0f, 1};
  EXPECT_EQ(llm_sampler_params_check(&good, nullptr, 0), LLM_OK);
}

TEST(SamplerStepsTest, ParamsFromC) {
  char err[128] = "";
  EXPECT_EQ(c_api_sampler_params(err, sizeof(err)), LLM_OK * 10 + LLM_OK);
  EXPECT_STREQ(err, "penalty_window is -1, not >= 0 (0: every token)");
}

}  // namespace
