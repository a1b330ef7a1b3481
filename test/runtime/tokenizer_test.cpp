// tokenizer_test.cpp - tokenizer.bin loading, decoding rules and BPE encoding, on a hand-made
// vocabulary and on llama2.c's real tok512.bin (stories260K); and the C API over them
// (llm_tokenizer_open*, llm_tokenize, llm_token_to_bytes), also from C.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llm.h"
#include "runtime/llmrt.h"
#include "test/runtime/alloc_counter.h"
#include "test/runtime/test_util.h"

extern "C" int c_api_token_count(llm_tokenizer* tokenizer, const char* text);  // c_api_from_c.c

#ifndef LLMC_SOURCE_DIR
#define LLMC_SOURCE_DIR "."
#endif

namespace {

using llmrt_test::build_tokenizer;
using llmrt_test::small_vocab;
using llmrt_test::temp_path;
using llmrt_test::TestToken;
using llmrt_test::write_file;

const uint32_t N = LLMRT_TOKEN_NORMAL;
const uint32_t B = LLMRT_TOKEN_BYTE;
const uint32_t C = LLMRT_TOKEN_CONTROL;
const uint32_t U = LLMRT_TOKEN_UNKNOWN;

class TokenizerTest : public ::testing::Test {
 protected:
  void load(const std::vector<TestToken>& vocab, int32_t bos, int32_t eos, uint32_t flags) {
    llmrt_tokenizer_free(&tok_);
    path_ = temp_path("tokenizer.bin");
    write_file(path_, build_tokenizer(vocab, bos, eos, flags));
    ASSERT_EQ(llmrt_tokenizer_load(path_.c_str(), &tok_, err_, sizeof(err_)), LLM_OK) << err_;
  }
  std::vector<int32_t> encode(const char* text, int add_bos) {
    std::vector<int32_t> ids(std::strlen(text) + 2);
    int count = -1;
    llm_status s =
        llmrt_tokenizer_encode(&tok_, text, std::strlen(text), add_bos, ids.data(),
                               static_cast<int>(ids.size()), &count);
    EXPECT_EQ(s, LLM_OK);
    ids.resize(count < 0 ? 0 : static_cast<size_t>(count));
    return ids;
  }
  std::string decode(int32_t prev, int32_t token) {
    size_t len = 99;
    const char* s = llmrt_tokenizer_decode(&tok_, prev, token, &len);
    return std::string(s, len);
  }
  std::string decode_all(const std::vector<int32_t>& ids) {
    std::string text;
    int32_t prev = -1;
    for (int32_t id : ids) {
      text += decode(prev, id);
      prev = id;
    }
    return text;
  }
  void TearDown() override {
    llmrt_tokenizer_free(&tok_);
    if (!path_.empty()) std::remove(path_.c_str());
  }

