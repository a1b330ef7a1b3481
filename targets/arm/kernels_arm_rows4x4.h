// kernels_arm_rows4x4.h - arm-dotprod's quantized linears on weights stored as #arm.rows4x4
// (targets/arm/weight_layouts.h): per group of 4 rows and block, the 4 rows' fp16 scales, then
// each 4-byte word of the quants for the 4 rows. Build with +dotprod.
//
// One 16-byte load holds word j of 4 rows; sdot by lane multiplies it with word j of a token's
// activations, so the 4 rows' products land in the 4 lanes of one register and no lanes are
// summed per block. Sum l (l = 0..3) takes words l and 4 + l, the values the row kernels'
// lane l holds (kernels_arm_rows.h, quant_tile), and is scaled and added in float in the same
// order, its lanes now rows: every output is bit-identical to the row kernels'.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_ROWS4X4_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_ROWS4X4_H

#include "kernels_arm_rows.h"

#include <arm_neon.h>

namespace {

/// The rows of a group: llmc::arm::kRows4x4 (weight_layouts.h), which packs what the kernel tests
/// run these kernels on.
struct Rows4x4 {
  static const int kRows = 4;
};

// A weight type W: kQuantBytes, a group's quant bytes per block, and W::words(p, out), the 8
// registers of quant word j (j = 0..7) of the 4 rows, values 4j..4j+3 as signed bytes, from the
// quants at p.

struct Q8_0Rows4x4 {
  static const int kQuantBytes = 128;  // 8 words of 4 rows
  static void words(const uint8_t* p, int8x16_t out[8]) {
    LLMK_ARM_UNROLL
    for (int j = 0; j < 8; ++j) out[j] = vld1q_s8(reinterpret_cast<const int8_t*>(p) + 16 * j);
  }
};

/// Byte word j (j = 0..3) holds values 4j..4j+3 in its low nibbles and 16+4j.. in its high
/// ones: words j and 4 + j, stored plus 8.
struct Q4_0Rows4x4 {
  static const int kQuantBytes = 64;  // 4 byte words of 4 rows
  static void words(const uint8_t* p, int8x16_t out[8]) {
    const int8x16_t eight = vdupq_n_s8(8);
    LLMK_ARM_UNROLL
    for (int j = 0; j < 4; ++j) {
      const uint8x16_t packed = vld1q_u8(p + 16 * j);
      out[j] = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(packed, vdupq_n_u8(15))), eight);
      out[4 + j] = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(packed, 4)), eight);
    }
  }
};

/// out[c] (lane r: row r) = the group's 4 rows . activation row c over `blocks` blocks, for C
/// tokens (rows `blocks` blocks apart).
template <class W, int C>
void rows4x4_tile(const uint8_t* w, const llmrt_block_q8_0* x, int blocks, float32x4_t out[C]) {
  const int column_bytes = 4 * sizeof(llmrt_fp16) + W::kQuantBytes;
  float32x4_t acc[C][4];
  LLMK_ARM_UNROLL
  for (int c = 0; c < C; ++c) {
    LLMK_ARM_UNROLL
    for (int l = 0; l < 4; ++l) acc[c][l] = vdupq_n_f32(0.0f);
  }
  for (int b = 0; b < blocks; ++b) {
    const uint8_t* column = w + static_cast<size_t>(b) * column_bytes;
    llmrt_fp16 scale_bits[4];
    std::memcpy(scale_bits, column, sizeof(scale_bits));
    float16x4_t scales_h;
    std::memcpy(&scales_h, scale_bits, sizeof(scales_h));
    const float32x4_t dw = vcvt_f32_f16(scales_h);  // exact
    int8x16_t wq[8];
    W::words(column + sizeof(scale_bits), wq);
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) {
      const llmrt_block_q8_0& xb = x[static_cast<size_t>(c) * blocks + b];
      const int8x16_t x0 = vld1q_s8(xb.qs), x1 = vld1q_s8(xb.qs + 16);
      const float32x4_t scale = vmulq_n_f32(dw, fp16_to_float(xb.d));
      int32x4_t sums[4];
      sums[0] = vdotq_laneq_s32(vdotq_laneq_s32(vdupq_n_s32(0), wq[0], x0, 0), wq[4], x1, 0);
      sums[1] = vdotq_laneq_s32(vdotq_laneq_s32(vdupq_n_s32(0), wq[1], x0, 1), wq[5], x1, 1);
      sums[2] = vdotq_laneq_s32(vdotq_laneq_s32(vdupq_n_s32(0), wq[2], x0, 2), wq[6], x1, 2);
      sums[3] = vdotq_laneq_s32(vdotq_laneq_s32(vdupq_n_s32(0), wq[3], x0, 3), wq[7], x1, 3);
      LLMK_ARM_UNROLL
      for (int l = 0; l < 4; ++l) {
        acc[c][l] = vfmaq_f32(acc[c][l], vcvtq_f32_s32(sums[l]), scale);  // exact conversion
      }
    }
  }
  // The row kernels' vaddvq_f32: (lane 0 + lane 1) + (lane 2 + lane 3).
  LLMK_ARM_UNROLL
  for (int c = 0; c < C; ++c) {
    out[c] = vaddq_f32(vaddq_f32(acc[c][0], acc[c][1]), vaddq_f32(acc[c][2], acc[c][3]));
  }
}

/// y[:, row_begin:row_end] = xq * w[row_begin:row_end, :]^T (+ bias) for weights in
/// #arm.rows4x4; m, row_begin and row_end multiples of 4. Tokens two at a time: 8 float and 8
/// weight registers, and the 4 sums of a token.
template <class W>
void linear_rows4x4(const void* xq /* (n, blocks) */, const void* w /* (m / 4, blocks, 4) */,
                    const float* bias, int n, int k, int m, int row_begin, int row_end,
                    float* y /* (n, m) */) {
  const int blocks = (k + LLMRT_QK - 1) / LLMRT_QK;
  const size_t group_bytes =
      static_cast<size_t>(blocks) * (4 * sizeof(llmrt_fp16) + W::kQuantBytes);
  const llmrt_block_q8_0* x = static_cast<const llmrt_block_q8_0*>(xq);
  const uint8_t* groups = static_cast<const uint8_t*>(w);
  auto tokens = [&](auto count, int i) {
    constexpr int C = decltype(count)::value;
    for (int o = row_begin; o < row_end; o += Rows4x4::kRows) {
      float32x4_t out[C];
      rows4x4_tile<W, C>(groups + static_cast<size_t>(o / Rows4x4::kRows) * group_bytes,
                         x + static_cast<size_t>(i) * blocks, blocks, out);
      const float32x4_t b = bias != nullptr ? vld1q_f32(bias + o) : vdupq_n_f32(0.0f);
      LLMK_ARM_UNROLL
      for (int c = 0; c < C; ++c) {
        vst1q_f32(y + static_cast<size_t>(i + c) * m + o, vaddq_f32(out[c], b));
      }
    }
  };
  int i = 0;
  for (; i + 2 <= n; i += 2) tokens(std::integral_constant<int, 2>(), i);
  if (i < n) tokens(std::integral_constant<int, 1>(), i);
}

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_ROWS4X4_H
