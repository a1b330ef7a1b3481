// generate.cpp - llm_generate: prefill the prompt, then sample and feed back one token at a time.
// The sampler works in the model's arena (llmrt_model_sampler_scratch): nothing is allocated.
#include "runtime/llmrt.h"

llm_status llm_generate(llm_model* model, const int32_t* prompt, int n_prompt, int max_new_tokens,
                        const llm_sampler_params* params, int32_t stop_token,
                        llm_token_callback on_token, void* user_data, int* out_count) {
  if (out_count != nullptr) *out_count = 0;
  if (model == nullptr || prompt == nullptr || n_prompt < 1 || max_new_tokens < 0) {
    return LLM_ERR_ARGUMENT;
  }
  llm_sampler_params greedy = {};  // temperature 0, the other steps off
  greedy.top_p = 1.0f;
  llmrt_sampler sampler;
  llm_status status = llmrt_sampler_init_in(&sampler, params != nullptr ? params : &greedy,
                                            llm_vocab_size(model), llm_context_length(model),
                                            llmrt_model_sampler_scratch(model));
  if (status != LLM_OK) return status;
  llmrt_sampler_accept(&sampler, prompt, n_prompt);

  status = llm_prefill(model, prompt, n_prompt, nullptr);
  int count = 0;
  while (status == LLM_OK && count < max_new_tokens) {
    int32_t token = llmrt_sample(&sampler, llm_logits(model));
    if (token == stop_token) break;  // not counted, not reported
    llmrt_sampler_accept(&sampler, &token, 1);
    ++count;
    if (on_token != nullptr && on_token(token, user_data) != 0) break;
    if (count == max_new_tokens) break;  // the last token is not fed: nobody reads its logits
    status = llm_decode(model, token, nullptr);
  }
  llmrt_sampler_free(&sampler);
  if (out_count != nullptr) *out_count = count;
  return status;
}
