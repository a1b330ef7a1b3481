// llm_run_test.cpp - the llm-run driver, built against the fake model (fake_model.h) as
// llm_run_fake: flags, exit codes, text and id output, EOS, logits dump. POSIX shell only.
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/blob_format.h"
#include "test/runtime/fake_model.h"
#include "test/runtime/test_util.h"

#ifndef LLM_RUN_FAKE_PATH
#error "LLM_RUN_FAKE_PATH must name the llm_run_fake executable"
#endif

namespace {

using llmrt_test::TestToken;

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

std::string as_string(const std::vector<unsigned char>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

class LlmRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    weights_ = llmrt_test::temp_path("weights.bin");
    tokenizer_ = llmrt_test::temp_path("tokenizer.bin");
    llmrt_test::write_file(weights_, llmrt_test::fake_model_weights());
    const uint32_t N = LLMRT_TOKEN_NORMAL;
    const uint32_t C = LLMRT_TOKEN_CONTROL;
    std::vector<TestToken> vocab = {{"<unk>", 0, LLMRT_TOKEN_UNKNOWN},
                                    {"<s>", 0, C},
                                    {"</s>", 0, C},
                                    {" a", 1, N},
                                    {"b", 0, N},
                                    {"c", 0, N},
                                    {" ", 0, N},
                                    {"a", 0, N}};
    llmrt_test::write_file(tokenizer_, llmrt_test::build_tokenizer(
                                           vocab, 1, 2, LLMRT_TOKENIZER_ADD_DUMMY_PREFIX));
  }
  void TearDown() override {
    for (const std::string& p : {weights_, tokenizer_, llmrt_test::temp_path("out"),
                                 llmrt_test::temp_path("err"), llmrt_test::temp_path("logits")}) {
      std::remove(p.c_str());
    }
  }
  // Runs llm_run_fake with the test's weights and tokenizer and then `args`.
  Result run(const std::string& args) {
    std::string out = llmrt_test::temp_path("out");
    std::string err = llmrt_test::temp_path("err");
    std::string cmd = std::string("'") + LLM_RUN_FAKE_PATH + "' --weights '" + weights_ +
                      "' --tokenizer '" + tokenizer_ + "' " + args + " >'" + out + "' 2>'" + err +
                      "'";
    int status = std::system(cmd.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = as_string(llmrt_test::read_file(out));
    r.err = as_string(llmrt_test::read_file(err));
    return r;
  }

  std::string weights_;
  std::string tokenizer_;
};

TEST_F(LlmRunTest, Help) {
  Result r = run("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: llm-run"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--dump-logits FILE"), std::string::npos);
}

TEST_F(LlmRunTest, BadFlagsExitTwo) {
  const char* cases[][2] = {
      {"--steps -1", "--steps wants an integer >= 0, got '-1'"},
      {"--steps 1x", "--steps wants"},
      {"--temperature abc", "--temperature wants a number, got 'abc'"},
      {"--temperature -0.5", "--temperature -0.5: temperature is -0.5, not a finite number >= 0"},
      {"--top-p 0", "--top-p 0: top_p is 0, not in (0, 1]"},
      {"--top-p=1.5", "--top-p 1.5: top_p is 1.5"},
      {"--top-k -1", "--top-k -1: top_k is -1, not >= 0"},
      {"--top-k 2.5", "--top-k wants an integer, got '2.5'"},
      {"--min-p 2", "--min-p 2: min_p is 2, not in [0, 1]"},
      {"--repeat-penalty -1", "--repeat-penalty -1: repetition_penalty is -1"},
      {"--presence-penalty nan", "--presence-penalty wants a number, got 'nan'"},
      {"--frequency-penalty x", "--frequency-penalty wants a number"},
      {"--penalty-window -5", "--penalty-window -5: penalty_window is -5, not >= 0"},
      {"--min-p", "option '--min-p' needs a value"},
      {"--seed -3", "--seed wants"},
      {"--tokens 1,x", "--tokens wants comma-separated token ids"},
      {"--tokens ''", "--tokens wants"},
      {"--cpus 0,x", "--cpus wants comma-separated CPU numbers or 'off', got '0,x'"},
      {"--cpus -1", "--cpus wants"},
      {"--bogus", "unknown option '--bogus'"},
      {"--steps", "option '--steps' needs a value"},
  };
  for (const auto& c : cases) {
    Result r = run(c[0]);
    EXPECT_EQ(r.exit_code, 2) << c[0];
    EXPECT_NE(r.err.find(c[1]), std::string::npos) << c[0] << ": " << r.err;
    EXPECT_EQ(r.out, "") << c[0];
  }
}

TEST_F(LlmRunTest, CpusPinTheWorkersOrSayWhyNot) {
  const char* args = "--tokenizer /nonexistent --tokens 1 --steps 5 --temperature 0 "
                     "--ignore-eos --print-token-ids --threads 2";
  for (const char* cpus : {" --cpus off", " --cpus 0,0"}) {
    Result r = run(std::string(args) + cpus);
    EXPECT_EQ(r.exit_code, 0) << cpus << ": " << r.err;
    EXPECT_EQ(r.out, "4 5 0 1 4\n") << cpus;
  }
#if defined(__linux__)
  Result r = run(std::string(args) + " --cpus 1048576");  // llm-run's own thread
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot pin thread 0 to CPU 1048576"), std::string::npos) << r.err;
  r = run(std::string(args) + " --cpus 0,1048576");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot start 2 threads for the kernels: cannot pin thread 1 to CPU "
                       "1048576"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
#endif
}

TEST_F(LlmRunTest, MissingFilesExitOne) {
  Result r = run("--weights /nonexistent/w.bin --tokens 1 --steps 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("llm-run: error: /nonexistent/w.bin: cannot open", 0), 0u) << r.err;
  r = run("--tokenizer /nonexistent/t.bin --steps 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("llm-run: error: /nonexistent/t.bin"), std::string::npos) << r.err;
}

TEST_F(LlmRunTest, PrintsTokenIdsWithoutTokenizer) {
  Result r = run("--tokenizer /nonexistent --tokens 1 --steps 5 --temperature 0 --ignore-eos "
                 "--print-token-ids");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "4 5 0 1 4\n");
  // Without --ignore-eos the tokenizer would only give EOS: a missing file is a note.
  r = run("--tokenizer /nonexistent --tokens 1 --steps 3 --temperature 0 --print-token-ids");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "4 5 0\n");
  EXPECT_NE(r.err.find("not stopping at EOS"), std::string::npos) << r.err;
  // A damaged tokenizer is still an error.
  llmrt_test::write_file(tokenizer_, {1, 2, 3});
  r = run("--tokens 1 --steps 3 --temperature 0 --print-token-ids");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("too small for a header"), std::string::npos) << r.err;
}

TEST_F(LlmRunTest, RefusesTextForAModelWithoutTokenizer) {
  llmrt_test::write_file(tokenizer_,
                         llmrt_test::build_tokenizer({{"<unk>", 0, LLMRT_TOKEN_UNKNOWN},
                                                      {"<1>", 0, LLMRT_TOKEN_CONTROL},
                                                      {"<2>", 0, LLMRT_TOKEN_CONTROL},
                                                      {"<3>", 0, LLMRT_TOKEN_NORMAL}},
                                                     1, 2, LLMRT_TOKENIZER_IDS_ONLY));
  Result r = run("--prompt 'Hello world' --steps 2");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("has no tokenizer (the model was compiled without one): give the prompt "
                       "as token ids with --tokens"),
            std::string::npos)
      << r.err;
  r = run("--tokens 1,3 --steps 2 --temperature 0 --ignore-eos");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Invalid UTF-8 is refused for a SentencePiece vocabulary too (byte fallback would spell the
// stray byte, where sentencepiece reads U+FFFD), naming the first bad byte.
TEST_F(LlmRunTest, RefusesAPromptThatIsNotUtf8) {
  Result r = run("--prompt \"$(printf 'ab\\377c')\" --steps 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the prompt is not valid UTF-8 (byte 2, 0xFF)"), std::string::npos)
      << r.err;
  r = run("--system \"$(printf '\\300')\" --chat-prompt hi --steps 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--system is not valid UTF-8 (byte 0, 0xC0)"), std::string::npos) << r.err;
}

