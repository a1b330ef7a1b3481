// kernels_arm_rows4x4.h - arm-dotprod's quantized linears on weights stored as #arm.rows4x4
// (targets/arm/weight_layouts.h): per group of 4 rows and block, the 4 rows' fp16 scales, then
// each 4-byte word of the quants for the 4 rows. Build with +dotprod.
//
// One 16-byte load holds word j of 4 rows; sdot by lane multiplies it with word j of a token's
// activations, so the 4 rows' products land in the 4 lanes of one register and no lanes are
// summed per block: the 8 words' sdots add a block's 32 products of each row in one int32 lane.
// The integer sums are exact, as everywhere; an output differs from the row kernels' (which
// keep 4 partial sums per row in float) and the generic kernel's only in the order of its float
// operations.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_ROWS4X4_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_ROWS4X4_H

#include "kernels_arm_rows.h"
#include "kernels_arm_tiles.h"

#include <arm_neon.h>

namespace {

/// The rows of a group: llmc::arm::kRows4x4 (weight_layouts.h), which packs what the kernel tests
/// run these kernels on.
struct Rows4x4 {
  static const int kRows = 4;
};

// A weight type W: kQuantBytes, a group's quant bytes per block; W::words(p, out), the 8
// registers of quant word j (j = 0..7) of the 4 rows, values 4j..4j+3 as signed bytes (times a
// power of two), from the quants at p; and W::to_float(sum), a sum of their products with int8
// activations as the float of the true quants' sum (exact: |sum| < 2^24).

struct Q8_0Rows4x4 {
  static const int kQuantBytes = 128;  // 8 words of 4 rows
  static void words(const uint8_t* p, int8x16_t out[8]) {
    LLMK_ARM_UNROLL
    for (int j = 0; j < 8; ++j) out[j] = vld1q_s8(reinterpret_cast<const int8_t*>(p) + 16 * j);
  }
  static float32x4_t to_float(int32x4_t sum) { return vcvtq_f32_s32(sum); }
};

/// Byte word j (j = 0..3) holds values 4j..4j+3 in its low nibbles and 16+4j.. in its high
/// ones: words j and 4 + j, stored plus 8 and each nibble's top bit flipped by the packing
/// (llmc::arm::kQ4_0NibbleFlip): the value in 4-bit two's complement. Moved to the top of its
/// byte (shl; the high nibble masked in place) it is 16 q, 2 instructions per 16 bytes. The sums,
/// 16 times the true ones, convert with 4 fraction bits (scvtf #4).
struct Q4_0Rows4x4 {
  static const int kQuantBytes = 64;  // 4 byte words of 4 rows
  static void words(const uint8_t* p, int8x16_t out[8]) {
    LLMK_ARM_UNROLL
    for (int j = 0; j < 4; ++j) {
      const uint8x16_t q = vld1q_u8(p + 16 * j);
      out[j] = vreinterpretq_s8_u8(vshlq_n_u8(q, 4));
      out[4 + j] = vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0xf0)));
    }
  }
  static float32x4_t to_float(int32x4_t sum) { return vcvtq_n_f32_s32(sum, 4); }
};

/// The 4 rows' scales of a group's block column, as float (exact), and its 8 words in wq.
template <class W>
LLMK_ARM_INLINE float32x4_t load_column(const uint8_t* column, int8x16_t wq[8]) {
  llmrt_fp16 scale_bits[4];
  std::memcpy(scale_bits, column, sizeof(scale_bits));
  float16x4_t scales_h;
  std::memcpy(&scales_h, scale_bits, sizeof(scales_h));
  W::words(column + sizeof(scale_bits), wq);
  return vcvt_f32_f16(scales_h);
}

/// sums[t] (lane r: row r) += word J of the 4 rows (wq[J]) . word J of token t's activations
/// (x[t][J / 4], lane J % 4), for the T tokens in turn: T chains of sdot side by side, so that
/// an in-order core (the A55) issues one a cycle rather than waiting out each one's latency.
template <int J, int T>
LLMK_ARM_INLINE void sdot_word(int32x4_t sums[T], const int8x16_t wq[8],
                               const int8x16_t x[T][2]) {
  LLMK_ARM_UNROLL
  for (int t = 0; t < T; ++t) sums[t] = vdotq_laneq_s32(sums[t], wq[J], x[t][J / 4], J % 4);
}

/// Lane r of sums[t] (zeros on entry) += the products of a block of row r (its words wq) with
/// token t's activations x[t], the 8 words' sdots chained into one register.
template <int T>
LLMK_ARM_INLINE void block_sums(const int8x16_t wq[8], const int8x16_t x[T][2],
                                int32x4_t sums[T]) {
  sdot_word<0, T>(sums, wq, x);
  sdot_word<1, T>(sums, wq, x);
  sdot_word<2, T>(sums, wq, x);
  sdot_word<3, T>(sums, wq, x);
  sdot_word<4, T>(sums, wq, x);
  sdot_word<5, T>(sums, wq, x);
  sdot_word<6, T>(sums, wq, x);
  sdot_word<7, T>(sums, wq, x);
}

