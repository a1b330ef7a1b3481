// fake_model.cpp - the llm_open .. llm_logits half of the C API, faked (see fake_model.h).
#include "test/runtime/fake_model.h"

#include <cstdio>
#include <cstring>

#include "runtime/llmrt.h"

struct llm_model {
  int position;
  int threads;
  float logits[k_fake_vocab];  // (vocab) of the last token run
  float sampler_scratch[2 * k_fake_vocab];  // llmrt_sampler_scratch_bytes(vocab)
};
static_assert(sizeof(llm_model::sampler_scratch) == llmrt_sampler_scratch_bytes(k_fake_vocab),
              "the fake model's sampler scratch");

std::vector<int32_t>& fake_model_fed_tokens() {
  static std::vector<int32_t> fed;
  return fed;
}

namespace {

void logits_after(int32_t token, float* out /* (vocab) */) {
  for (int i = 0; i < k_fake_vocab; ++i) out[i] = 0.0f;
  out[fake_model_next(token)] = 5.0f;
}

}  // namespace

llm_status llm_open(const char* weights_path, llm_model** out_model, char* err, size_t err_len) {
  *out_model = nullptr;
  std::FILE* f = std::fopen(weights_path, "rb");
  if (f == nullptr) {
    llmrt_format_error(err, err_len, "%s: cannot open", weights_path);
    return LLM_ERR_IO;
  }
  std::fclose(f);
  *out_model = new llm_model();
  return LLM_OK;
}

void llm_close(llm_model* model) { delete model; }
int llm_vocab_size(const llm_model*) { return k_fake_vocab; }
int llm_context_length(const llm_model*) { return k_fake_context; }
int llm_position(const llm_model* model) { return model->position; }
void llm_reset(llm_model* model) { model->position = 0; }

llm_status llm_prefill(llm_model* model, const int32_t* tokens, int n_tokens, float* out_logits) {
  if (n_tokens < 1) return LLM_ERR_ARGUMENT;
  if (model->position + n_tokens > k_fake_context) return LLM_ERR_CONTEXT_FULL;
  for (int i = 0; i < n_tokens; ++i) {
    if (tokens[i] < 0 || tokens[i] >= k_fake_vocab) return LLM_ERR_ARGUMENT;
  }
  for (int i = 0; i < n_tokens; ++i) {
    fake_model_fed_tokens().push_back(tokens[i]);
    logits_after(tokens[i], model->logits);
    if (out_logits != nullptr) {
      std::memcpy(out_logits + i * k_fake_vocab, model->logits, sizeof(model->logits));
    }
  }
  model->position += n_tokens;
  return LLM_OK;
}

llm_status llm_decode(llm_model* model, int32_t token, float* out_logits) {
  return llm_prefill(model, &token, 1, out_logits);
}

const float* llm_logits(const llm_model* model) { return model->logits; }

void* llmrt_model_sampler_scratch(llm_model* model) { return model->sampler_scratch; }

llm_status llm_set_threads(llm_model* model, int n_threads) {
  if (n_threads < 1) return LLM_ERR_ARGUMENT;
  model->threads = n_threads;
  return LLM_OK;
}

int llm_threads(const llm_model* model) { return model->threads; }
