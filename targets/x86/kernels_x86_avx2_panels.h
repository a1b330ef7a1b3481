// kernels_x86_avx2_panels.h - the prompt path of the x86-avx2 target's q8_0 and q4_0 linears
// (included by kernels_x86_avx2.cpp; AVX2 + FMA + F16C).
//
// Why: on AVX2 the row-range tiles (1 weight row x 4 tokens, lanes over k) spend most of their
// instructions per block and token on the reduction (madd, convert, scale, FMA) rather than on
// products, and prefill is compute-bound. Here 8 weight rows are first copied, a chunk of k at
// a time, into a "panel" on the stack: per block column, the 8 rows' scales as 8 floats, then
// the quants in 4-byte columns, one 32-bit lane per row. A vector step multiplies one column (4
// values of k for 8 rows) with 4 bytes of a token broadcast to every lane, so the 8 rows' sums
// build up in the lanes of one register: no horizontal sums, one scale FMA per block for 8 rows.
// The copy (a transpose of 32-bit words) is made once per chunk and reused by every token of the
// call (up to kPanelTokens), so it costs a few percent of the products.
//
//   q8_0 x q8_0  maddubs(|w|, sign(x, w)), madd into s32 per step (no two s16 sums may be added)
//   q4_0 x q8_0  maddubs(q, x) over the whole block in s16 lanes: 8 products of at most
//                2 * 15 * 127, 30480 < 32767; then madd, minus 8 * sum(x) (integer, exact)
//
// Each block's integer sum is exact, as in every kernel; the 8 rows' outputs differ from the
// row-range kernels only in the order of their float additions (block by block, one lane per
// row). The panel is the same whichever layout the weights lie in, so the `_rows` and `x4`
// kernels stay bit-identical to each other.
#ifndef LLMC_TARGETS_X86_KERNELS_X86_AVX2_PANELS_H
#define LLMC_TARGETS_X86_KERNELS_X86_AVX2_PANELS_H

#include "kernels_x86_tiling.h"
#include "runtime/quant_format.h"

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#define LLMK_PANEL_COLUMN_LOOP _Pragma("GCC unroll 1")

namespace {

const int kPanelRows = 8;          // weight rows per panel: one per 32-bit lane
const int kPanelChunkBlocks = 64;  // blocks of k per panel copy: 18 KiB of q8_0, 10 of q4_0
const int kPanelTokens = 16;       // tokens that share one panel copy
const int kPanelMinTokens = 4;     // fewer tokens go through the row-range tiles

/// Per token and block: the activation scale and, for q4_0, 8 * the sum of the quants.
struct PanelX {
  float d;
  int32_t sum8;
};

inline __m256i broadcast_word(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

/// The f16 scales of 8 blocks as 8 floats.
inline __m256 scales_x8(const llmrt_fp16 d[kPanelRows]) {
  const __m128i h = _mm_setr_epi16(static_cast<short>(d[0]), static_cast<short>(d[1]),
                                   static_cast<short>(d[2]), static_cast<short>(d[3]),
                                   static_cast<short>(d[4]), static_cast<short>(d[5]),
                                   static_cast<short>(d[6]), static_cast<short>(d[7]));
  return _mm256_cvtph_ps(h);
}

/// a[j] holds 8 words of row j; afterwards a[j] holds word j of rows 0..7.
inline void transpose_words_8x8(__m256i a[8]) {
  __m256i t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(a[i], a[i + 1]);      // words 0, 1 | 4, 5 of rows i, i+1
    t[i + 1] = _mm256_unpackhi_epi32(a[i], a[i + 1]);  // words 2, 3 | 6, 7
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);          // word 0 | 4 of rows i..i+3
    u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);      // word 1 | 5
    u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);  // word 2 | 6
    u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);  // word 3 | 7
  }
  for (int j = 0; j < 4; ++j) {
    a[j] = _mm256_permute2x128_si256(u[j], u[j + 4], 0x20);
    a[j + 4] = _mm256_permute2x128_si256(u[j], u[j + 4], 0x31);
  }
}