  std::string path_;
  llmrt_tokenizer tok_ = {};
  char err_[512] = {};
};

TEST_F(TokenizerTest, LoadsHeaderAndIndexes) {
  load(small_vocab(), 1, 2, LLMRT_TOKENIZER_ADD_DUMMY_PREFIX);
  EXPECT_EQ(tok_.vocab_size, 274u);
  EXPECT_EQ(tok_.bos_id, 1);
  EXPECT_EQ(tok_.eos_id, 2);
  EXPECT_EQ(tok_.unk_id, 0);
  EXPECT_EQ(tok_.max_token_bytes, 6u);
  EXPECT_EQ(tok_.byte_ids[0x00], 3);
  EXPECT_EQ(tok_.byte_ids[0xFF], 258);
  EXPECT_EQ(llmrt_tokenizer_lookup(&tok_, "abc", 3, N), 266);
  EXPECT_EQ(llmrt_tokenizer_lookup(&tok_, "ab", 2, N), 264);
  EXPECT_EQ(llmrt_tokenizer_lookup(&tok_, "abcd", 4, N), -1);
  EXPECT_EQ(llmrt_tokenizer_lookup(&tok_, "<s>", 3, N), -1);
  EXPECT_EQ(llmrt_tokenizer_lookup(&tok_, "<s>", 3, C), 1);
  EXPECT_EQ(llmrt_tokenizer_lookup(&tok_, "", 0, N), -1);
  for (uint32_t i = 1; i < tok_.vocab_size; ++i) {  // sorted_ids is a sorted permutation
    int32_t a = tok_.sorted_ids[i - 1];
    int32_t b = tok_.sorted_ids[i];
    std::string pa(tok_.pieces[a], tok_.piece_lengths[a]);
    std::string pb(tok_.pieces[b], tok_.piece_lengths[b]);
    EXPECT_TRUE(pa < pb || (pa == pb && a < b)) << i;
  }
}

TEST_F(TokenizerTest, MergesBestScoreFirst) {
  load(small_vocab(), 1, 2, 0);
  // a b c -> a bc (5) -> abc (4); "ab" (3) never forms.
  EXPECT_EQ(encode("abc", 0), (std::vector<int32_t>{266}));
  EXPECT_EQ(encode("abc", 1), (std::vector<int32_t>{1, 266}));
  // a a a: equal scores merge leftmost first.
  EXPECT_EQ(encode("aaa", 0), (std::vector<int32_t>{267, 260}));
  EXPECT_EQ(encode("ba", 0), (std::vector<int32_t>{261, 260}));
}

TEST_F(TokenizerTest, AddsDummyPrefix) {
  load(small_vocab(), 1, 2, LLMRT_TOKENIZER_ADD_DUMMY_PREFIX);
  // ' ' a b c -> ' ' a bc -> ' ' abc -> ' abc' (6)
  EXPECT_EQ(encode("abc", 1), (std::vector<int32_t>{1, 273}));
  // ' ' a a -> ' a' (1) vs aa (2): aa first.
  EXPECT_EQ(encode("aa", 0), (std::vector<int32_t>{259, 267}));
  // No prefix for empty text.
  EXPECT_EQ(encode("", 1), (std::vector<int32_t>{1}));
  EXPECT_EQ(encode("", 0), (std::vector<int32_t>{}));
}

TEST_F(TokenizerTest, FallsBackToBytes) {
  load(small_vocab(), 1, 2, 0);
  // "é" has a piece; "ü" (C3 BC) and the 4-byte emoji do not.
  EXPECT_EQ(encode("\xC3\xA9", 0), (std::vector<int32_t>{272}));
  EXPECT_EQ(encode("a\xC3\xBC" "b", 0), (std::vector<int32_t>{260, 3 + 0xC3, 3 + 0xBC, 261}));
  EXPECT_EQ(encode("\xF0\x9F\x99\x82", 0),
            (std::vector<int32_t>{3 + 0xF0, 3 + 0x9F, 3 + 0x99, 3 + 0x82}));
  // A stray continuation byte is its own character.
  EXPECT_EQ(encode("\xA9" "a", 0), (std::vector<int32_t>{3 + 0xA9, 260}));
  // Bytes round-trip through decode.
  EXPECT_EQ(decode_all(encode("a\xC3\xBC\xF0\x9F\x99\x82", 0)), "a\xC3\xBC\xF0\x9F\x99\x82");
}

TEST_F(TokenizerTest, ByteFallbackWithoutByteTokensUsesIdPlusThree) {
  std::vector<TestToken> v = {{"<unk>", 0, U}, {"<s>", 0, C}, {"</s>", 0, C}};
  for (int i = 0; i < 10; ++i) v.push_back({"x" + std::to_string(i), 0, N});
  load(v, 1, 2, 0);
  EXPECT_EQ(tok_.byte_ids[0x00], 3);
  EXPECT_EQ(tok_.byte_ids[0x09], 12);
  EXPECT_EQ(tok_.byte_ids[0x0A], -1);  // 13 is outside the vocabulary
  EXPECT_EQ(encode("\x01", 0), (std::vector<int32_t>{4}));
  EXPECT_EQ(encode("\x41", 0), (std::vector<int32_t>{0}));  // no token: <unk>
}

TEST_F(TokenizerTest, NeverMergesIntoControlPieces) {
  load(small_vocab(), 1, 2, 0);
  EXPECT_EQ(encode("<s>", 0), (std::vector<int32_t>{268, 271}));
}

TEST_F(TokenizerTest, ReportsShortOutputBuffer) {
  load(small_vocab(), 1, 2, 0);
  int32_t ids[2] = {-1, -1};
  int count = 0;
  EXPECT_EQ(llmrt_tokenizer_encode(&tok_, "aaaa b", 6, 1, ids, 2, &count), LLM_ERR_ARGUMENT);
  EXPECT_EQ(count, 5);  // <s> aa aa ' ' b
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(ids[1], 267);
  EXPECT_EQ(llmrt_tokenizer_encode(&tok_, nullptr, 0, 1, ids, 2, &count), LLM_ERR_ARGUMENT);
}

TEST_F(TokenizerTest, DecodeRules) {
  load(small_vocab(), 1, 2, LLMRT_TOKENIZER_ADD_DUMMY_PREFIX);
  EXPECT_EQ(decode(-1, 265), " a");
  EXPECT_EQ(decode(1, 265), "a");         // the space after BOS is SentencePiece's prefix
  EXPECT_EQ(decode(260, 265), " a");
  EXPECT_EQ(decode(1, 260), "a");
  EXPECT_EQ(decode(260, 1), "");          // control
  EXPECT_EQ(decode(260, 2), "");
  EXPECT_EQ(decode(260, 0), "<unk>");     // unknown: its piece
  EXPECT_EQ(decode(260, 3 + 'A'), "A");   // byte
  EXPECT_EQ(decode(1, 3 + ' '), " ");     // a byte token keeps its space after BOS
  EXPECT_EQ(decode(260, 3 + 0), std::string(1, '\0'));
  EXPECT_EQ(decode(260, 274), "");        // out of range
  EXPECT_EQ(decode(260, -5), "");
  EXPECT_EQ(decode_all(encode("abc aa", 1)), "abc aa");
}

TEST_F(TokenizerTest, IdsOnlyTokenizerRefusesText) {
  // What llmc writes for a model compiled without a tokenizer: placeholder pieces.
  load(small_vocab(), 1, 2, LLMRT_TOKENIZER_IDS_ONLY);
  int32_t ids[8];
  int count = -1;
  EXPECT_EQ(llmrt_tokenizer_encode(&tok_, "abc", 3, 1, ids, 8, &count), LLM_ERR_NO_TOKENIZER);
  EXPECT_EQ(count, 0);
  // BOS alone (llm-run's default prompt) needs no text.
  EXPECT_EQ(encode("", 1), (std::vector<int32_t>{1}));
  EXPECT_EQ(decode(-1, 260), "a");
}

TEST_F(TokenizerTest, RejectsCorruptFiles) {
  std::vector<unsigned char> good = build_tokenizer(small_vocab(), 1, 2, 0);
  path_ = temp_path("tokenizer.bin");
  auto expect_error = [&](const std::vector<unsigned char>& bytes, const char* phrase) {
    write_file(path_, bytes);
    char err[512] = {};
    llmrt_tokenizer t;
    EXPECT_EQ(llmrt_tokenizer_load(path_.c_str(), &t, err, sizeof(err)), LLM_ERR_FORMAT);
    EXPECT_NE(std::strstr(err, path_.c_str()), nullptr) << err;
    EXPECT_NE(std::strstr(err, phrase), nullptr) << "message: " << err << "\nwanted: " << phrase;
    EXPECT_EQ(t.data, nullptr);
  };
  std::vector<unsigned char> bad = good;
  bad[0] = 'X';
  expect_error(bad, "bad magic (not an llmc tokenizer)");
  bad = good;
  bad[8] = 9;
  expect_error(bad, "unsupported version 9");
  bad = good;
  bad[28] = 4;  // flags: a bit this runtime does not know
  expect_error(bad, "unknown flags 0x4");
  bad = good;
  bad.resize(good.size() - 1);
  expect_error(bad, "truncated");
  bad = good;
  bad.push_back(0);
  expect_error(bad, "1 unexpected bytes after the last token");
  bad = good;
  bad.resize(20);
  expect_error(bad, "too small for a header");
  expect_error(build_tokenizer(small_vocab(), 274, 2, 0), "bos_id 274");
  std::vector<TestToken> v = small_vocab();
  v[5].piece = "<0xZZ>";
  expect_error(build_tokenizer(v, 1, 2, 0), "byte token 5 is not of the form <0xNN>");
  v = small_vocab();
  v[260].type = 9;
  expect_error(build_tokenizer(v, 1, 2, 0), "token 260 has unknown type 9");
  bad = good;
  bad[24] = 2;  // max_token_bytes 6 -> 2
  expect_error(bad, "token 0 is 5 bytes but the header says the longest is 2");
  // A longest piece larger than the file would size the index by it (gigabytes) before any
  // record is read (found by fuzz_tokenizer).
  bad = good;
  const uint32_t huge = 0xF0000000u;
  std::memcpy(&bad[24], &huge, sizeof(huge));
  expect_error(bad, "max_token_bytes 4026531840 does not fit in");
}

// ---- llama2.c's tok512.bin ------------------------------------------------------------------

// Converts a llama2.c tokenizer.bin (int max_token_length, then per token: float score, int len,
// bytes) to an llmc tokenizer.bin: "<0xNN>" pieces are byte tokens, ids 0..2 are <unk>, <s>, </s>.
bool convert_llama2c(const std::string& path, std::vector<unsigned char>* out) {
  std::vector<unsigned char> in = llmrt_test::read_file(path);
  if (in.size() < 4) return false;
  std::vector<TestToken> vocab;
  size_t pos = 4;
  while (pos < in.size()) {
    float score;
    int32_t len;
    if (in.size() - pos < 8) return false;
    std::memcpy(&score, in.data() + pos, 4);
    std::memcpy(&len, in.data() + pos + 4, 4);
    pos += 8;
    if (len < 0 || in.size() - pos < static_cast<size_t>(len)) return false;
    std::string piece(reinterpret_cast<const char*>(in.data()) + pos, static_cast<size_t>(len));
    pos += static_cast<size_t>(len);
    unsigned byte_value;
    char tail;
    uint32_t type = N;
    if (vocab.size() == 0) {
      type = U;
    } else if (vocab.size() <= 2) {
      type = C;
    } else if (piece.size() == 6 && std::sscanf(piece.c_str(), "<0x%2X%c", &byte_value, &tail) == 2 &&
               tail == '>') {
      type = B;
    }
    vocab.push_back({piece, score, type});
  }
  *out = build_tokenizer(vocab, 1, 2, LLMRT_TOKENIZER_ADD_DUMMY_PREFIX);
  return true;
}

class Tok512Test : public TokenizerTest {
 protected:
  void SetUp() override {
    std::vector<unsigned char> bytes;
    ASSERT_TRUE(convert_llama2c(LLMC_SOURCE_DIR "/models/stories260K/tok512.bin", &bytes));
    path_ = temp_path("tok512.llmc.bin");
    write_file(path_, bytes);
    ASSERT_EQ(llmrt_tokenizer_load(path_.c_str(), &tok_, err_, sizeof(err_)), LLM_OK) << err_;
  }
};

// Expected ids from test/runtime/llama2c_encode.py, an independent Python re-implementation of
// llama2.c's encode() run on the original tok512.bin.
TEST_F(Tok512Test, EncodesLikeLlama2c) {
  EXPECT_EQ(tok_.vocab_size, 512u);
  EXPECT_EQ(tok_.byte_ids[0x0A], 3 + 0x0A);
  EXPECT_EQ(encode("Once upon a time", 1), (std::vector<int32_t>{1, 403, 407, 261, 378}));
  EXPECT_EQ(encode("Hello, world!", 1),
            (std::vector<int32_t>{1, 346, 306, 414, 432, 263, 304, 341, 443}));
  EXPECT_EQ(encode("The caf\xC3\xA9 \xF0\x9F\x99\x82", 1),
            (std::vector<int32_t>{1, 291, 280, 412, 431, 485, 410, 243, 162, 156, 133}));
  EXPECT_EQ(encode("", 1), (std::vector<int32_t>{1}));
}

TEST_F(Tok512Test, DecodesWhatItEncodes) {
  for (const char* text : {"Once upon a time", "Hello, world!", "The caf\xC3\xA9 \xF0\x9F\x99\x82",
                           "Tom and Lily went to the park.\nThey played."}) {
    EXPECT_EQ(decode_all(encode(text, 1)), text);
  }
  EXPECT_EQ(decode(1, 403), "Once");
  EXPECT_EQ(decode(403, 407), " upon");
}

// ---- the C API ------------------------------------------------------------------------------

// tok512 through llm_tokenizer_open (from a file) or llm_tokenizer_open_memory.
class TokenizerApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(convert_llama2c(LLMC_SOURCE_DIR "/models/stories260K/tok512.bin", &bytes_));
    path_ = temp_path("tok512.llmc.bin");
    write_file(path_, bytes_);
  }
  void TearDown() override {
    llm_tokenizer_close(tok_);
    std::remove(path_.c_str());
  }
  std::vector<int32_t> tokenize(const char* text, size_t len, int add_bos) {
    std::vector<int32_t> ids(len + 2);
    int needed = -1;
    EXPECT_EQ(llm_tokenize(tok_, text, len, add_bos, ids.data(), static_cast<int>(ids.size()),
                           &needed),
              LLM_OK);
    ids.resize(needed < 0 ? 0 : static_cast<size_t>(needed));
    return ids;
  }
  std::vector<int32_t> tokenize(const char* text) { return tokenize(text, std::strlen(text), 1); }
  std::string to_text(const std::vector<int32_t>& ids) {
    std::string text;
    int32_t prev = -1;
    for (int32_t id : ids) {
      size_t len = 99;
      const char* bytes = llm_token_to_bytes(tok_, prev, id, &len);
      text.append(bytes, len);
      prev = id;
    }
    return text;
  }
  // The reference ids of Tok512Test.EncodesLikeLlama2c, and the round trip back to text.
  void expect_like_llama2c() {
    EXPECT_EQ(llm_tokenizer_vocab_size(tok_), 512);
    EXPECT_EQ(llm_tokenizer_bos(tok_), 1);
    EXPECT_EQ(llm_tokenizer_eos(tok_), 2);
    EXPECT_EQ(tokenize("Once upon a time"), (std::vector<int32_t>{1, 403, 407, 261, 378}));
    EXPECT_EQ(tokenize("Hello, world!"),
              (std::vector<int32_t>{1, 346, 306, 414, 432, 263, 304, 341, 443}));
    EXPECT_EQ(tokenize("The caf\xC3\xA9 \xF0\x9F\x99\x82"),
              (std::vector<int32_t>{1, 291, 280, 412, 431, 485, 410, 243, 162, 156, 133}));
    EXPECT_EQ(tokenize(""), (std::vector<int32_t>{1}));
    for (const char* text : {"Once upon a time", "The caf\xC3\xA9 \xF0\x9F\x99\x82",
                             "Tom and Lily went to the park.\nThey played."}) {
      EXPECT_EQ(to_text(tokenize(text)), text);
    }
  }

  std::vector<unsigned char> bytes_;  // tok512 as an llmc tokenizer.bin
  std::string path_;
  llm_tokenizer* tok_ = nullptr;
  char err_[512] = {};
};

