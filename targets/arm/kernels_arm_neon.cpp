// kernels_arm_neon.cpp - the arm-neon target's kernels (see the header): kernels_arm_rows.h's
// drivers with the int8 products of plain armv8-a Advanced SIMD;
// the ops around them are kernels_arm_ops.h's.
#include "kernels_arm_neon.h"  // beside this file, here and in out/
#include "kernels_arm_blocks.h"
#include "kernels_arm_ops.h"
#include "kernels_arm_quantize.h"
#include "kernels_arm_rows.h"

#include <arm_neon.h>

LLMRT_NAMESPACE_BEGIN

namespace {

/// kernels_arm_blocks.h's Dot without dot product instructions: smull multiplies 8 int8 pairs
/// into int16 lanes, smlal adds the next 8 (two products below 2^14 each fit in int16), and
/// saddlp / sadalp add adjacent int16 lanes into the int32 ones.
struct BlockDot {
  static int16x8_t products16(int8x16_t w, int8x16_t x) {
    const int16x8_t low = vmull_s8(vget_low_s8(w), vget_low_s8(x));
    return vmlal_s8(low, vget_high_s8(w), vget_high_s8(x));
  }
  static int32x4_t dot16(int8x16_t w, int8x16_t x) { return vpaddlq_s16(products16(w, x)); }
  static int32x4_t dot32(int8x16x2_t w, int8x16x2_t x) {
    return vpadalq_s16(dot16(w.val[0], x.val[0]), products16(w.val[1], x.val[1]));
  }
};

}  // namespace

#include "kernels_arm_entries.h"
#include "kernels_abi_defaults.h"
#include "kernels_arm_neon.def"
#include "kernels_abi_undef.h"

void llmk_neon_exp_f32(const float* x, int count, float* out) { exp_rows(x, count, out); }

LLMRT_NAMESPACE_END
