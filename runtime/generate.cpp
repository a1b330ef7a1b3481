// generate.cpp - llm_generate and llm_generate_text: prefill the prompt, then sample and feed back
// one token at a time until a stop token. The sampler works in the model's arena
// (llmrt_model_sampler_scratch): nothing is allocated.
#include "runtime/llmrt.h"

namespace {

bool is_stop(const int32_t* stops, int n_stops, int32_t token) {
  for (int i = 0; i < n_stops; ++i) {
    if (stops[i] == token) return true;
  }
  return false;
}

// llm_generate with a list of stop tokens.
llm_status generate_until(llm_model* model, const int32_t* prompt, int n_prompt,
                          int max_new_tokens, const llm_sampler_params* params,
                          const int32_t* stops, int n_stops, llm_token_callback on_token,
                          void* user_data, int* out_count) {
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
    if (is_stop(stops, n_stops, token)) break;  // not counted, not reported
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

// llm_generate_text's state between tokens.
struct TextSink {
  const llm_tokenizer* tokenizer;
  int32_t prev;  // the token before the next one
  llmrt_utf8_stream stream;
  llm_text_callback on_text;
  void* user_data;
  bool stopped;  // on_text asked to stop
};

int emit_nothing(const char*, size_t, void*) { return 0; }

int push_token(int32_t token, void* user_data) {
  TextSink* sink = static_cast<TextSink*>(user_data);
  size_t len = 0;
  const char* bytes = llm_token_to_bytes(sink->tokenizer, sink->prev, token, &len);
  sink->prev = token;
  sink->stopped = !llmrt_utf8_stream_push(&sink->stream, bytes, len, sink->on_text,
                                          sink->user_data);
  return sink->stopped ? 1 : 0;
}

}  // namespace

llm_status llm_generate(llm_model* model, const int32_t* prompt, int n_prompt, int max_new_tokens,
                        const llm_sampler_params* params, int32_t stop_token,
                        llm_token_callback on_token, void* user_data, int* out_count) {
  return generate_until(model, prompt, n_prompt, max_new_tokens, params, &stop_token,
                        stop_token >= 0 ? 1 : 0, on_token, user_data, out_count);
}

llm_status llm_generate_text(llm_model* model, const llm_tokenizer* tokenizer,
                             const int32_t* prompt, int n_prompt, int max_new_tokens,
                             const llm_sampler_params* params, const int32_t* stop_tokens,
                             int n_stop_tokens, llm_text_callback on_text, void* user_data,
                             int* out_count) {
  if (out_count != nullptr) *out_count = 0;
  if (tokenizer == nullptr || n_stop_tokens < 0 || (stop_tokens == nullptr && n_stop_tokens > 0) ||
      prompt == nullptr || n_prompt < 1) {
    return LLM_ERR_ARGUMENT;
  }
  TextSink sink = {tokenizer, prompt[n_prompt - 1], {}, on_text != nullptr ? on_text : emit_nothing,
                   user_data, false};
  llm_status status = generate_until(model, prompt, n_prompt, max_new_tokens, params, stop_tokens,
                                     n_stop_tokens, push_token, &sink, out_count);
  if (!sink.stopped) llmrt_utf8_stream_flush(&sink.stream, sink.on_text, sink.user_data);
  return status;
}
