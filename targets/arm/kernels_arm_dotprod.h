// kernels_arm_dotprod.h - microkernels of the `arm-dotprod` target: armv8.2-a with the dot
// product instructions (sdot). Build kernels_arm_dotprod.cpp with -march=armv8.2-a+dotprod.
//
// The kernels are the entries of kernels_arm_dotprod.def; each has a reference twin among the
// generic kernels (kernels_generic.def) that its tests compare it with. Shapes and block layouts
// as in kernels_abi.h and runtime/quant_format.h.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_DOTPROD_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_DOTPROD_H

#include "kernels_abi.h"  // targets/common: the signatures
#include "runtime/namespace.h"  // LLMRT_NAMESPACE_BEGIN, _END

LLMRT_NAMESPACE_BEGIN

// Every kernel of the table (kernels_arm_dotprod.def) with its ABI signature (kernels_abi.h).
#include "kernels_abi_declare.h"
#include "kernels_arm_dotprod.def"
#include "kernels_abi_undef.h"

/// e^x elementwise with the exp of its swiglu and attend kernels (kernels_arm_ops.h), for the
/// tests: within 2e-7 relative where e^x is a normal float, +inf above, subnormals and 0 below,
/// NaN stays NaN.
void llmk_dotprod_exp_f32(const float* x /* (count) */, int count, float* out /* (count) */);

LLMRT_NAMESPACE_END

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_DOTPROD_H