TEST_F(TokenizerApiTest, OpensAFileAndEncodesLikeLlama2c) {
  ASSERT_EQ(llm_tokenizer_open(path_.c_str(), &tok_, err_, sizeof(err_)), LLM_OK) << err_;
  expect_like_llama2c();
}

TEST_F(TokenizerApiTest, OpensBytesInMemoryAtAnyAlignment) {
  std::vector<unsigned char> shifted(bytes_.size() + 1);
  std::memcpy(shifted.data() + 1, bytes_.data(), bytes_.size());
  ASSERT_EQ(llm_tokenizer_open_memory(shifted.data() + 1, bytes_.size(), &tok_, err_, sizeof(err_)),
            LLM_OK)
      << err_;
  expect_like_llama2c();
  // Pieces point into the caller's bytes: nothing was copied.
  size_t len = 0;
  const char* once = llm_token_to_bytes(tok_, 1, 403, &len);
  EXPECT_GE(once, reinterpret_cast<const char*>(shifted.data()));
  EXPECT_LT(once, reinterpret_cast<const char*>(shifted.data() + shifted.size()));
}

TEST_F(TokenizerApiTest, DecodesOneTokenAfterAnother) {
  ASSERT_EQ(llm_tokenizer_open(path_.c_str(), &tok_, err_, sizeof(err_)), LLM_OK) << err_;
  size_t len = 99;
  EXPECT_EQ(std::string(llm_token_to_bytes(tok_, 1, 403, &len), len), "Once");  // after BOS
  EXPECT_EQ(std::string(llm_token_to_bytes(tok_, 403, 407, &len), len), " upon");
  EXPECT_EQ(std::string(llm_token_to_bytes(tok_, -1, 407, &len), len), " upon");
  EXPECT_EQ(std::string(llm_token_to_bytes(tok_, 403, 3 + 'A', &len), len), "A");  // <0x41>
  llm_token_to_bytes(tok_, 403, 2, &len);  // EOS: a control token
  EXPECT_EQ(len, 0u);
  llm_token_to_bytes(tok_, 403, 512, &len);  // out of range
  EXPECT_EQ(len, 0u);
}

