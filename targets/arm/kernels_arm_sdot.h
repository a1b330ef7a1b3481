// kernels_arm_sdot.h - the int8 products of the ARM targets with the dot product instructions
// (arm-dotprod, arm-i8mm): sdot sums four adjacent int8 products into each int32 lane, so 16
// products take one instruction and 32 two. Build with +dotprod.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_SDOT_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_SDOT_H

#include <arm_neon.h>

namespace {

/// kernels_arm_blocks.h's Dot: lane l holds the products of values 4l .. 4l + 3 (and, in dot32,
/// 16 + 4l .. 16 + 4l + 3).
struct SdotDot {
  static int32x4_t dot16(int8x16_t w, int8x16_t x) { return vdotq_s32(vdupq_n_s32(0), w, x); }
  static int32x4_t dot32(int8x16x2_t w, int8x16x2_t x) {
    return vdotq_s32(dot16(w.val[0], x.val[0]), w.val[1], x.val[1]);
  }
};

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_SDOT_H
