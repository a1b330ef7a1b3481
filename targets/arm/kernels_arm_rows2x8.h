// kernels_arm_rows2x8.h - arm-i8mm's quantized linears on weights stored as #arm.rows2x8
// (targets/arm/weight_layouts.h): per pair of rows and block, the 2 rows' fp16 scales, then four
// 2x8 int8 matrices M_l, row r of M_l holding that row's values 4l..4l+3 and 16+4l..16+4l+3.
// Build with +i8mm.
//
// smmla multiplies a 2x8 matrix of weights (2 rows) with a 2x8 matrix of activations (2
// tokens) into a 2x2 int32 tile. With M_l and the two tokens' values 4l..4l+3, 16+4l..16+4l+3
// each tile lane is the sum that the row kernels' lane l holds (kernels_arm_rows.h,
// quant_tile) for one (row, token); the four sums are scaled and added in float in the row
// kernels' order, so every output is bit-identical to theirs, for any token count (a lone last
// token is paired with itself).
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_ROWS2X8_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_ROWS2X8_H

#include "kernels_arm_rows.h"

#include <arm_neon.h>

namespace {

/// The rows of a group: llmc::arm::kRows2x8 (weight_layouts.h), which packs what the kernel
/// tests run these kernels on.
struct Rows2x8 {
  static const int kRows = 2;
};

// A weight type W: kQuantBytes, a row pair's quant bytes per block, and W::matrices(p, out),
// the four matrices M_l as signed bytes from the quants at p.

struct Q8_0Rows2x8 {
  static const int kQuantBytes = 64;
  static void matrices(const uint8_t* p, int8x16_t out[4]) {
    LLMK_ARM_UNROLL
    for (int l = 0; l < 4; ++l) out[l] = vld1q_s8(reinterpret_cast<const int8_t*>(p) + 16 * l);
  }
};

/// M_0 and M_2 in the low nibbles of the two 16-byte registers, M_1 and M_3 in the high ones,
/// stored plus 8.
struct Q4_0Rows2x8 {
  static const int kQuantBytes = 32;
  static void matrices(const uint8_t* p, int8x16_t out[4]) {
    const int8x16_t eight = vdupq_n_s8(8);
    LLMK_ARM_UNROLL
    for (int h = 0; h < 2; ++h) {
      const uint8x16_t packed = vld1q_u8(p + 16 * h);
      out[2 * h] = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(packed, vdupq_n_u8(15))), eight);
      out[2 * h + 1] = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(packed, 4)), eight);
    }
  }
};

/// The activations' matrices for tokens t and u: out[l] holds t's values 4l..4l+3,
/// 16+4l..16+4l+3, then u's. Zipping a block's two 16-byte halves by 32-bit words pairs word l
/// with word 4 + l.
inline void token_pair_matrices(const llmrt_block_q8_0& t, const llmrt_block_q8_0& u,
                                int8x16_t out[4]) {
  const int32x4_t t0 = vreinterpretq_s32_s8(vld1q_s8(t.qs));
  const int32x4_t t1 = vreinterpretq_s32_s8(vld1q_s8(t.qs + 16));
  const int32x4_t u0 = vreinterpretq_s32_s8(vld1q_s8(u.qs));
  const int32x4_t u1 = vreinterpretq_s32_s8(vld1q_s8(u.qs + 16));
  const int64x2_t t_low = vreinterpretq_s64_s32(vzip1q_s32(t0, t1));  // M_0, M_1 rows of t
  const int64x2_t t_high = vreinterpretq_s64_s32(vzip2q_s32(t0, t1));  // M_2, M_3 rows
  const int64x2_t u_low = vreinterpretq_s64_s32(vzip1q_s32(u0, u1));
  const int64x2_t u_high = vreinterpretq_s64_s32(vzip2q_s32(u0, u1));
  out[0] = vreinterpretq_s8_s64(vzip1q_s64(t_low, u_low));
  out[1] = vreinterpretq_s8_s64(vzip2q_s64(t_low, u_low));
  out[2] = vreinterpretq_s8_s64(vzip1q_s64(t_high, u_high));
  out[3] = vreinterpretq_s8_s64(vzip2q_s64(t_high, u_high));
}

