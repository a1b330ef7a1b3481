// byte_level_test.cpp - Llama 3's pre-tokenizer (pretokenize.cpp), the Unicode classes, and
// byte-level BPE in tokenizer.bin version 2: merges by record, whole pieces, special tokens,
// decoding, and what the loader refuses. The expected splits come from Python's regex module
// and tokenizers' Split on Llama 3's pattern, which agree on every case here.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llmrt.h"
#include "test/runtime/test_util.h"

namespace {

using llmrt_test::build_tokenizer_v2;
using llmrt_test::TestToken;
using llmrt_test::TokenizerOptions;

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> pieces;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = llmrt_llama3_pretoken_end(text.data(), text.size(), pos);
    EXPECT_GT(end, pos);
    pieces.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return pieces;
}

using Pieces = std::vector<std::string>;

TEST(Llama3PreTokenizerTest, SplitsAsTheRegex) {
  EXPECT_EQ(split("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(split("DON'T you'LL"), (Pieces{"DON", "'T", " you", "'LL"}));
  // U+017F (long s) matches 's' case-insensitively; a quote before a space is punctuation.
  EXPECT_EQ(split("'\xC5\xBFo 'x"), (Pieces{"'\xC5\xBF", "o", " '", "x"}));
  EXPECT_EQ(split("1234567 89"), (Pieces{"123", "456", "7", " ", "89"}));
  EXPECT_EQ(split(" 123"), (Pieces{" ", "123"}));
  EXPECT_EQ(split("a  b   "), (Pieces{"a", " ", " b", "   "}));
  EXPECT_EQ(split("x\r\n\r\n  y"), (Pieces{"x", "\r\n\r\n", " ", " y"}));
  EXPECT_EQ(split("  \n\n  z"), (Pieces{"  \n\n", " ", " z"}));
  EXPECT_EQ(split("(foo) ...\n\nbar"), (Pieces{"(foo", ")", " ...\n\n", "bar"}));
  EXPECT_EQ(split(" Vi\xE1\xBB\x87t"), (Pieces{" Vi\xE1\xBB\x87t"}));
  // A combining mark (Mn) is neither letter nor number: it starts the next piece.
  EXPECT_EQ(split("e\xCC\x81x"), (Pieces{"e", "\xCC\x81x"}));
  EXPECT_EQ(split("\tword\xC2\xA0next"), (Pieces{"\tword", "\xC2\xA0next"}));
  EXPECT_EQ(split("a_b-c"), (Pieces{"a", "_b", "-c"}));
  EXPECT_EQ(split("\xF0\x9F\x98\x80\xF0\x9F\x98\x80 x"),
            (Pieces{"\xF0\x9F\x98\x80\xF0\x9F\x98\x80", " x"}));
}

TEST(UnicodeClassesTest, KnowsUnicode16) {
  EXPECT_EQ(llmrt_code_point_class('a'), LLMRT_CP_LETTER);
  EXPECT_EQ(llmrt_code_point_class(0x65E5), LLMRT_CP_LETTER);   // 日
  EXPECT_EQ(llmrt_code_point_class(0x10D4A), LLMRT_CP_LETTER);  // Garay, new in Unicode 16
  EXPECT_EQ(llmrt_code_point_class(0x0663), LLMRT_CP_NUMBER);   // Arabic-Indic three
  EXPECT_EQ(llmrt_code_point_class(0x2167), LLMRT_CP_NUMBER);   // Roman numeral eight (Nl)
  EXPECT_EQ(llmrt_code_point_class(0x3000), LLMRT_CP_SPACE);
  EXPECT_EQ(llmrt_code_point_class(0x85), LLMRT_CP_SPACE);
  EXPECT_EQ(llmrt_code_point_class(0x1C), LLMRT_CP_OTHER);  // not White_Space
  EXPECT_EQ(llmrt_code_point_class(0x0301), LLMRT_CP_OTHER);
  EXPECT_EQ(llmrt_code_point_class(0x10FFFF), LLMRT_CP_OTHER);
}

TEST(Utf8Test, FindsTheFirstInvalidByte) {
  auto valid = [](const std::string& s) { return llmrt_utf8_valid_prefix(s.data(), s.size()); };
  EXPECT_EQ(valid("abc \xE6\x97\xA5 \xF0\x9F\x98\x80"), 12u);
  EXPECT_EQ(valid("ab\x80"), 2u);               // stray continuation byte
  EXPECT_EQ(valid("a\xC0\xAF"), 1u);            // overlong '/'
  EXPECT_EQ(valid("a\xED\xA0\x80"), 1u);        // surrogate U+D800
  EXPECT_EQ(valid("a\xF4\x90\x80\x80"), 1u);    // above U+10FFFF
  EXPECT_EQ(valid("ab\xE6\x97"), 2u);           // cut short
}

// A byte-level vocabulary: the 256 bytes (ids 0..255), then merged pieces and two specials.
class ByteLevelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int b = 0; b < 256; ++b) vocab_.push_back({std::string(1, char(b)), 0, LLMRT_TOKEN_NORMAL});
    add("ab");         // 256
    add("bc");         // 257
    add("abc");        // 258
    add(" a");         // 259
    add(" ab");        // 260
    add("<|bos|>", LLMRT_TOKEN_CONTROL);  // 261
    add("<|eot|>", LLMRT_TOKEN_CONTROL);  // 262
    add("xyz");        // 263: no merge reaches it; only whole pieces do
    options_.bos_id = 261;
    options_.eos_id = 262;
    options_.model = LLMRT_TOKENIZER_BYTE_LEVEL;
    options_.pretokenizer = LLMRT_PRETOKENIZER_LLAMA3;
    options_.flags = LLMRT_TOKENIZER_PARSE_SPECIAL;
    // "bc" merges before "ab", so "abc" is a + bc, which does not merge on.
    options_.merges = {{'b', 'c', 257}, {'a', 'b', 256}, {256, 'c', 258}, {' ', 'a', 259},
                       {259, 'b', 260}};
  }
  void add(const std::string& piece, uint32_t type = LLMRT_TOKEN_NORMAL) {
    vocab_.push_back({piece, 0, type});
  }
  llm_status load(char* err = nullptr, size_t err_len = 0) {
    bytes_ = build_tokenizer_v2(vocab_, options_);
    llmrt_tokenizer_free(&tok_);
    return llmrt_tokenizer_open_memory(bytes_.data(), bytes_.size(), "test", &tok_, err, err_len);
  }
  std::vector<int32_t> encode(const std::string& text, int add_bos = 0) {
    std::vector<int32_t> ids(llmrt_tokenizer_max_tokens(text.size()));
    int count = 0;
    EXPECT_EQ(llmrt_tokenizer_encode(&tok_, text.data(), text.size(), add_bos, ids.data(),
                                     int(ids.size()), &count),
              LLM_OK);
    ids.resize(size_t(count));
    return ids;
  }
  void TearDown() override { llmrt_tokenizer_free(&tok_); }

  std::vector<TestToken> vocab_;
  TokenizerOptions options_;
  std::vector<unsigned char> bytes_;
  llmrt_tokenizer tok_ = {};
};

