/* c_api_from_c.c - runtime/llm.h used from C (C99, -Wall -Wextra -pedantic -Werror): the header
 * must stay valid C, and its runtime functions callable from C. Called by status_test.cpp,
 * tokenizer_test.cpp and sampler_steps_test.cpp. */
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

/* llm_sampler_params the C ways: a designated initialiser, which -Wextra accepts, and the
 * defaults. Returns llm_sampler_params_check's status for each, as status_a * 10 + status_b, and
 * writes the message of a third, invalid one to err. */
int c_api_sampler_params(char* err, size_t err_len) {
  llm_sampler_params designated = {.temperature = 0.8f, .top_p = 0.9f, .seed = 42, .top_k = 40};
  llm_sampler_params defaults = llm_sampler_params_default();
  llm_sampler_params invalid = llm_sampler_params_default();
  invalid.penalty_window = -1;
  llm_sampler_params_check(&invalid, err, err_len);
  return (int)llm_sampler_params_check(&designated, NULL, 0) * 10 +
         (int)llm_sampler_params_check(&defaults, NULL, 0);
}
