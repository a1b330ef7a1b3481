// sampler_distribution.cpp - the distribution the sampler draws from: penalties, temperature,
// top-k, top-p and min-p, in the order and with the semantics of transformers' logits processors
// (llm.h, llm_sampler_params). Works in the sampler's scratch; allocates nothing.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "runtime/llmrt.h"

LLMRT_NAMESPACE_BEGIN

namespace {

// The first index of the largest value; NaNs never win (all NaN: 0).
int32_t argmax(const float* values, int n) {
  int32_t best = -1;
  for (int i = 0; i < n; ++i) {
    if (std::isnan(values[i])) continue;
    if (best < 0 || values[i] > values[best]) best = i;
  }
  return best < 0 ? 0 : best;
}

// The order candidates are sorted in: larger value first, then the lower id. A total order, so
// every standard library sorts the same way and a seed draws the same token everywhere.
struct BetterFirst {
  const float* values;
  bool operator()(int32_t a, int32_t b) const {
    return values[a] != values[b] ? values[a] > values[b] : a < b;
  }
};

bool repetition_penalty_on(const llm_sampler_params& p) {
  return p.repetition_penalty != 0.0f && p.repetition_penalty != 1.0f;
}

bool penalties_on(const llm_sampler_params& p) {
  return repetition_penalty_on(p) || p.presence_penalty != 0.0f || p.frequency_penalty != 0.0f;
}

// Penalises the logits in work of the tokens among the last penalty_window recent ones, each
// once with its count. counts (vocab) is scratch: only the window's entries are touched.
void apply_penalties(const llmrt_sampler& s, float* work, int32_t* counts) {
  const llm_sampler_params& p = s.params;
  if (!penalties_on(p) || s.recent_count == 0) return;
  int window = s.recent_count;
  if (p.penalty_window > 0 && p.penalty_window < window) window = p.penalty_window;
  auto token_at = [&s](int back) {  // back = 0: the most recent
    return s.recent[(s.recent_next - 1 - back + s.recent_capacity) % s.recent_capacity];
  };
  for (int i = 0; i < window; ++i) counts[token_at(i)] = 0;
  for (int i = 0; i < window; ++i) counts[token_at(i)]++;
  const bool repetition = repetition_penalty_on(p);
  for (int i = 0; i < window; ++i) {
    int32_t t = token_at(i);
    if (counts[t] == 0) continue;  // done already
    float x = work[t];
    if (repetition) x = x < 0.0f ? x * p.repetition_penalty : x / p.repetition_penalty;
    x -= static_cast<float>(counts[t]) * p.frequency_penalty + p.presence_penalty;
    work[t] = x;
    counts[t] = 0;
  }
}

// Keeps the k best candidates and every one tied with the k-th, best first. 0 < k < n.
int keep_top_k(const float* work, int32_t* c, int n, int k) {
  BetterFirst better{work};
  std::nth_element(c, c + (k - 1), c + n, better);
  const float kth = work[c[k - 1]];
  int kept = k;
  for (int i = k; i < n; ++i) {
    if (work[c[i]] == kth) std::swap(c[kept++], c[i]);
  }
  std::sort(c, c + kept, better);
  return kept;
}

// work[c[i]] = softmax of the candidates' values; returns how many have a probability above 0,
// now c[0..kept), in their order. The largest being +inf, the +inf ones share
// the probability (the limit of softmax) and the rest are dropped; all -inf share it evenly.
int softmax(float* work, int32_t* c, int n) {
  float max_value = work[c[0]];
  for (int i = 1; i < n; ++i) max_value = std::max(max_value, work[c[i]]);
  if (!std::isfinite(max_value)) {
    int kept = 0;
    for (int i = 0; i < n; ++i) {
      if (work[c[i]] == max_value) c[kept++] = c[i];
    }
    for (int i = 0; i < kept; ++i) work[c[i]] = 1.0f / static_cast<float>(kept);
    return kept;
  }
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    work[c[i]] = std::exp(work[c[i]] - max_value);
    sum += work[c[i]];
  }
  // Tokens whose probability is 0 (-inf logits, or underflow) leave: no draw may land on them.
  int kept = 0;
  for (int i = 0; i < n; ++i) {
    work[c[i]] = static_cast<float>(work[c[i]] / sum);
    if (work[c[i]] > 0.0f) c[kept++] = c[i];
  }
  return kept;
}

// Top-p on probabilities: a token stays while the probability of it and of every less likely
// token exceeds 1 - top_p; the most likely always stays. A token below (1 - top_p) / n cannot
// stay (it and the ones less likely, at most n, sum to less than 1 - top_p), so those are
// dropped before the sort, their mass kept for the sum. Leaves the kept ones best first.
int keep_top_p(const float* work, int32_t* c, int n, float top_p) {
  const double outside = 1.0 - static_cast<double>(top_p);
  const float cutoff = static_cast<float>(outside / n);
  double dropped_mass = 0.0;
  int kept = 0;
  for (int i = 0; i < n; ++i) {
    if (work[c[i]] >= cutoff) {
      c[kept++] = c[i];
    } else {
      dropped_mass += work[c[i]];
    }
  }
  if (kept == 0) return 1;  // unreachable: the most likely holds at least 1 / n
  std::sort(c, c + kept, BetterFirst{work});
  double mass = dropped_mass;  // of the tokens less likely than c[i], and c[i]
  for (int i = kept - 1; i > 0; --i) {
    mass += work[c[i]];
    if (mass > outside) return i + 1;
  }
  return 1;
}

// Min-p: the candidates whose probability is at least min_p times the largest; order kept.
int keep_min_p(const float* work, int32_t* c, int n, float min_p) {
  float top = 0.0f;
  for (int i = 0; i < n; ++i) top = std::max(top, work[c[i]]);
  const float floor = min_p * top;
  int kept = 0;
  for (int i = 0; i < n; ++i) {
    if (work[c[i]] >= floor) c[kept++] = c[i];
  }
  return kept;
}

void renormalise(float* work, const int32_t* c, int n) {
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += work[c[i]];
  for (int i = 0; i < n; ++i) work[c[i]] = static_cast<float>(work[c[i]] / sum);
}

}  // namespace

int llmrt_sampler_distribution(llmrt_sampler* sampler, const float* logits) {
  const int vocab = sampler->vocab_size;
  const llm_sampler_params& p = sampler->params;
  float* work = sampler->work;
  int32_t* c = sampler->candidates;
  std::memcpy(work, logits, sizeof(float) * static_cast<size_t>(vocab));
  apply_penalties(*sampler, work, c);

  if (p.temperature == 0.0f) {
    c[0] = argmax(work, vocab);
    work[c[0]] = 1.0f;
    return 1;
  }
  int n = 0;
  for (int i = 0; i < vocab; ++i) {
    if (std::isnan(work[i])) continue;
    work[i] /= p.temperature;
    c[n++] = i;
  }
  if (n == 0) {  // every logit NaN: token 0, as greedy picks
    c[0] = 0;
    work[0] = 1.0f;
    return 1;
  }
  if (p.top_k > 0 && p.top_k < n) n = keep_top_k(work, c, n, p.top_k);
  n = softmax(work, c, n);
  if (p.top_p < 1.0f) n = keep_top_p(work, c, n, p.top_p);
  if (p.min_p > 0.0f) n = keep_min_p(work, c, n, p.min_p);
  renormalise(work, c, n);
  return n;
}

LLMRT_NAMESPACE_END