/// Tokens whose sums a tile's loop finishes before it loads the next ones' activations.
const int kRows4x4TokensInFlight = 4;

/// C tokens' activations of a pass's blocks (kTilePassBlocks), block after block: each token's
/// 32 quants, and its scales as float.
template <int C>
struct Rows4x4Pass {
  int8_t qs[kTilePassBlocks][C][LLMRT_QK];
  float scales[kTilePassBlocks][C];

  /// Blocks first .. first + count - 1 of the C activation rows at x (`blocks` blocks apart).
  void stage(const llmrt_block_q8_0* x, int blocks, int first, int count) {
    for (int b = 0; b < count; ++b) {
      for (int c = 0; c < C; ++c) {
        const llmrt_block_q8_0& xb = x[static_cast<size_t>(c) * blocks + first + b];
        std::memcpy(qs[b][c], xb.qs, sizeof(qs[b][c]));
        scales[b][c] = fp16_to_float(xb.d);
      }
    }
  }
};

/// acc[c] (lane r: row r) += the group's 4 rows . token c's activations over the `count` blocks
/// staged in `pass`, from the group's block `first` on. Each block's 32 products of a row and
/// token add up in one int32 lane (8 sdot by lane into one register), so a block costs a token
/// one conversion and one fma for the 4 rows, its scale (the rows' 4 scales times the token's)
/// one multiply.
template <class W, int C>
LLMK_ARM_INLINE void rows4x4_tile(const uint8_t* w, const Rows4x4Pass<C>& pass, int first,
                                  int count, float32x4_t acc[C]) {
  const int column_bytes = 4 * sizeof(llmrt_fp16) + W::kQuantBytes;
  const uint8_t* column = w + static_cast<size_t>(first) * column_bytes;
  for (int b = 0; b < count; ++b, column += column_bytes) {
    int8x16_t wq[8];
    const float32x4_t dw = load_column<W>(column, wq);
    const int8_t* xc = pass.qs[b][0];  // token c's quants
    const int8_t* xh = unpaired(xc + 16);  // and their second half
    constexpr int T = C < kRows4x4TokensInFlight ? C : kRows4x4TokensInFlight;
    LLMK_ARM_UNROLL
    for (int c = 0; c < C; c += T) {
      int8x16_t x[T][2];
      LLMK_ARM_UNROLL
      for (int t = 0; t < T; ++t) {
        x[t][0] = vld1q_s8(xc + LLMRT_QK * t);
        x[t][1] = vld1q_s8(xh + LLMRT_QK * t);
      }
      int32x4_t sums[T];
      LLMK_ARM_UNROLL
      for (int t = 0; t < T; ++t) sums[t] = zero_sums();
      block_sums<T>(wq, x, sums);
      LLMK_ARM_UNROLL
      for (int t = 0; t < T; ++t) {
        acc[c + t] = vfmaq_f32(acc[c + t], W::to_float(sums[t]),
                               vmulq_n_f32(dw, pass.scales[b][c + t]));
      }
      xc = after_sums<T>(xc + LLMRT_QK * T, acc + c);
      xh = unpaired(xc + 16);
    }
  }
}

/// out[g] (lane r: row 4g + r) = the G groups' rows (`group_bytes` apart) . one token's
/// activation row over `blocks` blocks: rows4x4_tile's sums, the token's activations loaded
/// and its scale converted once per block for G groups.
template <class W, int G>
LLMK_ARM_INLINE void rows4x4_token_tile(const uint8_t* w, size_t group_bytes,
                                        const llmrt_block_q8_0* x, int blocks,
                                        float32x4_t out[G]) {
  const int column_bytes = 4 * sizeof(llmrt_fp16) + W::kQuantBytes;
  float32x4_t acc[G];
  LLMK_ARM_UNROLL
  for (int g = 0; g < G; ++g) acc[g] = vdupq_n_f32(0.0f);
  for (int b = 0; b < blocks; ++b) {
    const llmrt_block_q8_0& xb = x[b];
    const int8x16_t x0 = vld1q_s8(xb.qs), x1 = vld1q_s8(xb.qs + 16);
    const float dx = fp16_to_float(xb.d);
    LLMK_ARM_UNROLL
    for (int g = 0; g < G; ++g) {
      const uint8_t* column = w + g * group_bytes + static_cast<size_t>(b) * column_bytes;
      int8x16_t wq[8];
      const float32x4_t dw = load_column<W>(column, wq);
      const int8x16_t xw[1][2] = {{x0, x1}};
      int32x4_t sums[1] = {vdupq_n_s32(0)};
      block_sums<1>(wq, xw, sums);
      acc[g] = vfmaq_f32(acc[g], W::to_float(sums[0]), vmulq_n_f32(dw, dx));
    }
  }
  LLMK_ARM_UNROLL
  for (int g = 0; g < G; ++g) out[g] = acc[g];
}