TEST_F(TokenizerApiTest, TakesTheTextLengthItIsGiven) {
  ASSERT_EQ(llm_tokenizer_open(path_.c_str(), &tok_, err_, sizeof(err_)), LLM_OK) << err_;
  EXPECT_EQ(tokenize("Once upon a time", 4, 1), (std::vector<int32_t>{1, 403}));  // "Once"
  EXPECT_EQ(tokenize("Once upon a time", 16, 0), (std::vector<int32_t>{403, 407, 261, 378}));
  // A NUL inside the given length is text like any byte: <0x00> is token 3.
  std::vector<int32_t> ids = tokenize("a\0b", 3, 0);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 3), 1) << ::testing::PrintToString(ids);
  EXPECT_EQ(to_text(ids), std::string(" a\0b", 4));  // with the dummy prefix
}

TEST_F(TokenizerApiTest, ReportsTheCountItNeeds) {
  ASSERT_EQ(llm_tokenizer_open(path_.c_str(), &tok_, err_, sizeof(err_)), LLM_OK) << err_;
  const char* text = "Once upon a time";
  int needed = -1;
  EXPECT_EQ(llm_tokenize(tok_, text, 16, 1, nullptr, 0, &needed), LLM_ERR_ARGUMENT);
  EXPECT_EQ(needed, 5);
  int32_t ids[5] = {-1, -1, -1, -1, -1};
  EXPECT_EQ(llm_tokenize(tok_, text, 16, 1, ids, 3, &needed), LLM_ERR_ARGUMENT);
  EXPECT_EQ(needed, 5);
  EXPECT_EQ(ids[2], 407);  // the first 3 are written
  EXPECT_EQ(ids[3], -1);
  EXPECT_EQ(llm_tokenize(tok_, text, 16, 1, ids, 5, &needed), LLM_OK);
  EXPECT_EQ(needed, 5);
  EXPECT_EQ(ids[4], 378);
  EXPECT_EQ(c_api_token_count(tok_, text), 5);  // the same from C
}

