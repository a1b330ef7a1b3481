// kernels_arm_dotprod.cpp - the arm-dotprod target's kernels (see the header): kernels_arm_rows.h's
// drivers with the int8 products of the dot product instructions (sdot), and the kernels on
// its #arm.rows4x4 weights; the ops around them are kernels_arm_ops.h's.
#include "kernels_arm_dotprod.h"  // beside this file, here and in out/
#include "kernels_arm_blocks.h"
#include "kernels_arm_embed.h"
#include "kernels_arm_ops.h"
#include "kernels_arm_quantize.h"
#include "kernels_arm_rows.h"
#include "kernels_arm_rows4x4.h"
#include "kernels_arm_sdot.h"

LLMRT_NAMESPACE_BEGIN

namespace {
typedef SdotDot BlockDot;
}  // namespace

#include "kernels_arm_entries.h"
#include "kernels_abi_defaults.h"
#include "kernels_arm_dotprod.def"
#include "kernels_abi_undef.h"

void llmk_dotprod_exp_f32(const float* x, int count, float* out) { exp_rows(x, count, out); }

LLMRT_NAMESPACE_END
