// sampler.cpp - choosing the next token: the params and their checks, the sampler's scratch and
// its ring of recent tokens, and the draw with a seeded xorshift64* generator so that a seed
// reproduces the text. What the draw picks from: sampler_distribution.cpp.
#include <cmath>
#include <cstring>

#include "runtime/llmrt.h"

LLMRT_NAMESPACE_BEGIN

namespace {

// splitmix64: spreads any seed, 0 included, over the 64-bit state.
uint64_t mix_seed(uint64_t seed) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z = z ^ (z >> 31);
  return z != 0 ? z : 0x2545F4914F6CDD1Dull;  // xorshift must not start at 0
}

uint32_t random_u32(uint64_t* state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return static_cast<uint32_t>((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

// Uniform in [0, 1).
float random_f32(uint64_t* state) {
  return static_cast<float>(random_u32(state) >> 8) / 16777216.0f;
}

}  // namespace

llm_status llmrt_sampler_init_in(llmrt_sampler* sampler, const llm_sampler_params* params,
                                 int vocab_size, int recent_capacity, void* scratch) {
  if (sampler == nullptr) return LLM_ERR_ARGUMENT;
  std::memset(sampler, 0, sizeof(*sampler));
  if (vocab_size < 1 || recent_capacity < 0 || scratch == nullptr) return LLM_ERR_ARGUMENT;
  if (llm_sampler_params_check(params, nullptr, 0) != LLM_OK) return LLM_ERR_ARGUMENT;
  sampler->params = *params;
  sampler->rng_state = mix_seed(params->seed);
  sampler->vocab_size = vocab_size;
  sampler->work = static_cast<float*>(scratch);
  sampler->candidates = reinterpret_cast<int32_t*>(sampler->work + vocab_size);
  sampler->recent = sampler->candidates + vocab_size;
  sampler->recent_capacity = recent_capacity;
  return LLM_OK;
}

llm_status llmrt_sampler_init(llmrt_sampler* sampler, const llm_sampler_params* params,
                              int vocab_size, int recent_capacity) {
  if (sampler == nullptr) return LLM_ERR_ARGUMENT;
  std::memset(sampler, 0, sizeof(*sampler));
  if (vocab_size < 1 || recent_capacity < 0) return LLM_ERR_ARGUMENT;
  void* scratch = llmrt_alloc(llmrt_sampler_scratch_bytes(vocab_size, recent_capacity));
  if (scratch == nullptr) return LLM_ERR_NO_MEMORY;
  llm_status status = llmrt_sampler_init_in(sampler, params, vocab_size, recent_capacity, scratch);
  if (status != LLM_OK) {
    llmrt_free(scratch);
    return status;
  }
  sampler->owns_scratch = true;
  return LLM_OK;
}

void llmrt_sampler_free(llmrt_sampler* sampler) {
  if (sampler == nullptr) return;
  if (sampler->owns_scratch) llmrt_free(sampler->work);
  std::memset(sampler, 0, sizeof(*sampler));
}

void llmrt_sampler_accept(llmrt_sampler* sampler, const int32_t* tokens, int n) {
  if (sampler->recent_capacity == 0) return;
  for (int i = 0; i < n; ++i) {
    if (tokens[i] < 0 || tokens[i] >= sampler->vocab_size) continue;
    sampler->recent[sampler->recent_next] = tokens[i];
    sampler->recent_next = (sampler->recent_next + 1) % sampler->recent_capacity;
    if (sampler->recent_count < sampler->recent_capacity) ++sampler->recent_count;
  }
}

int32_t llmrt_sample(llmrt_sampler* sampler, const float* logits) {
  const int n = llmrt_sampler_distribution(sampler, logits);
  const int32_t* candidates = sampler->candidates;
  if (sampler->params.temperature == 0.0f) return candidates[0];
  const float coin = random_f32(&sampler->rng_state);
  float cdf = 0.0f;
  for (int i = 0; i < n; ++i) {
    cdf += sampler->work[candidates[i]];
    if (coin < cdf) return candidates[i];
  }
  return candidates[n - 1];  // rounding
}

LLMRT_NAMESPACE_END

// ---- the params, in the C API -------------------------------------------------------------------

extern "C" {

llm_sampler_params llm_sampler_params_default(void) {
  llm_sampler_params params = {};
  params.temperature = 0.8f;
  params.top_p = 0.9f;
  return params;
}

llm_status llm_sampler_params_check(const llm_sampler_params* params, char* err, size_t err_len) {
  if (params == nullptr) {
    llmrt_format_error(err, err_len, "the sampler params are NULL");
    return LLM_ERR_ARGUMENT;
  }
  const llm_sampler_params& p = *params;
  // Each test is written so that NaN fails it.
  struct FloatRule {
    const char* name;
    float value;
    bool ok;
    const char* range;
  };
  const FloatRule rules[] = {
      {"temperature", p.temperature, p.temperature >= 0.0f && std::isfinite(p.temperature),
       "a finite number >= 0"},
      {"top_p", p.top_p, p.top_p > 0.0f && p.top_p <= 1.0f, "in (0, 1]"},
      {"min_p", p.min_p, p.min_p >= 0.0f && p.min_p <= 1.0f, "in [0, 1]"},
      {"repetition_penalty", p.repetition_penalty,
       p.repetition_penalty >= 0.0f && std::isfinite(p.repetition_penalty),
       "a finite number >= 0 (0 or 1: off)"},
      {"presence_penalty", p.presence_penalty, std::isfinite(p.presence_penalty),
       "a finite number"},
      {"frequency_penalty", p.frequency_penalty, std::isfinite(p.frequency_penalty),
       "a finite number"},
  };
  for (const FloatRule& rule : rules) {
    if (!rule.ok) {
      llmrt_format_error(err, err_len, "%s is %g, not %s", rule.name,
                         static_cast<double>(rule.value), rule.range);
      return LLM_ERR_ARGUMENT;
    }
  }
  if (p.top_k < 0) {
    llmrt_format_error(err, err_len, "top_k is %d, not >= 0 (0: off)", static_cast<int>(p.top_k));
    return LLM_ERR_ARGUMENT;
  }
  if (p.penalty_window < 0) {
    llmrt_format_error(err, err_len, "penalty_window is %d, not >= 0 (0: every token)",
                       static_cast<int>(p.penalty_window));
    return LLM_ERR_ARGUMENT;
  }
  return LLM_OK;
}

}  // extern "C"
