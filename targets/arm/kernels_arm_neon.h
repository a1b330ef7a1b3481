// kernels_arm_neon.h - microkernels of the `arm-neon` target: armv8-a Advanced SIMD (NEON),
// no dot product instructions. Build kernels_arm_neon.cpp with -march=armv8-a.
//
// The kernels are the entries of kernels_arm_neon.def; each has a reference twin among the
// generic kernels (kernels_generic.def) that its tests compare it with. Shapes and block layouts
// as in kernels_abi.h and runtime/quant_format.h.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_NEON_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_NEON_H

#include "kernels_abi.h"  // targets/common: the signatures
#include "runtime/namespace.h"  // LLMRT_NAMESPACE_BEGIN, _END

LLMRT_NAMESPACE_BEGIN

// Every kernel of the table (kernels_arm_neon.def) with its ABI signature (kernels_abi.h).
#include "kernels_abi_declare.h"
#include "kernels_arm_neon.def"
#include "kernels_abi_undef.h"

/// e^x elementwise with the exp of its swiglu and attend kernels (kernels_arm_ops.h), for the
/// tests: within 2e-7 relative where e^x is a normal float, +inf above, subnormals and 0 below,
/// NaN stays NaN.
void llmk_neon_exp_f32(const float* x /* (count) */, int count, float* out /* (count) */);

LLMRT_NAMESPACE_END

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_NEON_H