TEST_F(TokenizerApiTest, RefusesBadArguments) {
  EXPECT_EQ(llm_tokenizer_open(nullptr, &tok_, err_, sizeof(err_)), LLM_ERR_ARGUMENT);
  EXPECT_STREQ(err_, "llm_tokenizer_open: path is NULL");
  EXPECT_EQ(llm_tokenizer_open(path_.c_str(), nullptr, err_, sizeof(err_)), LLM_ERR_ARGUMENT);
  EXPECT_STREQ(err_, "llm_tokenizer_open: out_tokenizer is NULL");
  EXPECT_EQ(llm_tokenizer_open_memory(nullptr, 100, &tok_, err_, sizeof(err_)), LLM_ERR_ARGUMENT);
  EXPECT_STREQ(err_, "tokenizer in memory: the tokenizer pointer is NULL");
  EXPECT_EQ(tok_, nullptr);
  int needed = -1;
  int32_t ids[4];
  EXPECT_EQ(llm_tokenize(nullptr, "a", 1, 1, ids, 4, &needed), LLM_ERR_ARGUMENT);
  EXPECT_EQ(needed, 0);
  ASSERT_EQ(llm_tokenizer_open(path_.c_str(), &tok_, err_, sizeof(err_)), LLM_OK) << err_;
  EXPECT_EQ(llm_tokenize(tok_, nullptr, 0, 1, ids, 4, &needed), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_tokenize(tok_, "a", 1, 1, ids, -1, &needed), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_tokenize(tok_, "a", 1, 1, nullptr, 4, &needed), LLM_ERR_ARGUMENT);
  EXPECT_EQ(llm_tokenize(tok_, "a", 1, 1, ids, 4, nullptr), LLM_ERR_ARGUMENT);
  // A NULL tokenizer has nothing in it.
  EXPECT_EQ(llm_tokenizer_vocab_size(nullptr), 0);
  EXPECT_EQ(llm_tokenizer_eos(nullptr), -1);
  size_t len = 99;
  EXPECT_STREQ(llm_token_to_bytes(nullptr, -1, 5, &len), "");
  EXPECT_EQ(len, 0u);
  llm_tokenizer_close(nullptr);
}

