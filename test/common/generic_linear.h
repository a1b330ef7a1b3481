// generic_linear.h - the generic linears over whole matrices, as tests call them: for each
// entry of kernels_generic.def, generic_linear_<storage>(...) runs llmk_generic_linear_<storage>_rows
// over all m rows, a quantized one after quantizing x into x_scratch (of
// llmk_generic_activation_scratch_bytes) with its format's quantizer, as the generated code does.
#ifndef LLMC_TEST_COMMON_GENERIC_LINEAR_H
#define LLMC_TEST_COMMON_GENERIC_LINEAR_H

#include "targets/generic/kernels_generic.h"

#define LLMK_LINEAR_FLOAT(isa, storage, T)                                                    \
  inline void isa##_linear_##storage(const float* x, const LLMK_FLOAT_WEIGHTS_##storage* w,  \
                                     const float* bias, int n, int k, int m, float* y) {     \
    llmk_##isa##_linear_##storage##_rows(x, w, bias, n, k, m, 0, m, y);                      \
  }
#define LLMK_LINEAR_QUANT(isa, storage, format)                                                \
  inline void isa##_linear_##storage(const float* x, const void* w, const float* bias, int n, \
                                     int k, int m, void* x_scratch, float* y) {              \
    llmk_##isa##_quantize_##format(x, n, k, x_scratch);                                        \
    llmk_##isa##_linear_##storage##_rows(x_scratch, w, bias, n, k, m, 0, m, y);               \
  }
#include "kernels_abi_defaults.h"
#include "kernels_generic.def"
#include "kernels_abi_undef.h"

#endif  // LLMC_TEST_COMMON_GENERIC_LINEAR_H