TEST_F(LlmRunTest, PrintsText) {
  // BOS -> b c <unk> <s> b; the control token prints nothing.
  Result r = run("--steps 5 --temperature 0");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "bc<unk>b\n");
  // "ab" -> <s> " a" b, echoed without the leading space, then c <unk> <s>.
  r = run("--prompt ab --echo --steps 3 --temperature 0");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "abc<unk>\n");
  r = run("--prompt=ab --no-bos --echo --print-token-ids --steps=3 --temperature=0");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "3 4 5 0 1\n");
}

TEST_F(LlmRunTest, StopsAtEos) {
  Result r = run("--tokens 3 --steps 5 --temperature 0 --print-token-ids");  // 3 -> EOS
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\n");
  r = run("--tokens 3 --steps 5 --temperature 0 --print-token-ids --ignore-eos");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2 7 6 3 2\n");
}

TEST_F(LlmRunTest, DumpsOneLogitsRowPerFedToken) {
  std::string dump = llmrt_test::temp_path("logits");
  Result r = run("--tokens 1,3 --steps 4 --temperature 0 --ignore-eos --print-token-ids "
                 "--dump-logits '" + dump + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2 7 6 3\n");
  // Fed: 1 3 (prompt), 2 7 6 (generated, all but the last).
  const std::vector<int32_t> fed = {1, 3, 2, 7, 6};
  std::vector<unsigned char> bytes = llmrt_test::read_file(dump);
  ASSERT_EQ(bytes.size(), fed.size() * k_fake_vocab * sizeof(float));
  for (size_t row = 0; row < fed.size(); ++row) {
    for (int j = 0; j < k_fake_vocab; ++j) {
      float v;
      std::memcpy(&v, bytes.data() + (row * k_fake_vocab + j) * sizeof(float), sizeof(float));
      EXPECT_EQ(v, j == fake_model_next(fed[row]) ? 5.0f : 0.0f) << row << " " << j;
    }
  }
}

TEST_F(LlmRunTest, PenalisesTheWindowOfPromptAndOutput) {
  // Greedy from 1: 4 5 0 1 4 .... Token 1 is in the prompt, so a presence penalty above the
  // peak (5) makes 2, the lowest-id logit left at 0, follow 0; 2 -> 7 -> 6 -> 3 are new tokens;
  // then every token has been seen and 2, the peak after 3, is the largest at 5 - 6.
  Result r = run("--tokens 1 --steps 8 --temperature 0 --ignore-eos --print-token-ids "
                 "--presence-penalty 6");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "4 5 0 2 7 6 3 2\n");
  // A window of the last 3 tokens no longer holds the prompt's 1 when it comes round.
  r = run("--tokens 1 --steps 6 --temperature 0 --ignore-eos --print-token-ids "
          "--presence-penalty=6 --penalty-window=3");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "4 5 0 1 4 5\n");
}

