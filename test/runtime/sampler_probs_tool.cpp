// sampler_probs_tool.cpp - llmc-sampler-probs: the distribution the runtime's sampler draws from,
// for the comparison with transformers' logits processors in test_sampler_reference.py (tests
// only).
//
//   llmc-sampler-probs < cases
//
// stdin holds cases, each three lines of whitespace-separated numbers:
//   temperature top_p top_k min_p repetition_penalty presence_penalty frequency_penalty window
//   N t_1 .. t_N      the tokens accepted before (prompt and generated), oldest first
//   V l_1 .. l_V      the logits
// For each case stdout gets one line: the V probabilities (0 for the tokens the draw cannot
// pick), or "error: MESSAGE" for params llm_sampler_params_check refuses.
#include <cstdio>
#include <vector>

#include "runtime/llmrt.h"

namespace {

bool read_params(llm_sampler_params* p) {
  *p = llm_sampler_params_default();
  return std::scanf("%f %f %d %f %f %f %f %d", &p->temperature, &p->top_p, &p->top_k, &p->min_p,
                    &p->repetition_penalty, &p->presence_penalty, &p->frequency_penalty,
                    &p->penalty_window) == 8;
}

template <typename T>
bool read_list(const char* format, std::vector<T>* out) {
  int n = 0;
  if (std::scanf("%d", &n) != 1 || n < 0) return false;
  out->resize(static_cast<size_t>(n));
  for (T& v : *out) {
    if (std::scanf(format, &v) != 1) return false;
  }
  return true;
}

}  // namespace

int main() {
  llm_sampler_params params;
  std::vector<int32_t> recent;
  std::vector<float> logits;
  while (read_params(&params)) {
    if (!read_list("%d", &recent) || !read_list("%f", &logits) || logits.empty()) {
      std::fprintf(stderr, "llmc-sampler-probs: stdin: a case without its tokens and logits\n");
      return 1;
    }
    char err[128];
    if (llm_sampler_params_check(&params, err, sizeof(err)) != LLM_OK) {
      std::printf("error: %s\n", err);
      continue;
    }
    const int vocab = static_cast<int>(logits.size());
    llmrt_sampler sampler;
    if (llmrt_sampler_init(&sampler, &params, vocab, static_cast<int>(recent.size())) != LLM_OK) {
      std::fprintf(stderr, "llmc-sampler-probs: cannot set up the sampler\n");
      return 1;
    }
    llmrt_sampler_accept(&sampler, recent.data(), static_cast<int>(recent.size()));
    int n = llmrt_sampler_distribution(&sampler, logits.data());
    std::vector<float> probs(logits.size(), 0.0f);
    for (int i = 0; i < n; ++i) probs[sampler.candidates[i]] = sampler.work[sampler.candidates[i]];
    for (int i = 0; i < vocab; ++i) std::printf(i == 0 ? "%.9g" : " %.9g", probs[i]);
    std::printf("\n");
    llmrt_sampler_free(&sampler);
  }
  return 0;
}
