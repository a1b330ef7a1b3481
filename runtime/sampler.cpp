// sampler.cpp - choosing the next token from logits: greedy, temperature and top-p (nucleus)
// sampling as in llama2.c, with a seeded xorshift64* generator so a seed reproduces the text.
#include <algorithm>
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

// The first index of the largest logit; NaNs never win.
int32_t argmax(const float* logits, int n) {
  int32_t best = 0;
  for (int i = 1; i < n; ++i) {
    if (logits[i] > logits[best] || std::isnan(logits[best])) best = i;
  }
  return best;
}

// probs = softmax(logits / temperature), subtracting the maximum first.
void softmax(const float* logits, int n, float temperature, float* probs /* (n) */) {
  float max_logit = logits[argmax(logits, n)];
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    probs[i] = std::exp((logits[i] - max_logit) / temperature);
    sum += probs[i];
  }
  for (int i = 0; i < n; ++i) probs[i] = static_cast<float>(probs[i] / sum);
}

// Samples index i with probability probs[i]; coin in [0, 1).
int32_t sample_mult(const float* probs, int n, float coin) {
  float cdf = 0.0f;
  for (int i = 0; i < n; ++i) {
    cdf += probs[i];
    if (coin < cdf) return i;
  }
  return n - 1;  // rounding
}

// Top-p: samples from the smallest set of most likely tokens whose probability exceeds top_p.
// Tokens below (1 - top_p) / (n - 1) cannot be in that set, so they are dropped before sorting.
int32_t sample_topp(const float* probs, int n, float top_p, int32_t* indices /* (n) */,
                    float coin) {
  const float cutoff = (1.0f - top_p) / static_cast<float>(n - 1);
  int kept = 0;
  for (int i = 0; i < n; ++i) {
    if (probs[i] >= cutoff) indices[kept++] = i;
  }
  std::sort(indices, indices + kept, [probs](int32_t a, int32_t b) {
    return probs[a] != probs[b] ? probs[a] > probs[b] : a < b;
  });
  float cumulative = 0.0f;
  int last = kept - 1;
  for (int i = 0; i < kept; ++i) {
    cumulative += probs[indices[i]];
    if (cumulative > top_p) {
      last = i;
      break;
    }
  }
  float r = coin * cumulative;
  float cdf = 0.0f;
  for (int i = 0; i <= last; ++i) {
    cdf += probs[indices[i]];
    if (r < cdf) return indices[i];
  }
  return indices[last];  // rounding
}

}  // namespace

llm_status llmrt_sampler_init_in(llmrt_sampler* sampler, const llm_sampler_params* params,
                                 int vocab_size, void* scratch) {
  if (sampler == nullptr) return LLM_ERR_ARGUMENT;
  std::memset(sampler, 0, sizeof(*sampler));
  if (params == nullptr || vocab_size < 1 || scratch == nullptr) return LLM_ERR_ARGUMENT;
  // temperature >= 0 and 0 < top_p <= 1; the negated forms also reject NaN.
  if (!(params->temperature >= 0.0f) || !(params->top_p > 0.0f && params->top_p <= 1.0f)) {
    return LLM_ERR_ARGUMENT;
  }
  sampler->params = *params;
  sampler->rng_state = mix_seed(params->seed);
  sampler->vocab_size = vocab_size;
  sampler->probs = static_cast<float*>(scratch);
  sampler->indices = reinterpret_cast<int32_t*>(sampler->probs + vocab_size);
  return LLM_OK;
}

llm_status llmrt_sampler_init(llmrt_sampler* sampler, const llm_sampler_params* params,
                              int vocab_size) {
  if (sampler == nullptr) return LLM_ERR_ARGUMENT;
  std::memset(sampler, 0, sizeof(*sampler));
  if (vocab_size < 1) return LLM_ERR_ARGUMENT;
  void* scratch = llmrt_alloc(llmrt_sampler_scratch_bytes(vocab_size));
  if (scratch == nullptr) return LLM_ERR_NO_MEMORY;
  llm_status status = llmrt_sampler_init_in(sampler, params, vocab_size, scratch);
  if (status != LLM_OK) {
    llmrt_free(scratch);
    return status;
  }
  sampler->owns_scratch = true;
  return LLM_OK;
}

void llmrt_sampler_free(llmrt_sampler* sampler) {
  if (sampler == nullptr) return;
  if (sampler->owns_scratch) llmrt_free(sampler->probs);
  std::memset(sampler, 0, sizeof(*sampler));
}

int32_t llmrt_sample(llmrt_sampler* sampler, const float* logits) {
  const int n = sampler->vocab_size;
  const llm_sampler_params* p = &sampler->params;
  if (p->temperature == 0.0f) return argmax(logits, n);
  softmax(logits, n, p->temperature, sampler->probs);
  float coin = random_f32(&sampler->rng_state);
  if (p->top_p >= 1.0f || n == 1) return sample_mult(sampler->probs, n, coin);
  return sample_topp(sampler->probs, n, p->top_p, sampler->indices, coin);
}

LLMRT_NAMESPACE_END