/// a[j] holds 4 words of row j in its low half and of row j + 4 in its high half; afterwards
/// a[j] holds word j of rows 0..7.
inline void transpose_words_8x4(__m256i a[4]) {
  const __m256i t0 = _mm256_unpacklo_epi32(a[0], a[1]), t1 = _mm256_unpackhi_epi32(a[0], a[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(a[2], a[3]), t3 = _mm256_unpackhi_epi32(a[2], a[3]);
  a[0] = _mm256_unpacklo_epi64(t0, t2);
  a[1] = _mm256_unpackhi_epi64(t0, t2);
  a[2] = _mm256_unpacklo_epi64(t1, t3);
  a[3] = _mm256_unpackhi_epi64(t1, t3);
}

/// q8_0 weights: 8 columns of 4 quants per block.
struct PanelQ8_0 {
  typedef llmrt_block_q8_0 WBlock;
  static const int kColumns = 8;
  struct Block {
    __m256 d;                 // the 8 rows' scales
    __m256i q[kColumns];      // column j: quants 4j..4j+3 of each row
  };
  static const bool kNeedsSum = false;

  /// The panel block of the 8 rows' blocks at[0..7].
  static void pack(const WBlock* const at[kPanelRows], Block* out) {
    llmrt_fp16 d[kPanelRows];
    __m256i a[kPanelRows];
    for (int r = 0; r < kPanelRows; ++r) {
      d[r] = at[r]->d;
      a[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at[r]->qs));
    }
    transpose_words_8x8(a);
    out->d = scales_x8(d);
    for (int j = 0; j < kColumns; ++j) out->q[j] = a[j];
  }

  /// acc[t] (lane r: row r) += the products of block b for tokens x[t] (stride x_stride blocks).
  template <int T>
  static void dot(const Block& w, const llmrt_block_q8_0* x, size_t x_stride,
                  const PanelX* px /* T, stride kPanelChunkBlocks */, __m256 acc[T]) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i s[T];
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) s[t] = _mm256_setzero_si256();
    // A column at a time: unrolled, the compiler loads every column first and spills.
    LLMK_PANEL_COLUMN_LOOP
    for (int j = 0; j < kColumns; ++j) {
      const __m256i q = w.q[j];
      const __m256i abs_q = _mm256_abs_epi8(q);
      LLMK_UNROLL
      for (int t = 0; t < T; ++t) {
        const __m256i xb = broadcast_word(x[t * x_stride].qs + 4 * j);
        const __m256i p = _mm256_maddubs_epi16(abs_q, _mm256_sign_epi8(xb, q));
        s[t] = _mm256_add_epi32(s[t], _mm256_madd_epi16(p, ones));
      }
    }
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      const __m256 d = _mm256_mul_ps(w.d, _mm256_set1_ps(px[t * kPanelChunkBlocks].d));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[t]), d, acc[t]);
    }
  }
};

/// q4_0 weights: 4 columns of 4 quant bytes per block, each byte holding value i (low nibble)
/// and value i + 16 (high nibble), as the block does.
struct PanelQ4_0 {
  typedef llmrt_block_q4_0 WBlock;
  static const int kColumns = 4;
  struct Block {
    __m256 d;
    __m256i q[kColumns];  // column j: quant bytes 4j..4j+3 of each row
  };
  static const bool kNeedsSum = true;

