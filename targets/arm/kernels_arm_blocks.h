// kernels_arm_blocks.h - the quantized weight types of the ARM kernels: how a block of each
// weight scheme (runtime/quant_format.h) meets the activation block it pairs with, for
// kernels_arm_rows.h's tiles. The int8 products come from the including file's policy Dot:
//
//   Dot::dot32(w, x)  the 32 products w[j] * x[j] (int8x16x2_t each) summed exactly into the
//                     four int32 lanes of the result, in any split
//   Dot::dot16(w, x)  the same for 16 products (int8x16_t each)
//   in both |w[j] * x[j]| < 2^14, so that two products fit an int16 (arm-neon sums pairs so).
//
// A weight type W:
//   Block, XBlock, kValues  the weight block, the activation block it pairs with, their values
//   Acc                one (row, token)'s running sum: zero(), sum(acc) its float total
//   tile<Dot, R, C>(w, x, row_blocks, acc)  adds the products of one block column of an R x C
//                      tile to acc[r][c]: the blocks w[r * row_blocks] of R weight rows with
//                      x[c * row_blocks] of C tokens, each weight block loaded and unpacked once
//                      for all the tokens
// The 32-value blocks hold each token's activation block in registers for all the rows
// (PreparedTile); the 256-value ones go through the block a sub-block at a time, each token's
// 32 or 16 activations in registers for all the rows.
//
// Every block's integer dot products are exact, as in the generic kernels; the int32 lanes are
// converted to float and scaled by the blocks' scales into float lanes, summed at the end. So an
// output differs from the generic kernel's only in the order of its float operations.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_BLOCKS_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_BLOCKS_H

#include "kernels_arm_simd.h"
#include "kernels_q4_k_scales.h"  // targets/common, beside this file in out/
#include "runtime/quant_format.h"

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

namespace {

/// 32 int8 quants.
inline int8x16x2_t load_quants32(const int8_t* qs /* (32) */) {
  int8x16x2_t q;
  q.val[0] = vld1q_s8(qs);
  q.val[1] = vld1q_s8(qs + 16);
  return q;
}

/// The 32 nibbles of a q4_0 / q4_1 block, 0..15: values 0..15 in the low nibbles, 16..31 in the
/// high ones.
inline int8x16x2_t load_nibbles(const uint8_t* qs /* (16) */) {
  const uint8x16_t packed = vld1q_u8(qs);
  int8x16x2_t q;
  q.val[0] = vreinterpretq_s8_u8(vandq_u8(packed, vdupq_n_u8(15)));
  q.val[1] = vreinterpretq_s8_u8(vshrq_n_u8(packed, 4));
  return q;
}

/// A running sum in four float lanes.
struct LaneSum {
  typedef float32x4_t Acc;
  static Acc zero() { return vdupq_n_f32(0.0f); }
  static float sum(Acc acc) { return vaddvq_f32(acc); }
};

// ---- 32-value blocks -------------------------------------------------------------------------

/// The tile of W, a 32-value block type with an activation block made ready once per tile for
/// all its rows (X, from prep(xb)) and dot<Dot, C>(wb, x, acc), which adds weight block wb's
/// products with the C tokens' ready blocks to acc[c].
template <class W>
struct PreparedTile {
  template <class Dot, int R, int C, class Block, class XBlock, class Acc>
  LLMK_ARM_INLINE static void tile(const Block* w, const XBlock* x, size_t row_blocks,
                                   Acc (*acc)[C]) {
    typename W::X xb[C];
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) xb[c] = W::prep(x[c * row_blocks]);
    LLMK_ARM_UNROLL
    for (int r = 0; r < R; ++r) W::template dot<Dot, C>(w[r * row_blocks], xb, acc[r]);
  }
};

/// Weights x = d * q with signed quants (q8_0, q4_0) and q8_0 activations: per block
/// dw * dx * (q . qx). Quants::quants(block) gives the 32 quants in value order.
template <class Quants>
struct SymmetricWeights : LaneSum, PreparedTile<SymmetricWeights<Quants>> {
  typedef typename Quants::Block Block;
  typedef llmrt_block_q8_0 XBlock;
  static const int kValues = LLMRT_QK;
  struct X {
    int8x16x2_t q;
    float d;
  };
  static X prep(const XBlock& x) { return X{load_quants32(x.qs), fp16_to_float(x.d)}; }
  template <class Dot, int C>
  LLMK_ARM_INLINE static void dot(const Block& w, const X* x, Acc* acc) {
    const int8x16x2_t q = Quants::quants(w);
    const float d = fp16_to_float(w.d);
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) {
      const float32x4_t sums = vcvtq_f32_s32(Dot::dot32(q, x[c].q));  // exact: |sum| < 2^24
      acc[c] = vfmaq_n_f32(acc[c], sums, d * x[c].d);
    }
  }
};

