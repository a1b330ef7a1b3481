// kernels_arm_simd.h - the small helpers every ARM kernel header uses: full unrolling of the
// register-tile loops and inlining of what they call, and the fp16 scales as float.
//
// Everything sits in an unnamed namespace: each kernel file gets its own copy, compiled with its
// own -march.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_SIMD_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_SIMD_H

#include "runtime/quant_format.h"

#include <cstring>

// The loops over a tile's R weight rows and C tokens must unroll completely, so that the R x C
// accumulators live in registers.
#define LLMK_ARM_UNROLL _Pragma("GCC unroll 16")
// The loops over a super-block's sub-blocks must not: unrolled, the compilers load a whole block
// of every row of the tile at once and spill.
#define LLMK_ARM_ROLLED _Pragma("GCC unroll 1")
// The functions called in the tile loops must inline, for the same reason: g++ leaves a
// q4_K block's product out of line otherwise, its accumulators passed through memory.
#define LLMK_ARM_INLINE inline __attribute__((always_inline))

namespace {

inline int min_int(int a, int b) { return a < b ? a : b; }

/// A binary16 scale as float, with the FP unit's conversion (exact, as llmrt_fp16_to_fp32).
inline float fp16_to_float(llmrt_fp16 bits) {
  __fp16 h;
  std::memcpy(&h, &bits, sizeof(h));
  return h;
}

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_SIMD_H
