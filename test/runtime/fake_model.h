// fake_model.h - a stand-in for a generated model.cpp, for testing llm_generate and llm-run.
//
// Vocabulary 8, context 16. After token t the logits are 0 except 5 at fake_model_next(t), so
// greedy generation from t follows t -> 3t+1 (mod 8): 1 4 5 0 1 4 ... and 3 -> 2 (EOS) -> 7.
// llm_open accepts any file that exists.
#ifndef LLMC_TEST_RUNTIME_FAKE_MODEL_H
#define LLMC_TEST_RUNTIME_FAKE_MODEL_H

#include <cstdint>
#include <vector>

#include "runtime/llm.h"

const int k_fake_vocab = 8;
const int k_fake_context = 16;

inline int32_t fake_model_next(int32_t token) { return (token * 3 + 1) % k_fake_vocab; }

/// Every token fed to any fake model since the last clear, in order.
std::vector<int32_t>& fake_model_fed_tokens();

#endif  // LLMC_TEST_RUNTIME_FAKE_MODEL_H
