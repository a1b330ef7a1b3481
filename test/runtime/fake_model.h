// fake_model.h - a stand-in for a generated model.cpp: the llmrt_compiled_model that the C API
// (runtime/model_api.cpp) runs, for testing that API, llm_generate and llm-run.
//
// Vocabulary 8, context 16, prefill calls of at most 3 tokens (so that prompts are split). After
// token t the logits are 0 except the weight "peak" at fake_model_next(t), so greedy generation
// from t follows t -> 3t+1 (mod 8): 1 4 5 0 1 4 ... and 3 -> 2 (EOS) -> 7. weights.bin holds that
// one f32 tensor "peak" (1); test_util.h's fake_model_weights() builds it.
#ifndef LLMC_TEST_RUNTIME_FAKE_MODEL_H
#define LLMC_TEST_RUNTIME_FAKE_MODEL_H

#include <cstdint>
#include <vector>

#include "runtime/llm.h"

const int k_fake_vocab = 8;
const int k_fake_context = 16;
const int k_fake_prefill_tokens = 3;
const float k_fake_peak = 5.0f;  // the peak logit fake_model_weights() stores

inline int32_t fake_model_next(int32_t token) { return (token * 3 + 1) % k_fake_vocab; }

/// Every token fed to any fake model since the last clear, in order.
std::vector<int32_t>& fake_model_fed_tokens();

/// One call of the fake's prefill(): the position it started at and its token count.
struct FakePrefillCall {
  int position;
  int n;
  bool operator==(const FakePrefillCall& o) const { return position == o.position && n == o.n; }
};
/// Every prefill() call since the last clear, in order (decode() calls are not in it).
std::vector<FakePrefillCall>& fake_model_prefill_calls();

/// What the fake's missing_cpu_features reports (" avx9" pretends this CPU lacks a feature the
/// kernels need); "" by default.
const char*& fake_model_missing_cpu_features();

#endif  // LLMC_TEST_RUNTIME_FAKE_MODEL_H
