/* c_api_from_c.c - runtime/llm.h used from C (C99, -Wall -Wextra -pedantic -Werror): the header
 * must stay valid C, and its runtime functions callable from C. Called by status_test.cpp. */
#include "runtime/llm.h"

const char* c_api_status_string(int status) { return llm_status_string((llm_status)status); }
