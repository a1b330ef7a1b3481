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
#include "kernels_arm_tiles.h"

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
// as the float of the true quants' sum (exact: |sum| < 2^24).

struct Q8_0Rows2x8 {
  static const int kQuantBytes = 64;
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

/// T token pairs' activations of a pass's blocks (kTilePassBlocks), block after block: each
/// pair's 4 smmla matrices (token_pair_matrices) and its scales as float, t, t, u, u (the
/// lanes of rows2x8_tile's tiles).
template <int T>
struct Rows2x8Pass {
  int8x16_t matrices[kTilePassBlocks][T][4];
  float32x4_t scales[kTilePassBlocks][T];

  /// Blocks first .. first + count - 1 of the `tokens` (1 .. 2T) activation rows at x
  /// (`blocks` blocks apart); a missing token is the last one again (its outputs are not
  /// stored).
  void stage(const llmrt_block_q8_0* x, int blocks, int tokens, int first, int count) {
    for (int b = 0; b < count; ++b) {
      for (int q = 0; q < T; ++q) {
        const int t = min_int(2 * q, tokens - 1), u = min_int(2 * q + 1, tokens - 1);
        const llmrt_block_q8_0& xt = x[static_cast<size_t>(t) * blocks + first + b];
        const llmrt_block_q8_0& xu = x[static_cast<size_t>(u) * blocks + first + b];
        token_pair_matrices(xt, xu, matrices[b][q]);
        scales[b][q] = vcombine_f32(vdup_n_f32(fp16_to_float(xt.d)), vdup_n_f32(fp16_to_float(xu.d)));
      }
    }
  }
};

/// The pair's 2 fp16 scales at `column` as float, row 0, row 1, row 0, row 1 (exact).
LLMK_ARM_INLINE float32x4_t pair_scales(const uint8_t* column) {
  uint32_t bits;
  std::memcpy(&bits, column, sizeof(bits));
  return vcvt_f32_f16(vreinterpret_f16_u32(vdup_n_u32(bits)));
}

/// acc[p][q] (lanes: token 2q with rows 2p, 2p + 1, then token 2q + 1 with them) += P row pairs
/// (`pair_bytes` apart) . T token pairs over the `count` blocks staged in `pass`, from the
/// pairs' block `first` on. The row pairs' matrices are loaded (unpacked) once a block for all
/// the token pairs. smmla takes the tokens as its first operand, so that the tile's lanes take
/// the weights' scales in the order they are stored.
template <class W, int P, int T>
LLMK_ARM_INLINE void rows2x8_tile(const uint8_t* w, size_t pair_bytes, const Rows2x8Pass<T>& pass,
                                  int first, int count, float32x4_t acc[P][T]) {
  const int column_bytes = 2 * sizeof(llmrt_fp16) + W::kQuantBytes;
  for (int b = 0; b < count; ++b) {
    int8x16_t wm[P][4];
    float32x4_t dw[P];
    LLMK_ARM_UNROLL
    for (int p = 0; p < P; ++p) {
      const uint8_t* column = w + p * pair_bytes + static_cast<size_t>(first + b) * column_bytes;
      dw[p] = pair_scales(column);
      W::matrices(column + 2 * sizeof(llmrt_fp16), wm[p]);
    }
    // Two token pairs at a time: 2P chains of smmla side by side, which in-order cores (the
    // A510) need to issue one a cycle.
    constexpr int S = T < 2 ? T : 2;
    const int8x16_t* xm = pass.matrices[b][0];
    LLMK_ARM_UNROLL
    for (int q0 = 0; q0 < T; q0 += S) {
      int32x4_t sums[S][P];
      LLMK_ARM_UNROLL
      for (int j = 0; j < 4; ++j) {
        LLMK_ARM_UNROLL
        for (int q = 0; q < S; ++q) {
          LLMK_ARM_UNROLL
          for (int p = 0; p < P; ++p) {
            sums[q][p] = vmmlaq_s32(j == 0 ? zero_sums() : sums[q][p], xm[4 * q + j], wm[p][j]);
          }
        }
      }
      LLMK_ARM_UNROLL
      for (int q = 0; q < S; ++q) {
        LLMK_ARM_UNROLL
        for (int p = 0; p < P; ++p) {
          // Exact: |sum| <= 32 * 128 * 127 < 2^24.
          acc[p][q0 + q] = vfmaq_f32(acc[p][q0 + q], W::to_float(sums[q][p]),
                                     vmulq_f32(dw[p], pass.scales[b][q0 + q]));
        }
      }
      float32x4_t done[P * S];
      LLMK_ARM_UNROLL
      for (int j = 0; j < P * S; ++j) done[j] = acc[j % P][q0 + j / P];
      xm = after_sums<P * S>(xm + 4 * S, done);
    }
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
/// #arm.rows2x8; m, row_begin and row_end multiples of 2. Tokens 8 at a time (4 pairs), the
/// rest 4 and 2 at a time, each group by tiles of 2 row pairs (4 rows, the thread split's unit)
/// and a range's last pair on its own, kTilePassBlocks blocks a pass; a last lone token
/// (decode: the only one) by sdot, 8 rows at a time, then 4. Every path adds the same exact
/// block sums in the same float order, so an output does not depend on its tile.
template <class W>
void linear_rows2x8(const void* xq /* (n, blocks) */, const void* w /* (m / 2, blocks, 2) */,
                    const float* bias, int n, int k, int m, int row_begin, int row_end,
                    float* y /* (n, m) */) {
  const int blocks = (k + LLMRT_QK - 1) / LLMRT_QK;
  const size_t pair_bytes =
      static_cast<size_t>(blocks) * (2 * sizeof(llmrt_fp16) + W::kQuantBytes);
  const llmrt_block_q8_0* x = static_cast<const llmrt_block_q8_0*>(xq);
  const uint8_t* pairs = static_cast<const uint8_t*>(w);
  // Tokens i .. i + tokens - 1 (at most 2T) of rows from .. row_end - 1.
  auto token_pairs = [&](auto pair_count, int i, int tokens, int from) {
    constexpr int T = decltype(pair_count)::value;
    Rows2x8Pass<T> pass;
    for (int first = 0; first < blocks; first += kTilePassBlocks) {
      const int passed = min_int(kTilePassBlocks, blocks - first);
      const bool last = first + passed == blocks;
      pass.stage(x + static_cast<size_t>(i) * blocks, blocks, tokens, first, passed);
      // Rows o .. o + 2P - 1; between passes the output holds the sums so far, the bias last.
      auto tile = [&](auto row_pairs, int o) {
        constexpr int P = decltype(row_pairs)::value;
        // The output of lane j of tile (p, q), nullptr for a missing token.
        auto output = [&](int p, int q, int j) -> float* {
          const int row = o + 2 * p + j % 2, token = 2 * q + j / 2;
          return token < tokens ? y + static_cast<size_t>(i + token) * m + row : nullptr;
        };
        float32x4_t acc[P][T];
        LLMK_ARM_UNROLL
        for (int p = 0; p < P; ++p) {
          LLMK_ARM_UNROLL
          for (int q = 0; q < T; ++q) {
            float part[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (int j = 0; first > 0 && j < 4; ++j) {
              if (const float* at = output(p, q, j)) part[j] = *at;
            }
            acc[p][q] = vld1q_f32(part);
          }
        }
        rows2x8_tile<W, P, T>(pairs + static_cast<size_t>(o / Rows2x8::kRows) * pair_bytes,
                              pair_bytes, pass, first, passed, acc);
        LLMK_ARM_UNROLL
        for (int p = 0; p < P; ++p) {
          LLMK_ARM_UNROLL
          for (int q = 0; q < T; ++q) {
            float part[4];
            vst1q_f32(part, acc[p][q]);
            for (int j = 0; j < 4; ++j) {
              float* at = output(p, q, j);
              if (at == nullptr) continue;
              const int row = o + 2 * p + j % 2;
              *at = last ? part[j] + (bias != nullptr ? bias[row] : 0.0f) : part[j];
            }
          }
        }
      };
      int o = from;
      for (; o + 4 <= row_end; o += 4) tile(std::integral_constant<int, 2>(), o);
      if (o < row_end) tile(std::integral_constant<int, 1>(), o);
    }
  };
  typedef std::integral_constant<int, 1> One;
  int i = 0;
  for (; i + 8 <= n; i += 8) token_pairs(std::integral_constant<int, 4>(), i, 8, row_begin);
  if (i + 4 <= n) token_pairs(std::integral_constant<int, 2>(), i, 4, row_begin), i += 4;
  if (i + 2 <= n) token_pairs(One(), i, 2, row_begin), i += 2;
  if (i == n) return;
  // A lone last token (decode: the only one): sdot, 8 rows at a time, then 4, and a range's
  // last pair by smmla with the token twice.
  int o = row_begin;
  auto lone = [&](auto quads) {
    constexpr int Q = decltype(quads)::value;
    float32x4_t out[Q];
    rows2x8_token_tile<W, Q>(pairs + static_cast<size_t>(o / Rows2x8::kRows) * pair_bytes,
                             pair_bytes, x + static_cast<size_t>(i) * blocks, blocks, out);
    LLMK_ARM_UNROLL
    for (int q = 0; q < Q; ++q) {
      const float32x4_t b = bias != nullptr ? vld1q_f32(bias + o + 4 * q) : vdupq_n_f32(0.0f);
      vst1q_f32(y + static_cast<size_t>(i) * m + o + 4 * q, vaddq_f32(out[q], b));
    }
    o += 4 * Q;
  };
  while (o + 8 <= row_end) lone(std::integral_constant<int, 2>());
  if (o + 4 <= row_end) lone(One());
  if (o < row_end) token_pairs(One(), i, 1, o);
}

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_ROWS2X8_H