/// out[p][q] (lanes: row 2p with tokens 2q, 2q + 1, then row 2p + 1 with them) for P row pairs
/// (`pair_bytes` apart) and T token pairs over `blocks` blocks; `tokens` (1..2T) are the rows of
/// x, a missing last token replaced by the one before.
template <class W, int P, int T>
void rows2x8_tile(const uint8_t* w, size_t pair_bytes, const llmrt_block_q8_0* x, int tokens,
                  int blocks, float32x4_t out[P][T]) {
  const int column_bytes = 2 * sizeof(llmrt_fp16) + W::kQuantBytes;
  float32x4_t acc[P][T][4];
  LLMK_ARM_UNROLL
  for (int p = 0; p < P; ++p) {
    LLMK_ARM_UNROLL
    for (int q = 0; q < T; ++q) {
      LLMK_ARM_UNROLL
      for (int l = 0; l < 4; ++l) acc[p][q][l] = vdupq_n_f32(0.0f);
    }
  }
  for (int b = 0; b < blocks; ++b) {
    int8x16_t xm[T][4];
    float32x4_t dx[T];  // the pair's scales: t, u, t, u
    LLMK_ARM_UNROLL
    for (int q = 0; q < T; ++q) {
      const int t = 2 * q, u = min_int(2 * q + 1, tokens - 1);
      const llmrt_block_q8_0& xt = x[static_cast<size_t>(t) * blocks + b];
      const llmrt_block_q8_0& xu = x[static_cast<size_t>(u) * blocks + b];
      token_pair_matrices(xt, xu, xm[q]);
      const float32x2_t pair = {fp16_to_float(xt.d), fp16_to_float(xu.d)};
      dx[q] = vcombine_f32(pair, pair);
    }
    LLMK_ARM_UNROLL
    for (int p = 0; p < P; ++p) {
      const uint8_t* column = w + p * pair_bytes + static_cast<size_t>(b) * column_bytes;
      llmrt_fp16 scale_bits[2];
      std::memcpy(scale_bits, column, sizeof(scale_bits));
      const float32x4_t dw = vcombine_f32(vdup_n_f32(fp16_to_float(scale_bits[0])),
                                          vdup_n_f32(fp16_to_float(scale_bits[1])));
      int8x16_t wm[4];
      W::matrices(column + sizeof(scale_bits), wm);
      LLMK_ARM_UNROLL
      for (int q = 0; q < T; ++q) {
        const float32x4_t scale = vmulq_f32(dw, dx[q]);
        LLMK_ARM_UNROLL
        for (int l = 0; l < 4; ++l) {
          const int32x4_t sums = vmmlaq_s32(vdupq_n_s32(0), wm[l], xm[q][l]);
          acc[p][q][l] = vfmaq_f32(acc[p][q][l], vcvtq_f32_s32(sums), scale);  // exact sums
        }
      }
    }
  }
  // The row kernels' vaddvq_f32: (lane 0 + lane 1) + (lane 2 + lane 3).
  LLMK_ARM_UNROLL
  for (int p = 0; p < P; ++p) {
    LLMK_ARM_UNROLL
    for (int q = 0; q < T; ++q) {
      out[p][q] = vaddq_f32(vaddq_f32(acc[p][q][0], acc[p][q][1]),
                            vaddq_f32(acc[p][q][2], acc[p][q][3]));
    }
  }
}

/// y[:, row_begin:row_end] = xq * w[row_begin:row_end, :]^T (+ bias) for weights in
/// #arm.rows2x8; m, row_begin and row_end multiples of 2. One or two tokens (decode): 2 row
/// pairs a tile, reading each token pair's matrices for 4 rows; more: 1 row pair with 2 token
/// pairs, reading each row pair's matrices for 4 tokens. Either way 8 float accumulators.
template <class W>
void linear_rows2x8(const void* xq /* (n, blocks) */, const void* w /* (m / 2, blocks, 2) */,
                    const float* bias, int n, int k, int m, int row_begin, int row_end,
                    float* y /* (n, m) */) {
  const int blocks = (k + LLMRT_QK - 1) / LLMRT_QK;
  const size_t pair_bytes =
      static_cast<size_t>(blocks) * (2 * sizeof(llmrt_fp16) + W::kQuantBytes);
  const llmrt_block_q8_0* x = static_cast<const llmrt_block_q8_0*>(xq);
  const uint8_t* pairs = static_cast<const uint8_t*>(w);
  // Rows o .. o + 2P - 1 for tokens i .. i + min(2T, n - i) - 1.
  auto tile = [&](auto row_pairs, auto token_pairs, int o, int i) {
    constexpr int P = decltype(row_pairs)::value, T = decltype(token_pairs)::value;
    const int tokens = min_int(2 * T, n - i);
    float32x4_t out[P][T];
    rows2x8_tile<W, P, T>(pairs + static_cast<size_t>(o / Rows2x8::kRows) * pair_bytes,
                          pair_bytes, x + static_cast<size_t>(i) * blocks, tokens, blocks, out);
    LLMK_ARM_UNROLL
    for (int p = 0; p < P; ++p) {
      LLMK_ARM_UNROLL
      for (int q = 0; q < T; ++q) {
        float part[4];
        vst1q_f32(part, out[p][q]);
        for (int j = 0; j < 4; ++j) {
          const int row = o + 2 * p + j / 2, token = 2 * q + j % 2;
          if (token >= tokens) continue;
          const float b = bias != nullptr ? bias[row] : 0.0f;
          y[static_cast<size_t>(i + token) * m + row] = part[j] + b;
        }
      }
    }
  };
  using One = std::integral_constant<int, 1>;
  using Two = std::integral_constant<int, 2>;
  if (n <= 2) {
    int o = row_begin;
    for (; o + 4 <= row_end; o += 4) tile(Two(), One(), o, 0);
    if (o < row_end) tile(One(), One(), o, 0);
    return;
  }
  for (int i = 0; i < n; i += 4) {
    for (int o = row_begin; o < row_end; o += 2) tile(One(), Two(), o, i);
  }
}

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_ROWS2X8_H