TEST_F(LlmRunTest, ClampsStepsToContext) {
  Result r = run("--tokens 1,1,1,1,1,1 --steps 100 --temperature 0 --ignore-eos --print-token-ids");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--steps lowered to 11"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "4 5 0 1 4 5 0 1 4 5 0\n");
}

TEST_F(LlmRunTest, RejectsPromptsThatDoNotFit) {
  Result r = run("--tokens 1,9 --steps 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("prompt token 9 is outside the vocabulary (8)"), std::string::npos) << r.err;
  r = run("--tokens 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1 --steps 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the prompt has 17 tokens but the context holds 16"), std::string::npos)
      << r.err;
  r = run("--prompt '' --no-bos --steps 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the prompt is empty"), std::string::npos) << r.err;
}

TEST_F(LlmRunTest, VerboseStatsGoToStderr) {
  Result r = run("--tokens 1 --steps 3 --temperature 0 --print-token-ids --verbose");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "4 5 0\n");
  EXPECT_NE(r.err.find("tokens/s"), std::string::npos) << r.err;
}

TEST_F(LlmRunTest, SeedReproducesSampledText) {
  Result a = run("--tokens 1 --steps 10 --temperature 5 --top-p 1 --seed 7 --print-token-ids "
                 "--ignore-eos");
  Result b = run("--tokens 1 --steps 10 --temperature 5 --top-p 1 --seed 7 --print-token-ids "
                 "--ignore-eos");
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

}  // namespace
