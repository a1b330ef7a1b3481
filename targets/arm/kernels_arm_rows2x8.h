// kernels_arm_rows2x8.h - arm-i8mm's quantized linears on weights stored as #arm.rows2x8
// (targets/arm/weight_layouts.h): per pair of rows and block, the 2 rows' fp16 scales, then the
// quants of the 2 rows interleaved in 8-byte words. Build with +i8mm (and +dotprod).
//
// smmla multiplies a 2x8 int8 matrix of weights (8 values of 2 rows: 16 stored bytes) with a
// 2x8 matrix of activations (the same 8 values of 2 tokens) into a 2x2 int32 tile. Four smmla
// sum a block's 32 products of 2 rows and 2 tokens exactly in the tile's lanes; the tile is
// converted and scaled once per block, where the row kernels (kernels_arm_rows.h) convert and
// scale four partial sums per output: results differ from theirs in the order of the float
// operations only. A lone token (decode) goes through sdot instead (rows2x8_token_tile), which
// spends no half of each product on a second token.
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

// A weight type W: kQuantBytes, a row pair's quant bytes per block; W::matrices(p, out), the
// 2x8 matrices of values 8j..8j+7 (j = 0..3) of the 2 rows as signed bytes (times a power of
// two), from the quants at p; W::to_float(sum), a sum of their products with int8 activations
// as the float of the true quants' sum (exact: |sum| < 2^24); and kPromptPairs, the row pairs
// of a prompt tile: 4 (8 rows by 4 tokens) where the compilers keep the tile in registers, 2
// where they spill it (q4_0's unpacking takes the registers).

struct Q8_0Rows2x8 {
  static const int kQuantBytes = 64;
  static const int kPromptPairs = 4;
  static void matrices(const uint8_t* p, int8x16_t out[4]) {
    LLMK_ARM_UNROLL
    for (int j = 0; j < 4; ++j) out[j] = vld1q_s8(reinterpret_cast<const int8_t*>(p) + 16 * j);
  }
  static float32x4_t to_float(int32x4_t sum) { return vcvtq_f32_s32(sum); }
};

/// Byte word h (h = 0, 1) of the 2 rows holds values 8h..8h+7 in its low nibbles and
/// 16+8h..16+8h+7 in its high ones, stored plus 8 with each nibble's top bit flipped
/// (llmc::arm::kQ4_0NibbleFlip): moved to the top of its byte, 16 q.
struct Q4_0Rows2x8 {
  static const int kQuantBytes = 32;
  static const int kPromptPairs = 2;
  static void matrices(const uint8_t* p, int8x16_t out[4]) {
    LLMK_ARM_UNROLL
    for (int h = 0; h < 2; ++h) {
      const uint8x16_t q = vld1q_u8(p + 16 * h);
      out[h] = vreinterpretq_s8_u8(vshlq_n_u8(q, 4));
      out[2 + h] = vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0xf0)));
    }
  }
  static float32x4_t to_float(int32x4_t sum) { return vcvtq_n_f32_s32(sum, 4); }
};

/// The activations' matrices for tokens t and u: out[j] holds t's values 8j..8j+7, then u's.
inline void token_pair_matrices(const llmrt_block_q8_0& t, const llmrt_block_q8_0& u,
                                int8x16_t out[4]) {
  LLMK_ARM_UNROLL
  for (int h = 0; h < 2; ++h) {
    const int64x2_t th = vreinterpretq_s64_s8(vld1q_s8(t.qs + 16 * h));
    const int64x2_t uh = vreinterpretq_s64_s8(vld1q_s8(u.qs + 16 * h));
    out[2 * h] = vreinterpretq_s8_s64(vzip1q_s64(th, uh));
    out[2 * h + 1] = vreinterpretq_s8_s64(vzip2q_s64(th, uh));
  }
}

/// out[p][q] (lanes: row 2p with tokens 2q, 2q + 1, then row 2p + 1 with them) for P row pairs
/// (`pair_bytes` apart) and T token pairs over `blocks` blocks; `tokens` (1..2T) are the rows of
/// x, the missing ones replaced by the last.
template <class W, int P, int T>
void rows2x8_tile(const uint8_t* w, size_t pair_bytes, const llmrt_block_q8_0* x, int tokens,
                  int blocks, float32x4_t out[P][T]) {
  const int column_bytes = 2 * sizeof(llmrt_fp16) + W::kQuantBytes;
  float32x4_t acc[P][T];
  LLMK_ARM_UNROLL
  for (int p = 0; p < P; ++p) {
    LLMK_ARM_UNROLL
    for (int q = 0; q < T; ++q) acc[p][q] = vdupq_n_f32(0.0f);
  }
  for (int b = 0; b < blocks; ++b) {
    int8x16_t xm[T][4];
    float32x4_t dx[T];  // the pair's scales: t, u, t, u
    LLMK_ARM_UNROLL
    for (int q = 0; q < T; ++q) {
      // A tile's missing tokens read its last one (their outputs are not stored).
      const int t = min_int(2 * q, tokens - 1), u = min_int(2 * q + 1, tokens - 1);
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
        int32x4_t sums = vmmlaq_s32(vdupq_n_s32(0), wm[0], xm[q][0]);
        sums = vmmlaq_s32(sums, wm[1], xm[q][1]);
        sums = vmmlaq_s32(sums, wm[2], xm[q][2]);
        sums = vmmlaq_s32(sums, wm[3], xm[q][3]);
        // Exact: |sum| <= 32 * 128 * 127 < 2^24.
        acc[p][q] = vfmaq_f32(acc[p][q], W::to_float(sums), vmulq_f32(dw, dx[q]));
      }
    }
  }
  LLMK_ARM_UNROLL
  for (int p = 0; p < P; ++p) {
    LLMK_ARM_UNROLL
    for (int q = 0; q < T; ++q) out[p][q] = acc[p][q];
  }
}

