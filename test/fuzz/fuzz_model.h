//===- fuzz_model.h - the model fuzz_blob opens its weights.bin inputs as -===//
//
// One tensor of every dtype the runtime reads (a quantized one with a short last block), so that
// a blob written for it exercises every size rule; fuzz_blob.cpp defines the model around this
// table and make_fuzz_seeds.cpp writes its weights as seeds.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TEST_FUZZ_FUZZ_MODEL_H
#define LLMC_TEST_FUZZ_FUZZ_MODEL_H

#include "test/common/runtime_images.h"

#include <vector>

inline std::vector<llmrt_test::TestTensor> fuzzModelTensors() {
  return {
      {"embed", LLMRT_DTYPE_F32, {3, 4}},
      {"norm", LLMRT_DTYPE_F16, {4}},
      {"mlp", LLMRT_DTYPE_BF16, {2, 1, 2, 1}},
      {"q8_0", LLMRT_DTYPE_Q8_0, {2, 32}},
      {"q4_0", LLMRT_DTYPE_Q4_0, {1, 40}},
      {"q4_1", LLMRT_DTYPE_Q4_1, {1, 32}},
      {"q4_k", LLMRT_DTYPE_Q4_K, {1, 256}},
      {"q6_k", LLMRT_DTYPE_Q6_K, {1, 256}},
  };
}

#endif // LLMC_TEST_FUZZ_FUZZ_MODEL_H
