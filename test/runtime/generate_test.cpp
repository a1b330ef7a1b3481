// generate_test.cpp - llm_generate over the fake model: feeding order, stop token, callback,
// context limit, seeded sampling, and no allocation.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llm.h"
#include "test/runtime/alloc_counter.h"
#include "test/runtime/fake_model.h"
#include "test/runtime/test_util.h"

namespace {

struct Collected {
  std::vector<int32_t> tokens;
  size_t stop_after = 0;  // 0: never stop
};

int collect(int32_t token, void* user_data) {
  Collected* c = static_cast<Collected*>(user_data);
  c->tokens.push_back(token);
  return c->stop_after != 0 && c->tokens.size() >= c->stop_after;
}

class GenerateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = llmrt_test::temp_path("weights.bin");
    llmrt_test::write_file(path_, llmrt_test::fake_model_weights());
    char err[256];
    ASSERT_EQ(llm_open(path_.c_str(), &model_, err, sizeof(err)), LLM_OK) << err;
    fake_model_fed_tokens().clear();
  }
  void TearDown() override {
    llm_close(model_);
    std::remove(path_.c_str());
  }
  llm_status generate(const std::vector<int32_t>& prompt, int max_new, int32_t stop,
                      const llm_sampler_params* params = nullptr) {
    return llm_generate(model_, prompt.data(), static_cast<int>(prompt.size()), max_new, params,
                        stop, collect, &out_, &count_);
  }

  std::string path_;
  llm_model* model_ = nullptr;
  Collected out_;
  int count_ = -1;
};

TEST_F(GenerateTest, GreedyFeedsAllButTheLastToken) {
  ASSERT_EQ(generate({1}, 5, -1), LLM_OK);
  EXPECT_EQ(count_, 5);
  EXPECT_EQ(out_.tokens, (std::vector<int32_t>{4, 5, 0, 1, 4}));
  EXPECT_EQ(fake_model_fed_tokens(), (std::vector<int32_t>{1, 4, 5, 0, 1}));
  EXPECT_EQ(llm_position(model_), 5);
}

TEST_F(GenerateTest, StopsAtStopTokenWithoutReportingIt) {
  ASSERT_EQ(generate({6, 1}, 10, 0), LLM_OK);
  EXPECT_EQ(count_, 2);
  EXPECT_EQ(out_.tokens, (std::vector<int32_t>{4, 5}));
  EXPECT_EQ(fake_model_fed_tokens(), (std::vector<int32_t>{6, 1, 4, 5}));
}

TEST_F(GenerateTest, CallbackStopsEarly) {
  out_.stop_after = 3;
  ASSERT_EQ(generate({1}, 10, -1), LLM_OK);
  EXPECT_EQ(count_, 3);
  EXPECT_EQ(fake_model_fed_tokens(), (std::vector<int32_t>{1, 4, 5}));
}

TEST_F(GenerateTest, ZeroNewTokensOnlyPrefills) {
  ASSERT_EQ(generate({1, 2, 3}, 0, -1), LLM_OK);
  EXPECT_EQ(count_, 0);
  EXPECT_TRUE(out_.tokens.empty());
  EXPECT_EQ(llm_position(model_), 3);
}

TEST_F(GenerateTest, ReportsFullContextWithCount) {
  // 10 prompt tokens + 6 fed back fill the 16 positions; the 7th token cannot be fed.
  EXPECT_EQ(generate(std::vector<int32_t>(10, 1), 20, -1), LLM_ERR_CONTEXT_FULL);
  EXPECT_EQ(count_, 7);
  EXPECT_EQ(llm_position(model_), 16);
  // A prompt longer than the context fails in prefill.
  llm_reset(model_);
  EXPECT_EQ(generate(std::vector<int32_t>(17, 1), 1, -1), LLM_ERR_CONTEXT_FULL);
  EXPECT_EQ(count_, 0);
}

TEST_F(GenerateTest, SeededSamplingIsReproducible) {
  llm_sampler_params p = {3.0f, 1.0f, 2024};
  ASSERT_EQ(generate({1}, 12, -1, &p), LLM_OK);
  std::vector<int32_t> first = out_.tokens;
  llm_reset(model_);
  out_.tokens.clear();
  ASSERT_EQ(generate({1}, 12, -1, &p), LLM_OK);
  EXPECT_EQ(out_.tokens, first);
}

TEST_F(GenerateTest, PenalisesThePromptAndWhatItGenerated) {
  // Greedy from 6, 1: 4 5 0 1 .... 1 is in the prompt: a presence penalty above the peak turns
  // it down, and 2 (the lowest id left at logit 0) follows 0 instead.
  llm_sampler_params p = {0.0f, 1.0f, 0};
  p.presence_penalty = k_fake_peak + 1.0f;
  ASSERT_EQ(generate({6, 1}, 5, -1, &p), LLM_OK);
  EXPECT_EQ(out_.tokens, (std::vector<int32_t>{4, 5, 0, 2, 7}));
  // The same on a fresh KV cache gives the same tokens: nothing is carried between calls.
  llm_reset(model_);
  out_.tokens.clear();
  ASSERT_EQ(generate({6, 1}, 5, -1, &p), LLM_OK);
  EXPECT_EQ(out_.tokens, (std::vector<int32_t>{4, 5, 0, 2, 7}));
  // A window of 3 has forgotten the prompt's 1 by then.
  p.penalty_window = 3;
  llm_reset(model_);
  out_.tokens.clear();
  ASSERT_EQ(generate({6, 1}, 5, -1, &p), LLM_OK);
  EXPECT_EQ(out_.tokens, (std::vector<int32_t>{4, 5, 0, 1, 4}));
}