/// Tokens per tile of the r4x4 kernels: 8 float accumulators and 8 registers of weights, the
/// weights' loading and unpacking shared by 8 tokens; kRows4x4TokensInFlight tokens' activations,
/// sums and scales fill the other 16 of the 32 vector registers.
const int kRows4x4Tokens = 8;

/// y[:, row_begin:row_end] = xq * w[row_begin:row_end, :]^T (+ bias) for weights in
/// #arm.rows4x4; m, row_begin and row_end multiples of 4. Tokens kRows4x4Tokens at a time, then
/// the rest 4 and 2 at a time, and a last lone token (decode: the only one) 2 groups a tile;
/// each output is computed the same way whatever its tile.
template <class W>
void linear_rows4x4(const void* xq /* (n, blocks) */, const void* w /* (m / 4, blocks, 4) */,
                    const float* bias, int n, int k, int m, int row_begin, int row_end,
                    float* y /* (n, m) */) {
  const int blocks = (k + LLMRT_QK - 1) / LLMRT_QK;
  const size_t group_bytes =
      static_cast<size_t>(blocks) * (4 * sizeof(llmrt_fp16) + W::kQuantBytes);
  const llmrt_block_q8_0* x = static_cast<const llmrt_block_q8_0*>(xq);
  const uint8_t* groups_base = static_cast<const uint8_t*>(w);
  // Tokens i .. i + C - 1, every group of the range, kTilePassBlocks blocks a pass.
  auto tokens = [&](auto count, int i) {
    constexpr int C = decltype(count)::value;
    float* yi = y + static_cast<size_t>(i) * m;
    Rows4x4Pass<C> pass;
    for (int first = 0; first < blocks; first += kTilePassBlocks) {
      const int passed = min_int(kTilePassBlocks, blocks - first);
      const bool last = first + passed == blocks;
      pass.stage(x + static_cast<size_t>(i) * blocks, blocks, first, passed);
      for (int o = row_begin; o < row_end; o += Rows4x4::kRows) {
        float32x4_t acc[C];
        LLMK_ARM_UNROLL
        for (int c = 0; c < C; ++c) {
          acc[c] = first == 0 ? vdupq_n_f32(0.0f) : vld1q_f32(yi + static_cast<size_t>(c) * m + o);
        }
        rows4x4_tile<W, C>(groups_base + static_cast<size_t>(o / Rows4x4::kRows) * group_bytes,
                           pass, first, passed, acc);
        // Between passes the output holds the sums so far; the bias comes last.
        const float32x4_t b = bias != nullptr ? vld1q_f32(bias + o) : vdupq_n_f32(0.0f);
        LLMK_ARM_UNROLL
        for (int c = 0; c < C; ++c) {
          vst1q_f32(yi + static_cast<size_t>(c) * m + o, last ? vaddq_f32(acc[c], b) : acc[c]);
        }
      }
    }
  };
  int i = 0;
  for (; i + kRows4x4Tokens <= n; i += kRows4x4Tokens) {
    tokens(std::integral_constant<int, kRows4x4Tokens>(), i);
  }
  if (i + 4 <= n) tokens(std::integral_constant<int, 4>(), i), i += 4;
  if (i + 2 <= n) tokens(std::integral_constant<int, 2>(), i), i += 2;
  if (i < n) {  // a lone token (decode): 2 groups a tile
    auto groups = [&](auto count, int o) {
      constexpr int G = decltype(count)::value;
      float32x4_t out[G];
      const uint8_t* first = groups_base + static_cast<size_t>(o / Rows4x4::kRows) * group_bytes;
      rows4x4_token_tile<W, G>(first, group_bytes, x + static_cast<size_t>(i) * blocks, blocks,
                               out);
      LLMK_ARM_UNROLL
      for (int g = 0; g < G; ++g) {
        const int row = o + Rows4x4::kRows * g;
        const float32x4_t b = bias != nullptr ? vld1q_f32(bias + row) : vdupq_n_f32(0.0f);
        vst1q_f32(y + static_cast<size_t>(i) * m + row, vaddq_f32(out[g], b));
      }
    };
    int o = row_begin;
    for (; o + 2 * Rows4x4::kRows <= row_end; o += 2 * Rows4x4::kRows) {
      groups(std::integral_constant<int, 2>(), o);
    }
    if (o < row_end) groups(std::integral_constant<int, 1>(), o);
  }
}

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_ROWS4X4_H