TEST_F(TokenizerApiTest, RefusesMissingAndCorruptTokenizers) {
  std::string missing = temp_path("missing.bin");
  EXPECT_EQ(llm_tokenizer_open(missing.c_str(), &tok_, err_, sizeof(err_)), LLM_ERR_IO);
  EXPECT_NE(std::strstr(err_, "cannot open"), nullptr) << err_;
  EXPECT_EQ(tok_, nullptr);
  std::vector<unsigned char> bad = bytes_;
  bad[1] = 'X';
  EXPECT_EQ(llm_tokenizer_open_memory(bad.data(), bad.size(), &tok_, err_, sizeof(err_)),
            LLM_ERR_FORMAT);
  EXPECT_STREQ(err_, "tokenizer in memory: bad magic (not an llmc tokenizer)");
  EXPECT_EQ(llm_tokenizer_open_memory(bytes_.data(), 20, &tok_, err_, sizeof(err_)),
            LLM_ERR_FORMAT);
  EXPECT_STREQ(err_, "tokenizer in memory: blob is 20 bytes, too small for a header (not an llmc "
                     "tokenizer)");
  EXPECT_EQ(llm_tokenizer_open_memory(bytes_.data(), bytes_.size() - 1, &tok_, err_, sizeof(err_)),
            LLM_ERR_FORMAT);
  EXPECT_NE(std::strstr(err_, "truncated"), nullptr) << err_;
  EXPECT_EQ(tok_, nullptr);
}

