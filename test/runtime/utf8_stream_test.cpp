// utf8_stream_test.cpp - llmrt_utf8_stream: token bytes to pieces that never end inside a UTF-8
// character, whichever way the tokens split the text; invalid bytes pass through unchanged.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/llmrt.h"

namespace {

struct Pieces {
  std::vector<std::string> list;
  std::string joined() const {
    std::string s;
    for (const std::string& p : list) s += p;
    return s;
  }
};

int collect(const char* text, size_t len, void* user_data) {
  static_cast<Pieces*>(user_data)->list.emplace_back(text, len);
  return 0;
}

// The pieces of `chunks` pushed in order, then flushed.
std::vector<std::string> stream(const std::vector<std::string>& chunks) {
  llmrt_utf8_stream s = {};
  Pieces out;
  for (const std::string& c : chunks) {
    EXPECT_TRUE(llmrt_utf8_stream_push(&s, c.data(), c.size(), collect, &out));
  }
  EXPECT_TRUE(llmrt_utf8_stream_flush(&s, collect, &out));
  return out.list;
}

// 1, 2, 3 and 4-byte characters and a combining mark (12 bytes: 2048 ways to cut them).
const std::string k_text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xCC\x81";

TEST(Utf8StreamTest, EverySplitOfValidTextGivesWholeCharactersAsSoonAsTheyAreComplete) {
  const size_t n = k_text.size();
  ASSERT_LT(n, 16u);
  // Every set of cut positions between the bytes: 2^(n-1) ways to split the text into chunks.
  for (uint32_t cuts = 0; cuts < (1u << (n - 1)); ++cuts) {
    llmrt_utf8_stream s = {};
    Pieces out;
    size_t start = 0;
    for (size_t end = 1; end <= n; ++end) {
      if (end < n && (cuts & (1u << (end - 1))) == 0) continue;
      ASSERT_TRUE(llmrt_utf8_stream_push(&s, k_text.data() + start, end - start, collect, &out));
      start = end;
      // What went out: the bytes pushed so far, but for a character still incomplete.
      const std::string sent = out.joined();
      ASSERT_EQ(sent, k_text.substr(0, llmrt_utf8_valid_prefix(k_text.data(), end)))
          << "cuts " << cuts << " after byte " << end;
    }
    for (const std::string& piece : out.list) {
      ASSERT_FALSE(piece.empty());
      ASSERT_EQ(llmrt_utf8_valid_prefix(piece.data(), piece.size()), piece.size()) << cuts;
    }
    ASSERT_TRUE(llmrt_utf8_stream_flush(&s, collect, &out));
    ASSERT_EQ(out.joined(), k_text);
  }
}

TEST(Utf8StreamTest, InvalidBytesPassThroughAsSoonAsTheyAreKnownInvalid) {
  using V = std::vector<std::string>;
  // A stray continuation byte, and bytes that never start a character (C0, C1, F5..FF).
  EXPECT_EQ(stream({"\x80", "a", "\xC0\xAF", "\xFF"}), (V{"\x80", "a", "\xC0\xAF", "\xFF"}));
  // A character cut short by an ASCII byte: the held bytes go out as they are, then the rest.
  EXPECT_EQ(stream({"\xE2", "\x82", "b"}), (V{"\xE2\x82", "b"}));
  EXPECT_EQ(stream({"\xE2\x82" "b"}), (V{"\xE2\x82" "b"}));
  // A surrogate (ED A0..), an overlong form (E0 80..) and a code point above U+10FFFF (F4 90..)
  // are invalid from their second byte on.
  EXPECT_EQ(stream({"\xED", "\xA0\x80"}), (V{"\xED", "\xA0\x80"}));
  EXPECT_EQ(stream({"\xE0", "\x80", "\x80"}), (V{"\xE0", "\x80", "\x80"}));
  EXPECT_EQ(stream({"\xF4", "\x90\x80\x80"}), (V{"\xF4", "\x90\x80\x80"}));
  // A held lead byte followed by another lead: the first passes through, the second is held.
  EXPECT_EQ(stream({"\xC3", "\xE2", "\x82\xAC"}), (V{"\xC3", "\xE2\x82\xAC"}));
  // Valid text after invalid bytes in one chunk, with a character held at its end.
  EXPECT_EQ(stream({"\xFFx\xC3", "\xA9"}), (V{"\xFFx", "\xC3\xA9"}));
}

TEST(Utf8StreamTest, FlushPassesOnAnIncompleteCharacterAtTheEnd) {
  llmrt_utf8_stream s = {};
  Pieces out;
  ASSERT_TRUE(llmrt_utf8_stream_push(&s, "a\xF0\x9F\x98", 4, collect, &out));
  EXPECT_EQ(out.list, (std::vector<std::string>{"a"}));
  ASSERT_TRUE(llmrt_utf8_stream_flush(&s, collect, &out));
  EXPECT_EQ(out.list, (std::vector<std::string>{"a", "\xF0\x9F\x98"}));
  ASSERT_TRUE(llmrt_utf8_stream_flush(&s, collect, &out));  // nothing held: no empty piece
  EXPECT_EQ(out.list.size(), 2u);
}

TEST(Utf8StreamTest, StopsWhenTheCallbackSaysSo) {
  llmrt_utf8_stream s = {};
  auto stop = [](const char*, size_t, void* calls) { return ++*static_cast<int*>(calls); };
  int calls = 0;
  EXPECT_FALSE(llmrt_utf8_stream_push(&s, "ab", 2, stop, &calls));
  EXPECT_EQ(calls, 1);
}

}  // namespace
