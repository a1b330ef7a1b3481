// kernels_x86_avx512_test.cpp - the x86-avx512 kernels against their generic twins. Natively
// (skipped on a CPU without AVX-512 F/BW/VL, VNNI, FMA and F16C), and, built with
// LLMC_X86_AVX512_EMULATED beside kernels_x86_avx512_simde.cpp, on SIMDe's emulation.
#include "targets/x86/kernels_x86_avx512.h"
#include "x86_kernel_tests.h"

namespace kernel_tests {
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

IsaKernels avx512_kernels() {
  IsaKernels kernels;
  kernels.name = LLMC_X86_ISA_NAME;
  kernels.supported = avx512_supported;
  kernels.panel_rows = 16;
  // The SIMDe build without VNNI has no q8_0 panels (LLMK_TABLE_WITHOUT_VNNI, from CMake).
#include "test/Targets/common/read_kernel_table.h"
#include "kernels_x86_avx512.def"
#include "kernels_abi_undef.h"
  kernels.exp = llmk_avx512_exp_f32;
  return kernels;
}

const IsaKernels kAvx512Kernels = avx512_kernels();

INSTANTIATE_TEST_SUITE_P(X86, IsaKernelTest, ::testing::Values(&kAvx512Kernels), IsaName);

}  // namespace
}  // namespace kernel_tests