/// out[q] (lane r: row 4q + r) = the 4Q rows of 2Q row pairs (`pair_bytes` apart) . one
/// token's activation row over `blocks` blocks, by sdot rather than smmla, which would spend
/// half of each product on a second token: word j of a pair (8 values of 2 rows) against the
/// token's values 8j..8j+7 in both halves gives lanes row 0, row 0, row 1, row 1, and one
/// pairwise add per block makes 2 pairs' sums 4 rows' lanes, converted and scaled once. The
/// token's words are duplicated once per block for all the pairs.
template <class W, int Q>
LLMK_ARM_INLINE void rows2x8_token_tile(const uint8_t* w, size_t pair_bytes,
                                        const llmrt_block_q8_0* x, int blocks,
                                        float32x4_t out[Q]) {
  const int column_bytes = 2 * sizeof(llmrt_fp16) + W::kQuantBytes;
  float32x4_t acc[Q];
  LLMK_ARM_UNROLL
  for (int q = 0; q < Q; ++q) acc[q] = vdupq_n_f32(0.0f);
  for (int b = 0; b < blocks; ++b) {
    const llmrt_block_q8_0& xb = x[b];
    int8x16_t xw[4];  // values 8j..8j+7, twice
    LLMK_ARM_UNROLL
    for (int h = 0; h < 2; ++h) {
      const int64x2_t half = vreinterpretq_s64_s8(vld1q_s8(xb.qs + 16 * h));
      xw[2 * h] = vreinterpretq_s8_s64(vdupq_laneq_s64(half, 0));
      xw[2 * h + 1] = vreinterpretq_s8_s64(vdupq_laneq_s64(half, 1));
    }
    const float dx = fp16_to_float(xb.d);
    LLMK_ARM_UNROLL
    for (int q = 0; q < Q; ++q) {
      llmrt_fp16 scale_bits[4];
      int32x4_t sums[2];
      LLMK_ARM_UNROLL
      for (int p = 0; p < 2; ++p) {
        const uint8_t* column =
            w + (2 * q + p) * pair_bytes + static_cast<size_t>(b) * column_bytes;
        std::memcpy(scale_bits + 2 * p, column, 2 * sizeof(llmrt_fp16));
        int8x16_t wm[4];
        W::matrices(column + 2 * sizeof(llmrt_fp16), wm);
        sums[p] = vdotq_s32(vdupq_n_s32(0), wm[0], xw[0]);
        LLMK_ARM_UNROLL
        for (int j = 1; j < 4; ++j) sums[p] = vdotq_s32(sums[p], wm[j], xw[j]);
      }
      float16x4_t scales_h;
      std::memcpy(&scales_h, scale_bits, sizeof(scales_h));
      const float32x4_t dw = vcvt_f32_f16(scales_h);  // exact
      acc[q] = vfmaq_f32(acc[q], W::to_float(vpaddq_s32(sums[0], sums[1])), vmulq_n_f32(dw, dx));
    }
  }
  LLMK_ARM_UNROLL
  for (int q = 0; q < Q; ++q) out[q] = acc[q];
}

/// y[:, row_begin:row_end] = xq * w[row_begin:row_end, :]^T (+ bias) for weights in
/// #arm.rows2x8; m, row_begin and row_end multiples of 2. Tiles of W::kPromptPairs row pairs,
/// then 2 (4 rows, the thread split's unit), by 2 token pairs, or 1 for the last one or two
/// tokens; a last lone token (decode: the only one) by sdot, 8 rows at a time, then 4; a
/// range's last pair on its own. Every path adds the same exact block sums in the same float
/// order, so an output does not depend on its tile.
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
  auto rows = [&](auto token_pairs, int i) {
    typedef std::integral_constant<int, 1> One;
    typedef std::integral_constant<int, 2> Two;
    int o = row_begin;
    if (n - i == 1) {  // a lone token (decode): sdot
      auto lone = [&](auto quads) {
        constexpr int Q = decltype(quads)::value;
        float32x4_t out[Q];
        rows2x8_token_tile<W, Q>(pairs + static_cast<size_t>(o / Rows2x8::kRows) * pair_bytes,
                                 pair_bytes, x + static_cast<size_t>(i) * blocks, blocks, out);
        LLMK_ARM_UNROLL
        for (int q = 0; q < Q; ++q) {
          const float32x4_t b =
              bias != nullptr ? vld1q_f32(bias + o + 4 * q) : vdupq_n_f32(0.0f);
          vst1q_f32(y + static_cast<size_t>(i) * m + o + 4 * q, vaddq_f32(out[q], b));
        }
        o += 4 * Q;
      };
      while (o + 8 <= row_end) lone(std::integral_constant<int, 2>());
      if (o + 4 <= row_end) lone(One());
    }
    typedef std::integral_constant<int, W::kPromptPairs> Prompt;
    const int prompt_rows = 2 * Prompt::value;
    for (; o + prompt_rows <= row_end; o += prompt_rows) tile(Prompt(), token_pairs, o, i);
    for (; o + 4 <= row_end; o += 4) tile(Two(), token_pairs, o, i);
    if (o < row_end) tile(One(), token_pairs, o, i);
  };
  // Tokens 4 at a time, the last 1 or 2 (decode: all of them) as one pair.
  int i = 0;
  for (; i + 2 < n; i += 4) rows(std::integral_constant<int, 2>(), i);
  if (i < n) rows(std::integral_constant<int, 1>(), i);
}

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_ROWS2X8_H
