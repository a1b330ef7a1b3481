// fake_model.cpp - the model half of a compiled model, faked (see fake_model.h): its weights,
// prefill/decode/head and the llmrt_compiled_model the C API runs it through.
#include "test/runtime/fake_model.h"

#include <cstddef>
#include <cstdio>
#include <iterator>

#include "runtime/llmrt.h"

std::vector<int32_t>& fake_model_fed_tokens() {
  static std::vector<int32_t> fed;
  return fed;
}

std::vector<FakePrefillCall>& fake_model_prefill_calls() {
  static std::vector<FakePrefillCall> calls;
  return calls;
}

namespace {

// The hidden state of a token is the token itself, one float.
constexpr int k_hidden = 1;
constexpr size_t k_activation_bytes = sizeof(float) * k_fake_prefill_tokens * k_fake_vocab;

struct Weights {
  const float* peak;  // (1) the next token's logit
};

const llmrt_weight_spec k_weight_table[] = {
    {"peak", LLMRT_DTYPE_F32, 1, {1}, offsetof(Weights, peak)},
};

const Weights& weights(const llm_model* m) { return *static_cast<const Weights*>(m->weights); }

void logits_after(const llm_model* m, int32_t token, float* out /* (vocab) */) {
  for (int i = 0; i < k_fake_vocab; ++i) out[i] = 0.0f;
  out[fake_model_next(token)] = weights(m).peak[0];
}

const float* prefill(llm_model* m, const int32_t* tokens, int n) {
  fake_model_prefill_calls().push_back({m->position, n});
  float* hidden = reinterpret_cast<float*>(m->arena);  // (n, k_hidden)
  for (int i = 0; i < n; ++i) {
    fake_model_fed_tokens().push_back(tokens[i]);
    hidden[i] = static_cast<float>(tokens[i]);
  }
  return hidden;
}

const float* head(llm_model* m, const float* hidden, int n) {
  float* logits = reinterpret_cast<float*>(m->arena);  // (n, vocab)
  for (int i = 0; i < n; ++i)
    logits_after(m, static_cast<int32_t>(hidden[i]), logits + i * k_fake_vocab);
  return logits;
}

const float* decode(llm_model* m, const int32_t* tokens) {
  fake_model_fed_tokens().push_back(tokens[0]);
  float* logits = reinterpret_cast<float*>(m->arena);  // (1, vocab)
  logits_after(m, tokens[0], logits);
  return logits;
}

constexpr llmrt_arena_layout k_arena = llmrt_arena_layout_of(
    std::size(k_weight_table), k_activation_bytes, k_fake_prefill_tokens, k_hidden, k_fake_vocab,
    k_fake_context);
static_assert(k_arena.weights + sizeof(Weights) <= k_arena.activations, "the fake's Weights");

void missing_cpu_features(char* out, size_t out_len) {
  std::snprintf(out, out_len, "%s", fake_model_missing_cpu_features());
}

}  // namespace

const char*& fake_model_missing_cpu_features() {
  static const char* missing = "";
  return missing;
}

// With a thread pool, as the x86 targets have: llm_set_threads is tested with one.
const llmrt_model_desc llmrt_compiled_model = {
    k_fake_vocab,
    k_fake_context,
    k_fake_prefill_tokens,
    k_hidden,
    k_activation_bytes,
    16,  // KV cache floats per cache: the fake keeps none, the runtime still lays them out
    k_weight_table,
    uint32_t(std::size(k_weight_table)),
    prefill,
    decode,
    head,
    llmrt_pool_create,
    llmrt_pool_free,
    missing_cpu_features,
    LLM_WEIGHTS_MAPPED,
    nullptr,  // no weights compiled in
};