TEST_F(ByteLevelTest, MergesInRecordOrder) {
  ASSERT_EQ(load(), LLM_OK);
  EXPECT_EQ(encode("abc"), (std::vector<int32_t>{'a', 257}));
  EXPECT_EQ(encode("ab"), (std::vector<int32_t>{256}));
  // Pre-tokens never merge with each other; in " ab", a + b (record 1) goes before ' ' + a.
  EXPECT_EQ(encode("x a"), (std::vector<int32_t>{'x', 259}));
  EXPECT_EQ(encode("x ab"), (std::vector<int32_t>{'x', ' ', 256}));
  EXPECT_EQ(encode("xyz"), (std::vector<int32_t>{'x', 'y', 'z'}));
  EXPECT_EQ(encode("\xC3\xA9"), (std::vector<int32_t>{0xC3, 0xA9}));  // bytes, not characters
}

TEST_F(ByteLevelTest, WholePiecesSkipMerges) {
  options_.flags |= LLMRT_TOKENIZER_WHOLE_PIECES;
  ASSERT_EQ(load(), LLM_OK);
  EXPECT_EQ(encode("xyz"), (std::vector<int32_t>{263}));
  EXPECT_EQ(encode("abc"), (std::vector<int32_t>{258}));
}

TEST_F(ByteLevelTest, SpecialTokensInText) {
  ASSERT_EQ(load(), LLM_OK);
  EXPECT_EQ(encode("<|bos|>ab<|eot|>", 1), (std::vector<int32_t>{261, 261, 256, 262}));
  EXPECT_EQ(encode("<|bos|<|eot|>"), (std::vector<int32_t>{'<', '|', 'b', 'o', 's', '|', 262}));
  options_.flags = 0;  // without PARSE_SPECIAL their text is text
  ASSERT_EQ(load(), LLM_OK);
  EXPECT_EQ(encode("<|eot|>").size(), 7u);
}

