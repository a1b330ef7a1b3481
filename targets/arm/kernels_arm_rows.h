// kernels_arm_rows.h - what the ARM targets' kernels share: the activation quantizer, and the
// drivers that walk a linear's weight rows and tokens in register tiles. Plain Advanced SIMD
// (NEON), which every armv8-a CPU has; the one thing that differs between the ISAs, the product
// of 32 int8 weights with 32 int8 activations, comes from the including file as a policy:
//
//   Dot   Dot::dot32(w, x): the 32 products w[j] * x[j] (int8x16x2_t each, |w| <= 128,
//         |x| <= 127) summed exactly into the four int32 lanes of the result, in any split.
//
// kernels_arm_neon.cpp (widening multiplies), kernels_arm_dotprod.cpp and kernels_arm_i8mm.cpp
// (sdot) include it and define their table's entries from it (kernels_arm_entries.h).
// Everything sits in an unnamed namespace: each kernel file gets its own copy, compiled with its
// own -march, so that a program linking two of them cannot have the linker pick the dotprod
// build of a shared function for the neon kernels.
//
// Quantized linears: for each token tile (up to 4 tokens) every weight row of the range is read
// once, each weight block loaded and unpacked once for all the tile's tokens. The block's exact
// int32 lane sums are converted to float and multiplied by the two fp16 scales into float lanes;
// the lanes are summed once at the end. Each output is computed the same way whatever tile,
// range or thread holds its row, and differs from the generic kernel only in the order of its
// float additions.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_ROWS_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_ROWS_H

#include "runtime/quant_format.h"

#include <arm_neon.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

// The loops over a tile's R weight rows and C tokens must unroll completely, so that the R x C
// accumulators live in registers.
#define LLMK_ARM_UNROLL _Pragma("GCC unroll 16")

