/* c_api_from_c.c - runtime/llm.h used from C (C99, -Wall -Wextra -pedantic -Werror): the header
 * must stay valid C, and its runtime functions callable from C. Called by status_test.cpp and
 * tokenizer_test.cpp. */
#include <string.h>

#include "runtime/llm.h"

const char* c_api_status_string(int status) { return llm_status_string((llm_status)status); }

/* The number of tokens `text` needs with BOS, asked the C way: capacity 0, then a buffer. */
int c_api_token_count(llm_tokenizer* tokenizer, const char* text) {
  size_t len = strlen(text);
  int needed = 0;
  int32_t ids[64]; /* (needed) */
  if (llm_tokenize(tokenizer, text, len, 1, NULL, 0, &needed) != LLM_ERR_ARGUMENT) return -1;
  if (needed > 64 || llm_tokenize(tokenizer, text, len, 1, ids, needed, &needed) != LLM_OK) {
    return -1;
  }
  return needed;
}