  static void pack(const WBlock* const at[kPanelRows], Block* out) {
    llmrt_fp16 d[kPanelRows];
    __m256i a[4];
    for (int r = 0; r < kPanelRows; ++r) d[r] = at[r]->d;
    for (int r = 0; r < 4; ++r) {
      const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at[r]->qs));
      const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at[r + 4]->qs));
      a[r] = _mm256_set_m128i(hi, lo);
    }
    transpose_words_8x4(a);
    out->d = scales_x8(d);
    for (int j = 0; j < kColumns; ++j) out->q[j] = a[j];
  }

  template <int T>
  static void dot(const Block& w, const llmrt_block_q8_0* x, size_t x_stride,
                  const PanelX* px /* T, stride kPanelChunkBlocks */, __m256 acc[T]) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i s[T];  // s16: two adjacent products' sums of one row per pair of lanes
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) s[t] = _mm256_setzero_si256();
    LLMK_PANEL_COLUMN_LOOP
    for (int j = 0; j < kColumns; ++j) {
      const __m256i lo = _mm256_and_si256(w.q[j], low4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(w.q[j], 4), low4);
      LLMK_UNROLL
      for (int t = 0; t < T; ++t) {
        const int8_t* xq = x[t * x_stride].qs;
        const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(lo, broadcast_word(xq + 4 * j)),
                                           _mm256_maddubs_epi16(hi, broadcast_word(xq + 16 + 4 * j)));
        s[t] = _mm256_add_epi16(s[t], p);
      }
    }
    const __m256i ones = _mm256_set1_epi16(1);
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      const PanelX& p = px[t * kPanelChunkBlocks];
      const __m256i sum = _mm256_sub_epi32(_mm256_madd_epi16(s[t], ones), _mm256_set1_epi32(p.sum8));
      const __m256 d = _mm256_mul_ps(w.d, _mm256_set1_ps(p.d));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), d, acc[t]);
    }
  }
};

/// The scales (and quant sums) of blocks [b0, b0 + nb) of tokens [0, nt).
template <class P>
void prepare_panel_x(const llmrt_block_q8_0* x, size_t blocks, int nt, int b0, int nb,
                     PanelX out[kPanelTokens][kPanelChunkBlocks]) {
  for (int t = 0; t < nt; ++t) {
    const llmrt_block_q8_0* xt = x + t * blocks + b0;
    for (int b = 0; b < nb; ++b) {
      out[t][b].d = _cvtsh_ss(xt[b].d);
      int sum = 0;
      if (P::kNeedsSum) {
        for (int i = 0; i < LLMRT_QK; ++i) sum += xt[b].qs[i];
      }
      out[t][b].sum8 = 8 * sum;
    }
  }
}

/// y[t][o .. o + rows) (+)= panel . x for T tokens over nb blocks (rows <= 8: a range's last
/// panel may be partial, its other lanes computed and dropped).
template <class P, int T>
void panel_tile(const typename P::Block* panel, int nb, const llmrt_block_q8_0* x,
                size_t blocks, const PanelX* px, bool add_to_y, const float* bias /* or null */,
                int rows, size_t m, float* y) {
  __m256 acc[T];
  LLMK_UNROLL
  for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
  for (int b = 0; b < nb; ++b) P::template dot<T>(panel[b], x + b, blocks, px + b, acc);
  LLMK_UNROLL
  for (int t = 0; t < T; ++t) {
    float* yt = y + t * m;
    if (rows == kPanelRows) {
      const __m256 prior = add_to_y          ? _mm256_loadu_ps(yt)
                           : bias != nullptr ? _mm256_loadu_ps(bias)
                                             : _mm256_setzero_ps();
      _mm256_storeu_ps(yt, _mm256_add_ps(acc[t], prior));
    } else {
      float lanes[kPanelRows];
      _mm256_storeu_ps(lanes, acc[t]);
      for (int r = 0; r < rows; ++r) {
        yt[r] = lanes[r] + (add_to_y ? yt[r] : bias != nullptr ? bias[r] : 0.0f);
      }
    }
  }
}