namespace {

inline int min_int(int a, int b) { return a < b ? a : b; }

/// A binary16 scale as float, with the FP unit's conversion (exact, as llmrt_fp16_to_fp32).
inline float fp16_to_float(llmrt_fp16 bits) {
  __fp16 h;
  std::memcpy(&h, &bits, sizeof(h));
  return h;
}

// ---- activation quantization -----------------------------------------------------------------

/// Quantizes 32 floats to a q8_0 block byte for byte as the runtime's llmrt_quantize_row_q8_0:
/// d = absmax / 127 (NaNs ignored, as fmax does: maxnm), q = roundf(x * (1 / d)) (frinta rounds
/// halves away from zero, as roundf) clamped to -127..127, a NaN product to -127.
inline void quantize_block_q8_0(const float* x /* (32) */, llmrt_block_q8_0* out) {
  float32x4_t v[8];
  float32x4_t amax = vdupq_n_f32(0.0f);
  LLMK_ARM_UNROLL
  for (int j = 0; j < 8; ++j) {
    v[j] = vld1q_f32(x + 4 * j);
    amax = vmaxnmq_f32(amax, vabsq_f32(v[j]));
  }
  const float d = vmaxnmvq_f32(amax) / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  int16x8_t q16[4];
  LLMK_ARM_UNROLL
  for (int j = 0; j < 4; ++j) {
    int32x4_t q32[2];
    LLMK_ARM_UNROLL
    for (int h = 0; h < 2; ++h) {
      float32x4_t t = vrndaq_f32(vmulq_n_f32(v[2 * j + h], id));
      t = vminnmq_f32(vmaxnmq_f32(t, vdupq_n_f32(-127.0f)), vdupq_n_f32(127.0f));  // NaN: -127
      q32[h] = vcvtq_s32_f32(t);  // integral already: exact
    }
    q16[j] = vcombine_s16(vmovn_s32(q32[0]), vmovn_s32(q32[1]));
  }
  out->d = llmrt_fp32_to_fp16(d);
  vst1q_s8(out->qs, vcombine_s8(vmovn_s16(q16[0]), vmovn_s16(q16[1])));
  vst1q_s8(out->qs + 16, vcombine_s8(vmovn_s16(q16[2]), vmovn_s16(q16[3])));
}

/// n rows of k floats to q8_0 blocks, a short last block quantized from a zero-padded copy (as
/// the generic kernels pad their activations).
inline void quantize_rows_q8_0(const float* x /* (n, k) */, int n, int k,
                               void* out /* (n, ceil(k / 32)) */) {
  const int blocks = (k + LLMRT_QK - 1) / LLMRT_QK, whole = k / LLMRT_QK;
  llmrt_block_q8_0* y = static_cast<llmrt_block_q8_0*>(out);
  for (int i = 0; i < n; ++i) {
    const float* xi = x + static_cast<size_t>(i) * k;
    llmrt_block_q8_0* yi = y + static_cast<size_t>(i) * blocks;
    for (int b = 0; b < whole; ++b) quantize_block_q8_0(xi + b * LLMRT_QK, &yi[b]);
    if (whole < blocks) {
      float tail[LLMRT_QK] = {};
      std::memcpy(tail, xi + whole * LLMRT_QK, sizeof(float) * (k - whole * LLMRT_QK));
      quantize_block_q8_0(tail, &yi[whole]);
    }
  }
}

// ---- weight blocks ---------------------------------------------------------------------------
//
// A weight type W: Block, and quants(block), its 32 quants as signed bytes in value order.

struct Q8_0Weights {
  typedef llmrt_block_q8_0 Block;
  static int8x16x2_t quants(const Block& b) {
    int8x16x2_t q;
    q.val[0] = vld1q_s8(b.qs);
    q.val[1] = vld1q_s8(b.qs + 16);
    return q;
  }
};

/// Values 0..15 in the low nibbles, 16..31 in the high ones, stored plus 8.
struct Q4_0Weights {
  typedef llmrt_block_q4_0 Block;
  static int8x16x2_t quants(const Block& b) {
    const uint8x16_t packed = vld1q_u8(b.qs);
    const int8x16_t eight = vdupq_n_s8(8);
    int8x16_t low = vreinterpretq_s8_u8(vandq_u8(packed, vdupq_n_u8(15)));
    int8x16_t high = vreinterpretq_s8_u8(vshrq_n_u8(packed, 4));
    int8x16x2_t q;
    q.val[0] = vsubq_s8(low, eight);
    q.val[1] = vsubq_s8(high, eight);
    return q;
  }
};

// ---- tiles -----------------------------------------------------------------------------------

/// Weight rows per tile for C tokens: 4 for one or two tokens (decode: four independent
/// accumulators, and a thread's part of the rows, a multiple of 4, is whole tiles), 2 for
/// three or four (their 4 x 2 blocks of activations fill the registers that more rows would
/// need). Of the 32 vector registers a 4 x 2 or 2 x 4 tile uses about 20.
template <int C>
struct RowsPerTile {
  static const int value = C <= 2 ? 4 : 2;
};

/// out[r][c] = weight row r . activation row c over `blocks` q8_0-paired blocks, for an R x C
/// tile (rows `row_blocks` blocks apart, weights and activations alike).
template <class W, class Dot, int R, int C>
void quant_tile(const typename W::Block* w, const llmrt_block_q8_0* x, size_t row_blocks,
                int blocks, float out[R][C]) {
  float32x4_t acc[R][C];
  LLMK_ARM_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) acc[r][c] = vdupq_n_f32(0.0f);
  }
  for (int b = 0; b < blocks; ++b) {
    int8x16x2_t xq[C];
    float dx[C];
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) {
      const llmrt_block_q8_0& xb = x[c * row_blocks + b];
      xq[c] = Q8_0Weights::quants(xb);
      dx[c] = fp16_to_float(xb.d);
    }
    LLMK_ARM_UNROLL
    for (int r = 0; r < R; ++r) {
      const typename W::Block& wb = w[r * row_blocks + b];
      const int8x16x2_t wq = W::quants(wb);
      const float dw = fp16_to_float(wb.d);
      LLMK_ARM_UNROLL
      for (int c = 0; c < C; ++c) {
        const float32x4_t sums = vcvtq_f32_s32(Dot::dot32(wq, xq[c]));  // exact: |sum| < 2^24
        acc[r][c] = vfmaq_n_f32(acc[r][c], sums, dw * dx[c]);
      }
    }
  }
  LLMK_ARM_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) out[r][c] = vaddvq_f32(acc[r][c]);
  }
}

/// Calls tiles(std::integral_constant<int, C>(), i) for the token tiles i .. i + C - 1 of n
/// tokens, C = 4 but for the last one.
template <class Tiles>
void for_token_tiles(int n, Tiles tiles) {
  for (int i = 0; i < n; i += 4) {
    switch (min_int(4, n - i)) {
      case 1: tiles(std::integral_constant<int, 1>(), i); break;
      case 2: tiles(std::integral_constant<int, 2>(), i); break;
      case 3: tiles(std::integral_constant<int, 3>(), i); break;
      default: tiles(std::integral_constant<int, 4>(), i); break;
    }
  }
}

