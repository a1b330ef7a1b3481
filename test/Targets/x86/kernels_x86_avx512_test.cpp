// kernels_x86_avx512_test.cpp - the x86-avx512 kernels against their generic twins. Natively
// (skipped on a CPU without AVX-512 F/BW/VL, VNNI, FMA and F16C), and, built with
// LLMC_X86_AVX512_EMULATED beside kernels_x86_avx512_simde.cpp, on SIMDe's emulation.
#include "targets/x86/kernels_x86_avx512.h"
#include "x86_kernel_tests.h"

namespace x86_kernel_tests {
namespace {

bool avx512_supported() {
  __builtin_cpu_init();
#ifdef LLMC_X86_AVX512_EMULATED  // SIMDe, built on AVX2
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c");
#else
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
         __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#endif
}

#ifndef LLMC_X86_ISA_NAME
#define LLMC_X86_ISA_NAME "avx512"
#endif

const IsaKernels kAvx512Kernels = {
    LLMC_X86_ISA_NAME,
    avx512_supported,
    llmk_avx512_quantize_q8_0,
    llmk_avx512_quantize_q8_1,
    llmk_avx512_linear_f32_rows,
    llmk_avx512_linear_q8_0_rows,
    llmk_avx512_linear_q4_0_rows,
    llmk_avx512_linear_q4_1_rows,
    llmk_avx512_quantize_q8_k,
    llmk_avx512_linear_q4_k_rows,
    llmk_avx512_linear_q6_k_rows,
    llmk_avx512_linear_q8_0x4_rows,
    llmk_avx512_linear_q4_0x4_rows,
    llmk_avx512_linear_q4_1x4_rows,
    llmk_avx512_linear_q4_kx4_rows,
    llmk_avx512_linear_q6_kx4_rows,
    llmk_avx512_rms_norm_f32,
    llmk_avx512_exp_f32,
    llmk_avx512_swiglu_f32,
    llmk_avx512_add_f32,
    llmk_avx512_attend_f32,
    llmk_avx512_linear_f16_rows,
    llmk_avx512_linear_bf16_rows,
    16,
#if !defined(LLMC_X86_AVX512_EMULATED) || defined(LLMC_X86_EMULATE_VNNI)
    llmk_avx512_linear_q8_0p16_rows,
#else
    nullptr,  // q8_0's panels need VNNI (the SIMDe build without it has no such kernel)
#endif
    llmk_avx512_linear_q4_0p16_rows,
};

INSTANTIATE_TEST_SUITE_P(X86, X86Kernels, ::testing::Values(&kAvx512Kernels), IsaName);

}  // namespace
}  // namespace x86_kernel_tests
