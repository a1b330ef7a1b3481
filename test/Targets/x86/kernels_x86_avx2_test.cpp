// kernels_x86_avx2_test.cpp - the x86-avx2 kernels against their generic twins (skipped on a CPU
// without AVX2, FMA and F16C).
#include "targets/x86/kernels_x86_avx2.h"
#include "x86_kernel_tests.h"

namespace kernel_tests {
namespace {

bool avx2_supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c");
}

IsaKernels avx2_kernels() {
  IsaKernels kernels;
  kernels.name = "avx2";
  kernels.supported = avx2_supported;
  kernels.panel_rows = 8;
#include "test/Targets/common/read_kernel_table.h"
#include "kernels_x86_avx2.def"
#include "kernels_abi_undef.h"
  kernels.exp = llmk_avx2_exp_f32;
  return kernels;
}

const IsaKernels kAvx2Kernels = avx2_kernels();

INSTANTIATE_TEST_SUITE_P(X86, IsaKernelTest, ::testing::Values(&kAvx2Kernels), IsaName);

}  // namespace
}  // namespace kernel_tests