TEST_F(TokenizerApiTest, TextTheVocabularyCannotSpellIsAFormatError) {
  // No byte tokens, no <unk>: 'z' has no token at all.
  std::vector<TestToken> v = {{"<s>", 0, C}, {"</s>", 0, C}, {"a", 0, N}};
  std::vector<unsigned char> bytes = build_tokenizer(v, 0, 1, 0);
  ASSERT_EQ(llm_tokenizer_open_memory(bytes.data(), bytes.size(), &tok_, err_, sizeof(err_)),
            LLM_OK)
      << err_;
  int needed = -1;
  int32_t ids[8];
  EXPECT_EQ(llm_tokenize(tok_, "aa", 2, 1, ids, 8, &needed), LLM_OK);
  EXPECT_EQ(needed, 3);
  EXPECT_EQ(llm_tokenize(tok_, "az", 2, 1, ids, 8, &needed), LLM_ERR_FORMAT);
}

TEST_F(TokenizerApiTest, OpeningAllocatesThreeBlocks) {
  if (!llmrt_test::can_count_allocations()) GTEST_SKIP() << "no allocation counter here";
  long from_file = -1;
  long from_memory = -1;
  llm_tokenizer* in_memory = nullptr;
  {
    llmrt_test::CountAllocations counter;
    ASSERT_EQ(llm_tokenizer_open(path_.c_str(), &tok_, err_, sizeof(err_)), LLM_OK) << err_;
    from_file = counter.count();
  }
  {
    llmrt_test::CountAllocations counter;
    ASSERT_EQ(llm_tokenizer_open_memory(bytes_.data(), bytes_.size(), &in_memory, err_,
                                        sizeof(err_)),
              LLM_OK)
        << err_;
    from_memory = counter.count();
  }
  llm_tokenizer_close(in_memory);
  // The handle, the index (pieces, lengths, types, scores, sorted ids, pair buffer) and encode's
  // working memory; the file itself is mapped.
  EXPECT_EQ(from_file, 3);
  EXPECT_EQ(from_memory, 3);
}