/// linear_rows for prompts, weights in layout L: rows [row_begin, row_end) 8 at a time. Each
/// output is computed the same way whatever range holds it (a partial panel's missing rows
/// repeat its last row), as with the row-range tiles.
template <class P, class L>
void panel_linear_rows(const void* xq, const void* w, const float* bias, int n, int k, int m,
                       int row_begin, int row_end, float* y) {
  typedef typename P::WBlock WBlock;
  const int blocks = (k + LLMRT_QK - 1) / LLMRT_QK;
  const llmrt_block_q8_0* x = static_cast<const llmrt_block_q8_0*>(xq);
  const WBlock* wb = static_cast<const WBlock*>(w);
  typename P::Block panel[kPanelChunkBlocks];
  PanelX px[kPanelTokens][kPanelChunkBlocks];
  const size_t ms = static_cast<size_t>(m), bs = static_cast<size_t>(blocks);
  for (int i0 = 0; i0 < n; i0 += kPanelTokens) {
    const int nt = min_int(kPanelTokens, n - i0);
    const llmrt_block_q8_0* xi = x + i0 * bs;
    for (int b0 = 0; b0 < blocks; b0 += kPanelChunkBlocks) {
      const int nb = min_int(kPanelChunkBlocks, blocks - b0);
      prepare_panel_x<P>(xi, bs, nt, b0, nb, px);
      for (int o = row_begin; o < row_end; o += kPanelRows) {
        const int rows = min_int(kPanelRows, row_end - o);
        const WBlock* at[kPanelRows];
        for (int r = 0; r < kPanelRows; ++r) {
          at[r] = wb + L::row(o + min_int(r, rows - 1), bs) + static_cast<size_t>(b0) * L::kStride;
        }
        // The next panel's rows are fetched into L2 while this one is copied: 8 rows a few KiB
        // apart are too many short streams for the hardware prefetcher alone.
        const int next = min_int(o + kPanelRows, row_end - 1);
        uintptr_t ahead[kPanelRows];
        for (int r = 0; r < kPanelRows; ++r) {
          ahead[r] = reinterpret_cast<uintptr_t>(wb + L::row(min_int(next + r, row_end - 1), bs) +
                                                 static_cast<size_t>(b0) * L::kStride);
        }
        for (int b = 0; b < nb; ++b) {
          for (int r = 0; r < kPanelRows; ++r) {
            __builtin_prefetch(reinterpret_cast<const char*>(ahead[r]), 0, 2);
            ahead[r] += L::kStride * sizeof(WBlock);
          }
          P::pack(at, &panel[b]);
          for (int r = 0; r < kPanelRows; ++r) at[r] += L::kStride;
        }
        for (int t0 = 0; t0 < nt; t0 += 4) {
          const llmrt_block_q8_0* xt = xi + t0 * bs + b0;
          const PanelX* pt = &px[t0][0];
          float* yt = y + (i0 + t0) * ms + o;
          const bool add = b0 > 0;
          const float* bias_o = bias != nullptr ? bias + o : nullptr;
          switch (min_int(4, nt - t0)) {
            case 1: panel_tile<P, 1>(panel, nb, xt, bs, pt, add, bias_o, rows, ms, yt); break;
            case 2: panel_tile<P, 2>(panel, nb, xt, bs, pt, add, bias_o, rows, ms, yt); break;
            case 3: panel_tile<P, 3>(panel, nb, xt, bs, pt, add, bias_o, rows, ms, yt); break;
            default: panel_tile<P, 4>(panel, nb, xt, bs, pt, add, bias_o, rows, ms, yt); break;
          }
        }
      }
    }
  }
}

/// linear_rows, through the panels for prompts of kPanelMinTokens or more.
template <class P, class K, class Tiles, class L>
void linear_rows_prompt_panels(const void* xq, const void* w, const float* bias, int n, int k,
                               int m, int row_begin, int row_end, float* y) {
  if (n >= kPanelMinTokens && k > 0 && row_begin < row_end) {
    panel_linear_rows<P, L>(xq, w, bias, n, k, m, row_begin, row_end, y);
  } else {
    linear_rows<K, Tiles, L>(xq, w, bias, n, k, m, row_begin, row_end, y);
  }
}

}  // namespace

#endif  // LLMC_TARGETS_X86_KERNELS_X86_AVX2_PANELS_H
