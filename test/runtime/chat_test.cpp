// chat_test.cpp - the chat half of the C API (runtime/chat.cpp) on small vocabularies: the
// buffer contract of llm_chat_format and llm_chat_tokenize, special tokens in a vocabulary that
// does not parse them otherwise, BOS, and what the loader and the formatter refuse. The prompts
// themselves are compared with transformers' apply_chat_template in test/chat.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llmrt.h"
#include "test/runtime/test_util.h"

namespace {

using llmrt_test::build_tokenizer_v2;
using llmrt_test::small_vocab;
using llmrt_test::TestToken;
using llmrt_test::TokenizerOptions;

// small_vocab() (<s> = 1, </s> = 2, no PARSE_SPECIAL) with the chat template `chat`.
struct ChatTokenizer {
  std::vector<unsigned char> bytes;
  llm_tokenizer* tok = nullptr;
  char err[256] = "";
  llm_status status;

  explicit ChatTokenizer(uint32_t chat, int32_t bos_id = 1, std::vector<TestToken> extra = {}) {
    TokenizerOptions o;
    o.bos_id = bos_id;
    o.eos_id = 2;
    o.chat_template = chat;
    std::vector<TestToken> vocab = small_vocab();
    vocab.insert(vocab.end(), extra.begin(), extra.end());
    bytes = build_tokenizer_v2(vocab, o);
    status = llm_tokenizer_open_memory(bytes.data(), bytes.size(), &tok, err, sizeof(err));
  }
  ~ChatTokenizer() { llm_tokenizer_close(tok); }
};

const llm_chat_message k_chat[] = {{"system", "S"}, {"user", "ab"}};

TEST(ChatTest, FormatReportsTheSizeAndNeedsRoomForTheNul) {
  ChatTokenizer t(LLMRT_CHAT_TEMPLATE_ZEPHYR);
  ASSERT_EQ(t.status, LLM_OK) << t.err;
  EXPECT_STREQ(llm_chat_template(t.tok), "zephyr");
  EXPECT_EQ(llm_chat_end_of_turn(t.tok), 2);
  const std::string expected = "<|system|>\nS</s>\n<|user|>\nab</s>\n<|assistant|>\n";
  size_t len = 0;
  EXPECT_EQ(llm_chat_format(t.tok, k_chat, 2, 1, nullptr, 0, &len, nullptr, 0), LLM_ERR_ARGUMENT);
  EXPECT_EQ(len, expected.size());
  std::vector<char> text(len + 1, 'x');
  EXPECT_EQ(llm_chat_format(t.tok, k_chat, 2, 1, text.data(), len, &len, nullptr, 0),
            LLM_ERR_ARGUMENT);
  EXPECT_EQ(len, expected.size());
  ASSERT_EQ(llm_chat_format(t.tok, k_chat, 2, 1, text.data(), text.size(), &len, nullptr, 0),
            LLM_OK);
  EXPECT_EQ(std::string(text.data()), expected);
}

TEST(ChatTest, TokenizeReadsBosAndEosAndAddsBosWhereTheTemplateHasNone) {
  ChatTokenizer t(LLMRT_CHAT_TEMPLATE_ZEPHYR);
  ASSERT_EQ(t.status, LLM_OK) << t.err;
  const llm_chat_message user[] = {{"user", "ab"}};
  int needed = 0;
  EXPECT_EQ(llm_chat_tokenize(t.tok, user, 1, 0, nullptr, 0, &needed, nullptr, 0),
            LLM_ERR_ARGUMENT);
  std::vector<int32_t> ids(static_cast<size_t>(needed));
  ASSERT_EQ(llm_chat_tokenize(t.tok, user, 1, 0, ids.data(), needed, &needed, t.err,
                              sizeof(t.err)),
            LLM_OK)
      << t.err;
  // BOS, "<|user|>\nab" as bytes and pieces, EOS (its text read as the token), "\n".
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(ids[ids.size() - 2], 2);
  EXPECT_EQ(ids.back(), 3 + '\n');
  EXPECT_EQ(ids[ids.size() - 3], 264);  // "ab"

  ChatTokenizer llama2(LLMRT_CHAT_TEMPLATE_LLAMA2);
  ASSERT_EQ(llama2.status, LLM_OK) << llama2.err;
  ids.resize(64);
  ASSERT_EQ(llm_chat_tokenize(llama2.tok, user, 1, 1, ids.data(), int(ids.size()), &needed,
                              nullptr, 0),
            LLM_OK);
  EXPECT_EQ(ids[0], 1);  // the template's own <s>, not a second one
  EXPECT_NE(ids[1], 1);
  // A system message alone is an empty llama2 prompt: BOS only.
  ASSERT_EQ(llm_chat_tokenize(llama2.tok, k_chat, 1, 1, ids.data(), int(ids.size()), &needed,
                              nullptr, 0),
            LLM_OK);
  EXPECT_EQ(needed, 1);
  EXPECT_EQ(ids[0], 1);
}

TEST(ChatTest, RefusesBadConversations) {
  ChatTokenizer t(LLMRT_CHAT_TEMPLATE_LLAMA2);
  ASSERT_EQ(t.status, LLM_OK) << t.err;
  char text[256];
  size_t len = 0;
  EXPECT_EQ(llm_chat_format(t.tok, k_chat, 0, 1, text, sizeof(text), &len, t.err, sizeof(t.err)),
            LLM_ERR_ARGUMENT);
  EXPECT_STREQ(t.err, "llm_chat_format: no messages");
  const llm_chat_message null_content[] = {{"user", nullptr}};
  EXPECT_EQ(llm_chat_format(t.tok, null_content, 1, 1, text, sizeof(text), &len, nullptr, 0),
            LLM_ERR_ARGUMENT);
  const llm_chat_message twice[] = {{"user", "a"}, {"user", "b"}};
  EXPECT_EQ(llm_chat_format(t.tok, twice, 2, 1, text, sizeof(text), &len, t.err, sizeof(t.err)),
            LLM_ERR_ARGUMENT);
  EXPECT_NE(std::string(t.err).find("message 1: Conversation roles must alternate"),
            std::string::npos)
      << t.err;
  EXPECT_EQ(llm_chat_format(nullptr, k_chat, 2, 1, text, sizeof(text), &len, nullptr, 0),
            LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_chat_format(t.tok, k_chat, 2, 1, nullptr, 8, &len, nullptr, 0), LLM_ERR_ARGUMENT);
}

TEST(ChatTest, WithoutATemplateThereIsNoChat) {
  ChatTokenizer t(LLMRT_CHAT_TEMPLATE_NONE);
  ASSERT_EQ(t.status, LLM_OK) << t.err;
  EXPECT_EQ(llm_chat_template(t.tok), nullptr);
  EXPECT_EQ(llm_chat_end_of_turn(t.tok), -1);
  char text[64];
  size_t len = 0;
  EXPECT_EQ(llm_chat_format(t.tok, k_chat, 2, 1, text, sizeof(text), &len, nullptr, 0),
            LLM_ERR_NO_CHAT_TEMPLATE);
  int needed = 0;
  int32_t ids[8];
  EXPECT_EQ(llm_chat_tokenize(t.tok, k_chat, 2, 1, ids, 8, &needed, nullptr, 0),
            LLM_ERR_NO_CHAT_TEMPLATE);
}

TEST(ChatTest, LoaderRefusesTemplatesWhoseTokensAreMissing) {
  ChatTokenizer no_bos(LLMRT_CHAT_TEMPLATE_LLAMA2, -1);
  EXPECT_EQ(no_bos.status, LLM_ERR_FORMAT);
  EXPECT_STREQ(no_bos.err, "tokenizer in memory: chat template llama2 needs BOS, which the "
                           "vocabulary lacks");
  ChatTokenizer no_headers(LLMRT_CHAT_TEMPLATE_LLAMA3);
  EXPECT_EQ(no_headers.status, LLM_ERR_FORMAT);
  EXPECT_STREQ(no_headers.err, "tokenizer in memory: chat template llama3 needs the control "
                               "token <|start_header_id|>");
  const uint32_t C = LLMRT_TOKEN_CONTROL;
  ChatTokenizer llama3(LLMRT_CHAT_TEMPLATE_LLAMA3, 1,
                       {{"<|start_header_id|>", 0, C}, {"<|end_header_id|>", 0, C},
                        {"<|eot_id|>", 0, C}});
  ASSERT_EQ(llama3.status, LLM_OK) << llama3.err;
  EXPECT_EQ(llm_chat_end_of_turn(llama3.tok), 276);
  ChatTokenizer unknown(LLMRT_CHAT_TEMPLATE_COUNT);
  EXPECT_EQ(unknown.status, LLM_ERR_FORMAT);
  EXPECT_STREQ(unknown.err, "tokenizer in memory: unknown chat template 4 (from a newer llmc?)");
}

}  // namespace
