// kernels_arm_rows.h - the drivers of the ARM targets' linears: they walk a linear's weight rows
// and tokens in register tiles. Plain Advanced SIMD (NEON), which every armv8-a CPU has; the
// weight types (kernels_arm_blocks.h) say how each scheme's blocks multiply, and the one thing
// that differs between the ISAs, the int8 products, comes from the including file as a policy
// Dot (described there). kernels_arm_neon.cpp (widening multiplies), kernels_arm_dotprod.cpp and
// kernels_arm_i8mm.cpp (sdot) include it and define their table's entries from it
// (kernels_arm_entries.h). Everything sits in an unnamed namespace: each kernel file gets its own
// copy, compiled with its own -march, so that a program linking two of them cannot have the
// linker pick the dotprod build of a shared function for the neon kernels.
//
// Quantized linears: for each token tile (up to 4 tokens) every weight row of the range is read
// once, each weight block loaded and unpacked once for all the tile's tokens. Float linears: the
// same tiles, FMA in float lanes, f16 and bf16 weights widened exactly as they are loaded (fcvtl;
// a 16-bit shift), so that they give the f32 kernel's bits on the widened weights. Each output is
// computed the same way whatever tile, range or thread holds its row, and differs from the
// generic kernel only in the order of its float operations.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_ROWS_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_ROWS_H

#include "kernels_arm_simd.h"
#include "runtime/quant_format.h"

#include <arm_neon.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace {

// ---- tiles -----------------------------------------------------------------------------------

/// Weight rows per tile for C tokens: 4 for one or two tokens (decode: four independent
/// accumulators, and a thread's part of the rows, a multiple of 4, is whole tiles), 2 for
/// three or four (their 4 x 2 blocks of activations fill the registers that more rows would
/// need). Of the 32 vector registers a 4 x 2 or 2 x 4 tile uses about 20.
template <int C>
struct RowsPerTile {
  static const int value = C <= 2 ? 4 : 2;
};

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

/// y[:, row_begin:row_end] = x * w[row_begin:row_end, :]^T (+ bias): tile<R, C>(w, x, out)
/// computes out[r][c] = weight row r . token row c for rows and tokens `stride` elements apart.
template <class Tile, class WeightT, class XT>
void linear_rows(const XT* x /* (n, stride) */, const WeightT* w /* (m, stride) */,
                 size_t stride, const float* bias, int n, int m, int row_begin, int row_end,
                 float* y /* (n, m) */, Tile tile) {
  for_token_tiles(n, [&](auto tokens, int i) {
    constexpr int C = decltype(tokens)::value;
    tile_rows<C>(row_begin, row_end, m, bias, y + static_cast<size_t>(i) * m,
                 [&](auto rows, int o, float (*part)[C]) {
                   tile(rows, tokens, w + o * stride, x + i * stride, part);
                 });
  });
}

// ---- quantized linears -----------------------------------------------------------------------

/// out[r][c] = weight row r . activation row c over `blocks` blocks, for an R x C tile (rows
/// `row_blocks` blocks apart, weights and activations alike).
template <class W, class Dot, int R, int C>
void quant_tile(const typename W::Block* w, const typename W::XBlock* x, size_t row_blocks,
                int blocks, float out[R][C]) {
  typename W::Acc acc[R][C];
  LLMK_ARM_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) acc[r][c] = W::zero();
  }
  for (int b = 0; b < blocks; ++b) W::template tile<Dot, R, C>(w + b, x + b, row_blocks, acc);
  LLMK_ARM_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) out[r][c] = W::sum(acc[r][c]);
  }
}

/// y[:, row_begin:row_end] = xq * w[row_begin:row_end, :]^T (+ bias) for weights of type W and
/// activations quantized to W::XBlock.
template <class W, class Dot>
void linear_quant_rows(const void* xq /* (n, blocks) */, const void* w /* (m, blocks) */,
                       const float* bias, int n, int k, int m, int row_begin, int row_end,
                       float* y /* (n, m) */) {
  const int blocks = (k + W::kValues - 1) / W::kValues;
  linear_rows(static_cast<const typename W::XBlock*>(xq),
              static_cast<const typename W::Block*>(w), static_cast<size_t>(blocks), bias, n,
              m, row_begin, row_end, y, [&](auto rows, auto tokens, auto wo, auto xi, auto part) {
                quant_tile<W, Dot, decltype(rows)::value, decltype(tokens)::value>(
                    wo, xi, static_cast<size_t>(blocks), blocks, part);
              });
}

// ---- float linears ---------------------------------------------------------------------------

/// 4 weights as floats: loaded, or widened exactly from binary16 (fcvtl) or bfloat16 (each
/// 16-bit value shifted into the high half of its lane: shll).
inline float32x4_t load_weights4(const float* w) { return vld1q_f32(w); }
inline float32x4_t load_weights4(const llmrt_fp16* w) {
  return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(w)));
}
inline float32x4_t load_weights4(const llmrt_bf16* w) {
  return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(&w->bits), 16));
}

/// One weight as float, widened as load_weights4 does.
inline float widened(float w) { return w; }
inline float widened(llmrt_fp16 w) { return fp16_to_float(w); }
inline float widened(llmrt_bf16 w) { return llmrt_bf16_to_fp32(w); }

/// out[r][c] = weight row r . token row c over k floats for an R x C tile (rows k apart): FMA in
/// four float lanes, the lanes summed, then the last k % 4 products one by one.
template <int R, int C, class T>
void float_tile(const T* w, const float* x, int k, float out[R][C]) {
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
      const float32x4_t wv = load_weights4(w + r * stride + j);
      LLMK_ARM_UNROLL
      for (int c = 0; c < C; ++c) acc[r][c] = vfmaq_f32(acc[r][c], wv, xv[c]);
    }
  }
  LLMK_ARM_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; ++c) {
      float sum = vaddvq_f32(acc[r][c]);
      for (int t = j; t < k; ++t) {
        sum = std::fma(widened(w[r * stride + t]), x[c * stride + t], sum);
      }
      out[r][c] = sum;
    }
  }
}

/// y[:, row_begin:row_end] = x * w[row_begin:row_end, :]^T (+ bias), weights of element type T
/// (float, llmrt_fp16, llmrt_bf16).
template <class T>
void linear_float_rows(const float* x /* (n, k) */, const T* w /* (m, k) */, const float* bias,
                       int n, int k, int m, int row_begin, int row_end, float* y /* (n, m) */) {
  linear_rows(x, w, static_cast<size_t>(k), bias, n, m, row_begin, row_end, y,
              [&](auto rows, auto tokens, auto wo, auto xi, auto part) {
                float_tile<decltype(rows)::value, decltype(tokens)::value>(wo, xi, k, part);
              });
}

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_ROWS_H
