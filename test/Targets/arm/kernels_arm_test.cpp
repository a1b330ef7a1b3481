// kernels_arm_test.cpp - the ARM targets' kernels against their generic twins (kernel_tests.h),
// and on the ARM weight layouts (arm_layout_tests.h):
// arm-neon's, arm-dotprod's and arm-i8mm's, each skipped on a CPU without the features its
// target checks at llm_open. test/Targets/arm/CMakeLists.txt runs each under qemu-aarch64 with a
// CPU model that has them (--gtest_filter=*/neon and so on).
#include "targets/arm/kernels_arm_dotprod.h"
#include "targets/arm/kernels_arm_i8mm.h"
#include "targets/arm/kernels_arm_neon.h"
#include "test/Targets/arm/arm_layout_tests.h"
#include "test/Targets/common/kernel_tests.h"

#include <asm/hwcap.h>
#include <sys/auxv.h>

namespace kernel_tests {
namespace {

bool has_asimd() { return (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0; }
bool has_dotprod() { return has_asimd() && (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0; }
bool has_i8mm() { return has_dotprod() && (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0; }

IsaKernels arm_kernels(const char* name, bool (*supported)()) {
  IsaKernels kernels;
  kernels.name = name;
  kernels.supported = supported;
  return kernels;
}

IsaKernels neon_kernels() {
  IsaKernels kernels = arm_kernels("neon", has_asimd);
#include "test/Targets/common/read_kernel_table.h"
#include "kernels_arm_neon.def"
#include "kernels_abi_undef.h"
  kernels.exp = llmk_neon_exp_f32;
  return kernels;
}

IsaKernels dotprod_kernels() {
  IsaKernels kernels = arm_kernels("dotprod", has_dotprod);
#include "test/Targets/common/read_kernel_table.h"
#include "kernels_arm_dotprod.def"
#include "kernels_abi_undef.h"
  kernels.exp = llmk_dotprod_exp_f32;
  return kernels;
}

IsaKernels i8mm_kernels() {
  IsaKernels kernels = arm_kernels("i8mm", has_i8mm);
#include "test/Targets/common/read_kernel_table.h"
#include "kernels_arm_i8mm.def"
#include "kernels_abi_undef.h"
  kernels.exp = llmk_i8mm_exp_f32;
  return kernels;
}

const IsaKernels kNeonKernels = neon_kernels();
const IsaKernels kDotprodKernels = dotprod_kernels();
const IsaKernels kI8mmKernels = i8mm_kernels();

INSTANTIATE_TEST_SUITE_P(Arm, IsaKernelTest,
                         ::testing::Values(&kNeonKernels, &kDotprodKernels, &kI8mmKernels),
                         IsaName);

}  // namespace
}  // namespace kernel_tests