TEST_F(GenerateTest, RejectsBadArguments) {
  int32_t token = 1;
  llm_sampler_params bad = {-1.0f, 1.0f, 0};
  EXPECT_EQ(llm_generate(model_, &token, 0, 5, nullptr, -1, nullptr, nullptr, &count_),
            LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_generate(model_, nullptr, 1, 5, nullptr, -1, nullptr, nullptr, &count_),
            LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_generate(model_, &token, 1, -1, nullptr, -1, nullptr, nullptr, &count_),
            LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_generate(model_, &token, 1, 5, &bad, -1, nullptr, nullptr, &count_),
            LLM_ERR_ARGUMENT);
  llm_sampler_params bad_window = {0.0f, 1.0f, 0, 0, 0.0f, 0.0f, 0.0f, 0.0f, -1};
  EXPECT_EQ(llm_generate(model_, &token, 1, 5, &bad_window, -1, nullptr, nullptr, &count_),
            LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_position(model_), 0);  // refused before the prompt ran
  EXPECT_EQ(llm_generate(model_, &token, 1, 3, nullptr, -1, nullptr, nullptr, nullptr), LLM_OK);
}

TEST_F(GenerateTest, AllocatesNothing) {
  if (!llmrt_test::can_count_allocations()) GTEST_SKIP() << "no allocation counter here";
  fake_model_fed_tokens().reserve(64);  // the fake's own bookkeeping, not llm_generate's
  fake_model_prefill_calls().reserve(64);
  int32_t prompt[2] = {6, 1};
  int32_t seen[12];  // (count) what the callback was given
  struct Sink {
    int32_t* tokens;
    int count;
  } sink = {seen, 0};
  auto keep = [](int32_t token, void* user_data) {
    Sink* s = static_cast<Sink*>(user_data);
    s->tokens[s->count++] = token;
    return 0;
  };
  llm_sampler_params sampled = {0.9f, 0.8f, 11, 4, 0.1f, 1.5f, 0.5f, 0.5f, 4};
  long allocated = -1;
  {
    llmrt_test::CountAllocations counter;
    ASSERT_EQ(llm_generate(model_, prompt, 2, 6, nullptr, -1, keep, &sink, &count_), LLM_OK);
    llm_reset(model_);
    ASSERT_EQ(llm_generate(model_, prompt, 2, 6, &sampled, -1, keep, &sink, &count_), LLM_OK);
    allocated = counter.count();
  }
  EXPECT_EQ(allocated, 0);
  EXPECT_EQ(sink.count, 12);
  EXPECT_EQ(std::vector<int32_t>(seen, seen + 6), (std::vector<int32_t>{4, 5, 0, 1, 4, 5}));
}

// A tokenizer for the fake model's 8 ids: the bytes of "€" (E2 82 AC) as three byte tokens 0, 1
// and 4, so that greedy generation from 1 (4 5 0 1 4 5 0 1 ...) cuts characters apart.
struct FakeTokenizer {
  std::vector<unsigned char> bytes;
  llm_tokenizer* tok = nullptr;
  FakeTokenizer() {
    const uint32_t B = LLMRT_TOKEN_BYTE, N = LLMRT_TOKEN_NORMAL, C = LLMRT_TOKEN_CONTROL;
    llmrt_test::TokenizerOptions o;
    o.eos_id = 2;
    bytes = llmrt_test::build_tokenizer_v2({{"<0xE2>", 0, B}, {"<0x82>", 0, B}, {"</s>", 0, C},
                                            {"c", 0, N}, {"<0xAC>", 0, B}, {"a", 0, N},
                                            {"d", 0, N}, {"e", 0, N}},
                                           o);
    EXPECT_EQ(llm_tokenizer_open_memory(bytes.data(), bytes.size(), &tok, nullptr, 0), LLM_OK);
  }
  ~FakeTokenizer() { llm_tokenizer_close(tok); }
};

struct TextPieces {
  std::vector<std::string> list;
  size_t stop_after = 0;  // 0: never stop
};

int collect_text(const char* text, size_t len, void* user_data) {
  TextPieces* p = static_cast<TextPieces*>(user_data);
  p->list.emplace_back(text, len);
  return p->stop_after != 0 && p->list.size() >= p->stop_after;
}