/// The output columns [row_begin, row_end) of C tokens (y: their rows of m, plus bias):
/// tile(std::integral_constant<int, R>(), o, part) computes part[r][c] for weight rows o .. o +
/// R - 1, R = RowsPerTile<C> at a time and a range's last rows one at a time.
template <int C, class Tile>
void tile_rows(int row_begin, int row_end, int m, const float* bias, float* y, Tile tile) {
  const int R = RowsPerTile<C>::value;
  for (int o = row_begin; o < row_end;) {
    const int rows = row_end - o >= R ? R : 1;
    float part[R][C];
    if (rows == R) {
      tile(std::integral_constant<int, R>(), o, part);
    } else {
      tile(std::integral_constant<int, 1>(), o, part);
    }
    for (int r = 0; r < rows; ++r) {
      const float b = bias != nullptr ? bias[o + r] : 0.0f;
      for (int c = 0; c < C; ++c) y[static_cast<size_t>(c) * m + o + r] = part[r][c] + b;
    }
    o += rows;
  }
}

/// y[:, row_begin:row_end] = xq * w[row_begin:row_end, :]^T (+ bias) for weights of type W and
/// activations quantized to q8_0.
template <class W, class Dot>
void linear_quant_rows(const void* xq /* (n, blocks) */, const void* w /* (m, blocks) */,
                       const float* bias, int n, int k, int m, int row_begin, int row_end,
                       float* y /* (n, m) */) {
  const int blocks = (k + LLMRT_QK - 1) / LLMRT_QK;
  const size_t row_blocks = static_cast<size_t>(blocks);
  const llmrt_block_q8_0* x = static_cast<const llmrt_block_q8_0*>(xq);
  const typename W::Block* wb = static_cast<const typename W::Block*>(w);
  for_token_tiles(n, [&](auto tokens, int i) {
    constexpr int C = decltype(tokens)::value;
    tile_rows<C>(row_begin, row_end, m, bias, y + static_cast<size_t>(i) * m,
                 [&](auto rows, int o, float (*part)[C]) {
                   quant_tile<W, Dot, decltype(rows)::value, C>(
                       wb + o * row_blocks, x + i * row_blocks, row_blocks, blocks, part);
                 });
  });
}

// ---- float linears ---------------------------------------------------------------------------

/// out[r][c] = weight row r . token row c over k floats for an R x C tile (rows k apart): FMA in
/// four float lanes, the lanes summed, then the last k % 4 products one by one.
template <int R, int C>
void float_tile(const float* w, const float* x, int k, float out[R][C]) {
  float32x4_t acc[R][C];
  LLMK_ARM_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) acc[r][c] = vdupq_n_f32(0.0f);
  }
  const size_t stride = static_cast<size_t>(k);
  int j = 0;
  for (; j + 4 <= k; j += 4) {
    float32x4_t xv[C];
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) xv[c] = vld1q_f32(x + c * stride + j);
    LLMK_ARM_UNROLL
    for (int r = 0; r < R; ++r) {
      const float32x4_t wv = vld1q_f32(w + r * stride + j);
      LLMK_ARM_UNROLL
      for (int c = 0; c < C; ++c) acc[r][c] = vfmaq_f32(acc[r][c], wv, xv[c]);
    }
  }
  LLMK_ARM_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) {
      float sum = vaddvq_f32(acc[r][c]);
      for (int t = j; t < k; ++t) sum = std::fma(w[r * stride + t], x[c * stride + t], sum);
      out[r][c] = sum;
    }
  }
}

/// y[:, row_begin:row_end] = x * w[row_begin:row_end, :]^T (+ bias), float32 weights.
inline void linear_f32_rows(const float* x /* (n, k) */, const float* w /* (m, k) */,
                            const float* bias, int n, int k, int m, int row_begin, int row_end,
                            float* y /* (n, m) */) {
  const size_t stride = static_cast<size_t>(k);
  for_token_tiles(n, [&](auto tokens, int i) {
    constexpr int C = decltype(tokens)::value;
    tile_rows<C>(row_begin, row_end, m, bias, y + static_cast<size_t>(i) * m,
                 [&](auto rows, int o, float (*part)[C]) {
                   float_tile<decltype(rows)::value, C>(w + o * stride, x + i * stride, k, part);
                 });
  });
}

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_ROWS_H
