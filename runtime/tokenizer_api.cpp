// tokenizer_api.cpp - the tokenizer half of the C API (runtime/llm.h) over llmrt_tokenizer.
#include <cstring>
#include <new>

#include "runtime/llmrt.h"

namespace {

// Allocates the handle, then opens it with open(); all or nothing.
template <typename Open>
llm_status open_handle(const char* who, llm_tokenizer** out_tokenizer, char* err, size_t err_len,
                       const Open& open) {
  if (out_tokenizer == nullptr) {
    llmrt_format_error(err, err_len, "%s: out_tokenizer is NULL", who);
    return LLM_ERR_ARGUMENT;
  }
  *out_tokenizer = nullptr;
  void* memory = llmrt_alloc(sizeof(llm_tokenizer));
  if (memory == nullptr) {
    llmrt_format_error(err, err_len, "%s: out of memory", who);
    return LLM_ERR_NO_MEMORY;
  }
  llm_tokenizer* tokenizer = new (memory) llm_tokenizer();
  llm_status status = open(&tokenizer->t);
  if (status != LLM_OK) {
    llmrt_free(memory);
    return status;
  }
  *out_tokenizer = tokenizer;
  return LLM_OK;
}

}  // namespace

llm_status llm_tokenizer_open(const char* path, llm_tokenizer** out_tokenizer, char* err,
                              size_t err_len) {
  if (path == nullptr) {
    llmrt_format_error(err, err_len, "llm_tokenizer_open: path is NULL");
    if (out_tokenizer != nullptr) *out_tokenizer = nullptr;
    return LLM_ERR_ARGUMENT;
  }
  return open_handle("llm_tokenizer_open", out_tokenizer, err, err_len, [&](llmrt_tokenizer* t) {
    return llmrt_tokenizer_load(path, t, err, err_len);
  });
}

llm_status llm_tokenizer_open_memory(const void* data, size_t size, llm_tokenizer** out_tokenizer,
                                     char* err, size_t err_len) {
  return open_handle("llm_tokenizer_open_memory", out_tokenizer, err, err_len,
                     [&](llmrt_tokenizer* t) {
                       return llmrt_tokenizer_open_memory(data, size, "tokenizer in memory", t,
                                                          err, err_len);
                     });
}

void llm_tokenizer_close(llm_tokenizer* tokenizer) {
  if (tokenizer == nullptr) return;
  llmrt_tokenizer_free(&tokenizer->t);
  llmrt_free(tokenizer);
}

// A NULL tokenizer has no tokens: vocabulary 0, no BOS or EOS, every token empty.
int llm_tokenizer_vocab_size(const llm_tokenizer* tokenizer) {
  return tokenizer != nullptr ? static_cast<int>(tokenizer->t.vocab_size) : 0;
}

int32_t llm_tokenizer_bos(const llm_tokenizer* tokenizer) {
  return tokenizer != nullptr ? tokenizer->t.bos_id : -1;
}

int32_t llm_tokenizer_eos(const llm_tokenizer* tokenizer) {
  return tokenizer != nullptr ? tokenizer->t.eos_id : -1;
}

llm_status llm_tokenize(llm_tokenizer* tokenizer, const char* text, size_t text_len, int add_bos,
                        int32_t* out_tokens, int capacity, int* out_needed) {
  if (tokenizer == nullptr) {
    if (out_needed != nullptr) *out_needed = 0;
    return LLM_ERR_ARGUMENT;
  }
  return llmrt_tokenizer_encode(&tokenizer->t, text, text_len, add_bos, out_tokens, capacity,
                                out_needed);
}

const char* llm_token_to_bytes(const llm_tokenizer* tokenizer, int32_t prev_token, int32_t token,
                               size_t* out_len) {
  size_t len = 0;
  const char* bytes = tokenizer != nullptr
                          ? llmrt_tokenizer_decode(&tokenizer->t, prev_token, token, &len)
                          : "";
  if (out_len != nullptr) *out_len = len;
  return bytes;
}