struct Q8_0Quants {
  typedef llmrt_block_q8_0 Block;
  static int8x16x2_t quants(const Block& b) { return load_quants32(b.qs); }
};

/// Stored plus 8.
struct Q4_0Quants {
  typedef llmrt_block_q4_0 Block;
  static int8x16x2_t quants(const Block& b) {
    int8x16x2_t q = load_nibbles(b.qs);
    q.val[0] = vsubq_s8(q.val[0], vdupq_n_s8(8));
    q.val[1] = vsubq_s8(q.val[1], vdupq_n_s8(8));
    return q;
  }
};

typedef SymmetricWeights<Q8_0Quants> Q8_0Weights;
typedef SymmetricWeights<Q4_0Quants> Q4_0Weights;

/// q4_1 weights x = d * q + m (q 0..15), q8_1 activations: per block dw * dx * (q . qx) + m * s,
/// s = dx * sum(qx) stored in the activation block. The m * s terms go to a float of their own.
struct Q4_1Weights : PreparedTile<Q4_1Weights> {
  typedef llmrt_block_q4_1 Block;
  typedef llmrt_block_q8_1 XBlock;
  static const int kValues = LLMRT_QK;
  struct X {
    int8x16x2_t q;
    float d, s;
  };
  struct Acc {
    float32x4_t v;  // scaled integer sums
    float m;        // sum of m * s
  };
  static Acc zero() { return Acc{vdupq_n_f32(0.0f), 0.0f}; }
  static float sum(const Acc& acc) { return vaddvq_f32(acc.v) + acc.m; }
  static X prep(const XBlock& x) {
    return X{load_quants32(x.qs), fp16_to_float(x.d), fp16_to_float(x.s)};
  }
  template <class Dot, int C>
  LLMK_ARM_INLINE static void dot(const Block& w, const X* x, Acc* acc) {
    const int8x16x2_t q = load_nibbles(w.qs);
    const float d = fp16_to_float(w.d), m = fp16_to_float(w.m);
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) {
      const float32x4_t sums = vcvtq_f32_s32(Dot::dot32(q, x[c].q));  // exact: |sum| < 2^24
      acc[c].v = vfmaq_n_f32(acc[c].v, sums, d * x[c].d);
      acc[c].m += m * x[c].s;
    }
  }
};

// ---- 256-value super-blocks, q8_K activations --------------------------------------------------
// Sub-block by sub-block, each row's sub-block sums with each token are multiplied by the
// sub-block's scale in int32 lanes (mla), so a super-block is converted to float once per row
// and token. A lane stays exact in int32; in float too but for extreme blocks past 2^24, where
// the generic kernel's one int32 sum rounds as well.

/// Zeroed int32 sums of an R x C tile.
template <int R, int C>
LLMK_ARM_INLINE void zero_sums(int32x4_t (*isum)[C]) {
  LLMK_ARM_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) isum[r][c] = vdupq_n_s32(0);
  }
}

/// q4_K weights: each 32 bytes of qs hold sub-block 2j in their low nibbles and 2j + 1 in their
/// high ones. Per block, d * dx * sum_s sc[s] * (q . qx)_s - dmin * dx * sum_s mn[s] * sum(qx)_s,
/// the activation sums from the block's bsums.
struct Q4_KWeights : LaneSum {
  typedef llmrt_block_q4_K Block;
  typedef llmrt_block_q8_K XBlock;
  static const int kValues = LLMRT_QK_K;
  template <class Dot, int R, int C>
  LLMK_ARM_INLINE static void tile(const Block* w, const XBlock* x, size_t row_blocks,
                                   Acc (*acc)[C]) {
    uint8_t sc[R][8], mn[R][8];
    LLMK_ARM_UNROLL
    for (int r = 0; r < R; ++r) q4_k_scales_mins(w[r * row_blocks].scales, sc[r], mn[r]);
    int32x4_t isum[R][C];
    zero_sums<R, C>(isum);
    LLMK_ARM_ROLLED
    for (int s = 0; s < 8; ++s) {
      int8x16x2_t xq[C];
      LLMK_ARM_UNROLL
      for (int c = 0; c < C; ++c) xq[c] = load_quants32(x[c * row_blocks].qs + 32 * s);
      const int8x16_t nibble = vdupq_n_s8(static_cast<int8_t>(-4 * (s % 2)));  // high: >> 4
      LLMK_ARM_UNROLL
      for (int r = 0; r < R; ++r) {
        const uint8_t* qs = w[r * row_blocks].qs + 32 * (s / 2);
        int8x16x2_t q;
        q.val[0] = vreinterpretq_s8_u8(vandq_u8(vshlq_u8(vld1q_u8(qs), nibble), vdupq_n_u8(15)));
        q.val[1] =
            vreinterpretq_s8_u8(vandq_u8(vshlq_u8(vld1q_u8(qs + 16), nibble), vdupq_n_u8(15)));
        LLMK_ARM_UNROLL
        for (int c = 0; c < C; ++c) {
          isum[r][c] = vmlaq_n_s32(isum[r][c], Dot::dot32(q, xq[c]), sc[r][s]);
        }
      }
    }
    LLMK_ARM_UNROLL
    for (int r = 0; r < R; ++r) {
      const Block& wb = w[r * row_blocks];
      const int16x8_t mins = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(mn[r])));
      const float d = fp16_to_float(wb.d), dmin = fp16_to_float(wb.dmin);
      LLMK_ARM_UNROLL
      for (int c = 0; c < C; ++c) {
        const XBlock& xb = x[c * row_blocks];
        // Lane s of the pairwise sums: sub-block s's activation sum (|.| <= 4096: int16).
        const int16x8_t sums = vpaddq_s16(vld1q_s16(xb.bsums), vld1q_s16(xb.bsums + 8));
        const int32x4_t min_sums =
            vmlal_high_s16(vmull_s16(vget_low_s16(mins), vget_low_s16(sums)), mins, sums);
        acc[r][c] = vfmaq_n_f32(acc[r][c], vcvtq_f32_s32(isum[r][c]), d * xb.d);
        acc[r][c] = vfmaq_n_f32(acc[r][c], vcvtq_f32_s32(min_sums), -(dmin * xb.d));
      }
    }
  }
};