TEST_F(TokenizerApiTest, EncodingAndDecodingAllocateNothing) {
  if (!llmrt_test::can_count_allocations()) GTEST_SKIP() << "no allocation counter here";
  ASSERT_EQ(llm_tokenizer_open(path_.c_str(), &tok_, err_, sizeof(err_)), LLM_OK) << err_;
  std::string story;
  while (story.size() < 1000) story += "Tom and Lily went to the park. They played. ";
  story.resize(1000);  // within the 1022 bytes the tokenizer starts with room for
  std::string longer(5000, 'a');
  std::vector<int32_t> ids(6000);
  int needed = 0;
  auto tokenize_all = [&] {
    for (const std::string* text : {&story, &story}) {
      llm_tokenize(tok_, text->data(), text->size(), 1, ids.data(), 6000, &needed);
    }
    llm_tokenize(tok_, "Once upon a time", 16, 1, nullptr, 0, &needed);  // size query
    size_t len = 0;
    for (int32_t id = 0; id < 512; ++id) llm_token_to_bytes(tok_, 1, id, &len);
  };
  long short_texts = -1;
  long first_long = -1;
  long long_again = -1;
  {
    llmrt_test::CountAllocations counter;
    tokenize_all();
    short_texts = counter.count();
  }
  {
    llmrt_test::CountAllocations counter;
    llm_tokenize(tok_, longer.data(), longer.size(), 1, ids.data(), 6000, &needed);
    first_long = counter.count();
  }
  {
    llmrt_test::CountAllocations counter;
    llm_tokenize(tok_, longer.data(), longer.size(), 1, ids.data(), 6000, &needed);
    tokenize_all();
    long_again = counter.count();
  }
  EXPECT_EQ(short_texts, 0);
  EXPECT_EQ(first_long, 1);  // the working memory grows once to fit 5002 tokens...
  EXPECT_EQ(long_again, 0);  // ...and stays
  // The text is still encoded right after the growth.
  EXPECT_EQ(tokenize("Once upon a time"), (std::vector<int32_t>{1, 403, 407, 261, 378}));
}

}  // namespace
