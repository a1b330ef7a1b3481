// kernels_x86_avx2_test.cpp - the x86-avx2 kernels against their generic twins (skipped on a CPU
// without AVX2, FMA and F16C).
#include "targets/x86/kernels_x86_avx2.h"
#include "x86_kernel_tests.h"

namespace x86_kernel_tests {
namespace {

bool avx2_supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c");
}

const IsaKernels kAvx2Kernels = {
    "avx2",
    avx2_supported,
    llmk_avx2_quantize_q8_0,
    llmk_avx2_quantize_q8_1,
    llmk_avx2_linear_f32_rows,
    llmk_avx2_linear_q8_0_rows,
    llmk_avx2_linear_q4_0_rows,
    llmk_avx2_linear_q4_1_rows,
    llmk_avx2_quantize_q8_k,
    llmk_avx2_linear_q4_k_rows,
    llmk_avx2_linear_q6_k_rows,
    llmk_avx2_linear_q8_0x4_rows,
    llmk_avx2_linear_q4_0x4_rows,
    llmk_avx2_linear_q4_1x4_rows,
    llmk_avx2_linear_q4_kx4_rows,
    llmk_avx2_linear_q6_kx4_rows,
    llmk_avx2_rms_norm_f32,
    llmk_avx2_exp_f32,
    llmk_avx2_swiglu_f32,
    llmk_avx2_add_f32,
    llmk_avx2_attend_f32,
    llmk_avx2_linear_f16_rows,
    llmk_avx2_linear_bf16_rows,
    8,
    llmk_avx2_linear_q8_0p8_rows,
    llmk_avx2_linear_q4_0p8_rows,
};

INSTANTIATE_TEST_SUITE_P(X86, X86Kernels, ::testing::Values(&kAvx2Kernels), IsaName);

}  // namespace
}  // namespace x86_kernel_tests