/// q6_K weights: the 6-bit quants assembled in value order minus 32 (-32..31), 16-value
/// sub-blocks with signed 8-bit scales. Per block, d * dx * sum_s scale[s] * (q . qx)_s.
struct Q6_KWeights : LaneSum {
  typedef llmrt_block_q6_K Block;
  typedef llmrt_block_q8_K XBlock;
  static const int kValues = LLMRT_QK_K;

  /// Where sub-block s's 16 quants lie: s = 8g + 2p + h is the h-th 16 of the values 32p ..
  /// 32p + 31 of the 128 that ql bytes 64g + l and 64g + 32 + l (l < 32) and qh byte 32g + l
  /// hold; their low 4 bits are the low (p < 2) or high nibbles of those ql bytes, their high 2
  /// bits bits 2p and 2p + 1 of the qh bytes.
  struct SubBlock {
    int ql, qh;            // byte offsets
    int8x16_t low_shift;   // 0 or -4: the nibble, by vshlq's right shift
    int8x16_t high_shift;  // -2p
    explicit SubBlock(int s) {
      const int g = s / 8, p = s % 8 / 2, h = s % 2;
      ql = 64 * g + 32 * (p % 2) + 16 * h;
      qh = 32 * g + 16 * h;
      low_shift = vdupq_n_s8(static_cast<int8_t>(-4 * (p / 2)));
      high_shift = vdupq_n_s8(static_cast<int8_t>(-2 * p));
    }
  };
  /// The 16 quants of a sub-block, minus 32.
  static int8x16_t quants(const Block& b, const SubBlock& at) {
    const uint8x16_t low_bits = vshlq_u8(vld1q_u8(b.ql + at.ql), at.low_shift);
    const uint8x16_t high_bits = vshlq_u8(vld1q_u8(b.qh + at.qh), at.high_shift);
    const uint8x16_t low = vandq_u8(low_bits, vdupq_n_u8(15));
    const uint8x16_t high = vandq_u8(high_bits, vdupq_n_u8(3));
    return vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(low, vshlq_n_u8(high, 4))), vdupq_n_s8(32));
  }
  template <class Dot, int R, int C>
  LLMK_ARM_INLINE static void tile(const Block* w, const XBlock* x, size_t row_blocks,
                                   Acc (*acc)[C]) {
    int32x4_t isum[R][C];
    zero_sums<R, C>(isum);
    LLMK_ARM_ROLLED
    for (int s = 0; s < 16; ++s) {
      const SubBlock at(s);
      int8x16_t xq[C];
      LLMK_ARM_UNROLL
      for (int c = 0; c < C; ++c) xq[c] = vld1q_s8(x[c * row_blocks].qs + 16 * s);
      LLMK_ARM_UNROLL
      for (int r = 0; r < R; ++r) {
        const Block& wb = w[r * row_blocks];
        const int8x16_t q = quants(wb, at);
        LLMK_ARM_UNROLL
        for (int c = 0; c < C; ++c) {
          isum[r][c] = vmlaq_n_s32(isum[r][c], Dot::dot16(q, xq[c]), wb.scales[s]);
        }
      }
    }
    LLMK_ARM_UNROLL
    for (int r = 0; r < R; ++r) {
      const float d = fp16_to_float(w[r * row_blocks].d);
      LLMK_ARM_UNROLL
      for (int c = 0; c < C; ++c) {
        acc[r][c] = vfmaq_n_f32(acc[r][c], vcvtq_f32_s32(isum[r][c]), d * x[c * row_blocks].d);
      }
    }
  }
};

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_BLOCKS_H