TEST_F(GenerateTest, TextComesInWholeCharactersAndTheRestAtTheEnd) {
  FakeTokenizer t;
  TextPieces pieces;
  const int32_t prompt[] = {1};
  ASSERT_EQ(llm_generate_text(model_, t.tok, prompt, 1, 7, nullptr, nullptr, 0, collect_text,
                              &pieces, &count_),
            LLM_OK);
  EXPECT_EQ(count_, 7);  // 4 5 0 1 4 5 0: AC a E2 82 AC a E2
  EXPECT_EQ(pieces.list,
            (std::vector<std::string>{"\xAC", "a", "\xE2\x82\xAC", "a", "\xE2"}));
  // A callback that stops: nothing more is passed on, not even what is held.
  TextPieces first;
  first.stop_after = 1;
  llm_reset(model_);
  ASSERT_EQ(llm_generate_text(model_, t.tok, prompt, 1, 7, nullptr, nullptr, 0, collect_text,
                              &first, &count_),
            LLM_OK);
  EXPECT_EQ(count_, 1);
  EXPECT_EQ(first.list, (std::vector<std::string>{"\xAC"}));
}

TEST_F(GenerateTest, StopsAtAnyOfTheStopTokens) {
  FakeTokenizer t;
  TextPieces pieces;
  const int32_t stops[] = {2, 0};  // as a chat's end of turn and EOS
  const int32_t from_one[] = {1};   // 4 5 0: stops at 0
  ASSERT_EQ(llm_generate_text(model_, t.tok, from_one, 1, 10, nullptr, stops, 2, collect_text,
                              &pieces, &count_),
            LLM_OK);
  EXPECT_EQ(count_, 2);
  EXPECT_EQ(pieces.list, (std::vector<std::string>{"\xAC", "a"}));
  EXPECT_EQ(fake_model_fed_tokens(), (std::vector<int32_t>{1, 4, 5}));  // not the stop
  const int32_t from_six[] = {6};  // 3 2: stops at 2
  pieces.list.clear();
  llm_reset(model_);
  ASSERT_EQ(llm_generate_text(model_, t.tok, from_six, 1, 10, nullptr, stops, 2, collect_text,
                              &pieces, &count_),
            LLM_OK);
  EXPECT_EQ(count_, 1);
  EXPECT_EQ(pieces.list, (std::vector<std::string>{"c"}));
  // llm_generate's one stop token is a list of one: 0 alone does not stop at 2.
  llm_reset(model_);
  ASSERT_EQ(generate({6}, 4, 0), LLM_OK);
  EXPECT_EQ(out_.tokens, (std::vector<int32_t>{3, 2, 7, 6}));
}

TEST_F(GenerateTest, TextRejectsBadArguments) {
  FakeTokenizer t;
  const int32_t prompt[] = {1};
  EXPECT_EQ(llm_generate_text(model_, nullptr, prompt, 1, 2, nullptr, nullptr, 0, nullptr,
                              nullptr, &count_),
            LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_generate_text(model_, t.tok, prompt, 1, 2, nullptr, nullptr, 1, nullptr,
                              nullptr, &count_),
            LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_generate_text(model_, t.tok, prompt, 1, 2, nullptr, prompt, -1, nullptr,
                              nullptr, &count_),
            LLM_ERR_ARGUMENT);
  EXPECT_TRUE(fake_model_fed_tokens().empty());
}

TEST_F(GenerateTest, TextAllocatesNothing) {
  if (!llmrt_test::can_count_allocations()) GTEST_SKIP() << "no allocation counter here";
  fake_model_fed_tokens().reserve(64);  // the fake's own bookkeeping, not llm_generate_text's
  fake_model_prefill_calls().reserve(64);
  FakeTokenizer t;
  const int32_t prompt[] = {1};
  const int32_t stops[] = {2};
  size_t bytes = 0;
  auto count_bytes = [](const char*, size_t len, void* total) {
    *static_cast<size_t*>(total) += len;
    return 0;
  };
  long allocated = -1;
  {
    llmrt_test::CountAllocations counter;
    ASSERT_EQ(llm_generate_text(model_, t.tok, prompt, 1, 7, nullptr, stops, 1, count_bytes,
                                &bytes, &count_),
              LLM_OK);
    allocated = counter.count();
  }
  EXPECT_EQ(allocated, 0);
  EXPECT_EQ(bytes, 7u);  // AC a E2 82 AC a E2
}

TEST_F(GenerateTest, RewindKeepsTheFirstTokens) {
  ASSERT_EQ(generate({1, 4, 5}, 0, -1), LLM_OK);
  EXPECT_EQ(llm_rewind(model_, 4), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_rewind(model_, -1), LLM_ERR_ARGUMENT);
  ASSERT_EQ(llm_rewind(model_, 1), LLM_OK);
  EXPECT_EQ(llm_position(model_), 1);
  ASSERT_EQ(llm_decode(model_, 6, nullptr), LLM_OK);
  EXPECT_EQ(llm_position(model_), 2);
  EXPECT_EQ(llm_logits(model_)[fake_model_next(6)], k_fake_peak);
}

}  // namespace
