// kernels_arm_i8mm.h - microkernels of the `arm-i8mm` target: armv8.2-a with the dot product
// and int8 matrix multiply instructions. Build kernels_arm_i8mm.cpp with
// -march=armv8.2-a+dotprod+i8mm.
//
// The kernels are the entries of kernels_arm_i8mm.def; each has a reference twin among the
// generic kernels (kernels_generic.def) that its tests compare it with. Shapes and block layouts
// as in kernels_abi.h and runtime/quant_format.h.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_I8MM_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_I8MM_H

#include "kernels_abi.h"  // targets/common: the signatures
#include "runtime/namespace.h"  // LLMRT_NAMESPACE_BEGIN, _END

LLMRT_NAMESPACE_BEGIN

// Every kernel of the table (kernels_arm_i8mm.def) with its ABI signature (kernels_abi.h).
#include "kernels_abi_declare.h"
#include "kernels_arm_i8mm.def"
#include "kernels_abi_undef.h"

/// e^x elementwise with the exp of its swiglu and attend kernels (kernels_arm_ops.h), for the
/// tests: within 2e-7 relative where e^x is a normal float, +inf above, subnormals and 0 below,
/// NaN stays NaN.
void llmk_i8mm_exp_f32(const float* x /* (count) */, int count, float* out /* (count) */);

LLMRT_NAMESPACE_END

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_I8MM_H
