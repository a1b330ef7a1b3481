// status_test.cpp - llm_status_string: a fixed name per status, and a name for any other value;
// also from C (c_api_from_c.c).
#include <cstring>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "runtime/llm.h"

extern "C" const char* c_api_status_string(int status);  // c_api_from_c.c

namespace {

TEST(StatusStringTest, NamesEveryStatus) {
  EXPECT_STREQ(llm_status_string(LLM_OK), "ok");
  EXPECT_STREQ(llm_status_string(LLM_ERR_IO), "I/O error");
  EXPECT_STREQ(llm_status_string(LLM_ERR_FORMAT), "bad file format");
  EXPECT_STREQ(llm_status_string(LLM_ERR_ARGUMENT), "bad argument");
  EXPECT_STREQ(llm_status_string(LLM_ERR_NO_MEMORY), "out of memory");
  EXPECT_STREQ(llm_status_string(LLM_ERR_CONTEXT_FULL), "context full");
  EXPECT_STREQ(llm_status_string(LLM_ERR_UNSUPPORTED), "unsupported CPU");
  EXPECT_STREQ(llm_status_string(LLM_ERR_NO_TOKENIZER), "no tokenizer");
  EXPECT_STREQ(llm_status_string(LLM_ERR_NO_CHAT_TEMPLATE), "no chat template");
}

TEST(StatusStringTest, EveryStatusHasItsOwnName) {
  std::set<std::string> names;
  for (int s = LLM_OK; s <= LLM_ERR_NO_CHAT_TEMPLATE; ++s) {
    const char* name = llm_status_string(static_cast<llm_status>(s));
    ASSERT_NE(name, nullptr) << s;
    EXPECT_STRNE(name, "unknown status") << s;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(LLM_ERR_NO_CHAT_TEMPLATE) + 1);
}

// From C: there an llm_status holds any value of its integer type, while a C++ cast of one outside
// the enumerators' range is undefined.
TEST(StatusStringTest, UnknownValuesGetAName) {
  for (int s : {-1, LLM_ERR_NO_CHAT_TEMPLATE + 1, 99, 1 << 30}) {
    const char* name = c_api_status_string(s);
    ASSERT_NE(name, nullptr) << s;
    EXPECT_STREQ(name, "unknown status") << s;
  }
  // The same pointer every time: a fixed string, not a buffer that a later call rewrites.
  EXPECT_EQ(llm_status_string(LLM_ERR_IO), llm_status_string(LLM_ERR_IO));
}

TEST(StatusStringTest, CallableFromC) {
  EXPECT_STREQ(c_api_status_string(LLM_ERR_FORMAT), "bad file format");
  EXPECT_STREQ(c_api_status_string(42), "unknown status");
}

}  // namespace