TEST_F(ByteLevelTest, DecodesToBytes) {
  ASSERT_EQ(load(), LLM_OK);
  size_t len = 0;
  // No SentencePiece space to drop after BOS; a control token is empty.
  const char* piece = llmrt_tokenizer_decode(&tok_, 261, 260, &len);
  EXPECT_EQ(std::string(piece, len), " ab");
  llmrt_tokenizer_decode(&tok_, -1, 262, &len);
  EXPECT_EQ(len, 0u);
  piece = llmrt_tokenizer_decode(&tok_, -1, 0xC3, &len);
  EXPECT_EQ(std::string(piece, len), "\xC3");
}

TEST_F(ByteLevelTest, RefusesInvalidUtf8) {
  ASSERT_EQ(load(), LLM_OK);
  int32_t ids[8];
  int count = -1;
  EXPECT_EQ(llmrt_tokenizer_encode(&tok_, "a\xFF", 2, 0, ids, 8, &count), LLM_ERR_ARGUMENT);
}

TEST_F(ByteLevelTest, RefusesBadMergesAndFields) {
  char err[256];
  auto expect_error = [&](const char* phrase) {
    err[0] = '\0';
    EXPECT_EQ(load(err, sizeof err), LLM_ERR_FORMAT);
    EXPECT_NE(std::string(err).find(phrase), std::string::npos) << err;
  };
  TokenizerOptions good = options_;
  options_.merges.push_back({'a', 'c', 256});
  expect_error("merge 5: tokens 97 and 99 do not spell token 256");
  options_ = good;
  options_.merges.push_back({'b', 'c', 257});
  expect_error("merges 0 and 5 are of the same pair (98 + 99)");
  options_ = good;
  options_.merges.push_back({'a', 999, 256});
  expect_error("merge 5 names a token outside the vocabulary");
  options_ = good;
  options_.merges.push_back({261, 'a', 256});
  expect_error("is not of normal tokens");
  options_ = good;
  options_.pretokenizer = 7;
  expect_error("unknown model 1, pre-tokenizer 7");
  options_ = good;
  options_.dummy_prefix = LLMRT_DUMMY_PREFIX_ALWAYS;
  expect_error("a dummy prefix is for SentencePiece tokenizers");
  options_ = good;
  ASSERT_EQ(load(), LLM_OK);
  bytes_.resize(bytes_.size() - 1);
  llmrt_tokenizer t = {};
  EXPECT_EQ(llmrt_tokenizer_open_memory(bytes_.data(), bytes_.size(), "test", &t, err, sizeof err),
            LLM_ERR_FORMAT);
  EXPECT_NE(std::string(err).find("where 5 merges take 60"), std::string::npos) << err;
}

// SentencePiece-style with merge records and Metaspace's "first" prefix (tokenizer.json).
TEST(SentencePieceMergesTest, PrefixFirstUnlessSpace) {
  std::vector<TestToken> vocab = {{"<unk>", 0, LLMRT_TOKEN_UNKNOWN}, {"<s>", 0, LLMRT_TOKEN_CONTROL},
                                  {" ", 0, LLMRT_TOKEN_NORMAL},      {"a", 0, LLMRT_TOKEN_NORMAL},
                                  {" a", 0, LLMRT_TOKEN_NORMAL}};
  TokenizerOptions o;
  o.bos_id = 1;
  o.flags = LLMRT_TOKENIZER_PARSE_SPECIAL;
  o.dummy_prefix = LLMRT_DUMMY_PREFIX_FIRST_UNLESS_SPACE;
  o.merges = {{2, 3, 4}};
  std::vector<unsigned char> bytes = build_tokenizer_v2(vocab, o);
  llmrt_tokenizer tok = {};
  ASSERT_EQ(llmrt_tokenizer_open_memory(bytes.data(), bytes.size(), "t", &tok, nullptr, 0), LLM_OK);
  auto encode = [&](const std::string& text) {
    int32_t ids[16];
    int count = 0;
    EXPECT_EQ(llmrt_tokenizer_encode(&tok, text.data(), text.size(), 0, ids, 16, &count), LLM_OK);
    return std::vector<int32_t>(ids, ids + count);
  };
  EXPECT_EQ(encode("a"), (std::vector<int32_t>{4}));
  EXPECT_EQ(encode(" a"), (std::vector<int32_t>{4}));        // already starts with a space
  EXPECT_EQ(encode("a<s>a"), (std::vector<int32_t>{4, 1, 3}));  // only the first run
  EXPECT_EQ(encode("<unk>"), (std::vector<int32_t>{0}));
  llmrt_tokenizer_free(&tok);
}

}  // namespace
