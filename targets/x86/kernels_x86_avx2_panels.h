// kernels_x86_avx2_panels.h - the x86-avx2 target's prompt panels for q8_0, q4_0, q4_K and
// q6_K weights: kernels_x86_tiling.h's panel policies (see "prompt panels" there) in 256-bit
// vectors, 8 weight rows per panel. Included by kernels_x86_avx2.cpp.
//
//   q8_0 x q8_0  maddubs(|w|, sign(x, w)), then madd into s32 at every step: two s16 pair sums
//                of up to 2 * 128 * 127 could not be added
//   q4_0 x q8_0  maddubs(q, x) added in s16 over the whole block (8 pair sums of at most
//                2 * 15 * 127: 30480 < 32767), one madd per block, minus 8 * sum(x)
//   q4_K x q8_K  the same per sub-block of 32 (at most 30720), madd with its scale; mins * bsums
//   q6_K x q8_K  quants as bytes 0..63, two columns in s16 (at most 32256) per madd with the
//                sub-block's scale; the offset -32 as 32 * sum of scale * bsums
#ifndef LLMC_TARGETS_X86_KERNELS_X86_AVX2_PANELS_H
#define LLMC_TARGETS_X86_KERNELS_X86_AVX2_PANELS_H

#include "kernels_x86_tiling.h"
#include "kernels_x86_panel_copy.h"
#include "runtime/quant_format.h"

#include <immintrin.h>

#include <cstdint>
#include <cstring>

// The column loop runs rolled: unrolled, the compilers load every column first and spill
// (slower: docs/targets.md).
#define LLMK_PANEL_COLUMN_LOOP _Pragma("GCC unroll 1")

namespace {

inline __m256i broadcast_word(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

/// What both AVX2 panels share: 8 rows, float accumulators of 8 lanes.
struct PanelAvx2 {
  static const int kRows = 8;
  static const bool kUsable = true;
  typedef __m256 Acc;
  static Acc zero() { return _mm256_setzero_ps(); }
  static void store(Acc acc, float out[kRows]) { _mm256_storeu_ps(out, acc); }
  static float x_scale(const llmrt_block_q8_0& x) { return activation_scale(x); }
  static float x_scale(const llmrt_block_q8_K& x) { return activation_scale(x); }
  /// acc += s (one exact integer per row) * the rows' scales * the token's scale.
  static Acc scale_add(__m256i s, __m256 dw, float dx, Acc acc) {
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, _mm256_set1_ps(dx)), acc);
  }
  /// The q8_0 and q4_0 panels' scales and 4-byte columns, as stored (any alignment).
  static __m256 load_scales(const llmrt_fp16 d[kRows]) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d)));
  }
  static __m256i load_column(const uint8_t* q) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  }
  static void store_column(__m256i q, uint8_t* out) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), q);
  }
};

/// q8_0 weights: 8 columns of 4 quants per block. Block is also the stored layout panel8
/// (packPanels, weight_layouts.h), which the p8 kernels read in place.
struct PanelQ8_0 : PanelAvx2 {
  typedef llmrt_block_q8_0 WBlock;
  typedef llmrt_block_q8_0 XBlock;
  static const int kColumns = 8;
  static const int kChunkBlocks = 64;  // blocks of k per copy
  static const int kWeightOffset = 0;
  struct Block {
    llmrt_fp16 d[kRows];             // the rows' scales
    uint8_t q[kColumns][4 * kRows];  // column j: quants 4j..4j+3 of each row
  };
  static_assert(sizeof(Block) == kRows * sizeof(WBlock), "panel8 keeps the blocks' bytes");

  static void pack(const WBlock* const at[kRows], Block* out) {
    __m256i a[kRows];
    for (int r = 0; r < kRows; ++r) {
      out->d[r] = at[r]->d;
      a[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at[r]->qs));
    }
    transpose_words_8x8(a);
    for (int j = 0; j < kColumns; ++j) store_column(a[j], out->q[j]);
  }

  template <int T>
  static void dot(const Block& w, const llmrt_block_q8_0* x, size_t x_stride, const PanelX* px,
                  Acc acc[T]) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i s[T];
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) s[t] = _mm256_setzero_si256();
    LLMK_PANEL_COLUMN_LOOP
    for (int j = 0; j < kColumns; ++j) {
      const __m256i q = load_column(w.q[j]);
      const __m256i abs_q = _mm256_abs_epi8(q);
      LLMK_UNROLL
      for (int t = 0; t < T; ++t) {
        const __m256i xb = broadcast_word(x[t * x_stride].qs + 4 * j);
        const __m256i p = _mm256_maddubs_epi16(abs_q, _mm256_sign_epi8(xb, q));
        s[t] = _mm256_add_epi32(s[t], _mm256_madd_epi16(p, ones));
      }
    }
    const __m256 d = load_scales(w.d);
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) acc[t] = scale_add(s[t], d, px[t * kChunkBlocks].d, acc[t]);
  }
};

/// q4_0 weights: 4 columns of 4 quant bytes per block, each byte holding value i (low nibble)
/// and value i + 16 (high nibble), as in the block. Block is also the stored layout panel8.
struct PanelQ4_0 : PanelAvx2 {
  typedef llmrt_block_q4_0 WBlock;
  typedef llmrt_block_q8_0 XBlock;
  static const int kColumns = 4;
  static const int kChunkBlocks = 64;
  static const int kWeightOffset = 8;
  static int32_t quant_sum(const XBlock& x) { return q8_0_quant_sum(x); }
  struct Block {
    llmrt_fp16 d[kRows];
    uint8_t q[kColumns][4 * kRows];  // column j: quant bytes 4j..4j+3 of each row
  };
  static_assert(sizeof(Block) == kRows * sizeof(WBlock), "panel8 keeps the blocks' bytes");

  static void pack(const WBlock* const at[kRows], Block* out) {
    const void* qs[kRows];
    for (int r = 0; r < kRows; ++r) {
      out->d[r] = at[r]->d;
      qs[r] = at[r]->qs;
    }
    __m256i a[kColumns];
    transpose_words_8x4(qs, a);
    for (int j = 0; j < kColumns; ++j) store_column(a[j], out->q[j]);
  }

  template <int T>
  static void dot(const Block& w, const llmrt_block_q8_0* x, size_t x_stride, const PanelX* px,
                  Acc acc[T]) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i s[T];  // s16 lanes: two adjacent products' sums, a pair of lanes per row
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) s[t] = _mm256_setzero_si256();
    LLMK_PANEL_COLUMN_LOOP
    for (int j = 0; j < kColumns; ++j) {
      const __m256i q = load_column(w.q[j]);
      const __m256i lo = _mm256_and_si256(q, low4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
      LLMK_UNROLL
      for (int t = 0; t < T; ++t) {
        const int8_t* xq = x[t * x_stride].qs;
        const __m256i p_lo = _mm256_maddubs_epi16(lo, broadcast_word(xq + 4 * j));
        const __m256i p_hi = _mm256_maddubs_epi16(hi, broadcast_word(xq + 16 + 4 * j));
        s[t] = _mm256_add_epi16(s[t], _mm256_add_epi16(p_lo, p_hi));
      }
    }
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256 d = load_scales(w.d);
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      const PanelX& p = px[t * kChunkBlocks];
      const __m256i sum =
          _mm256_sub_epi32(_mm256_madd_epi16(s[t], ones), _mm256_set1_epi32(p.offset_sum));
      acc[t] = scale_add(sum, d, p.d, acc[t]);
    }
  }
};

/// q4_K weights (q8_K activations): per super-block of 256 the rows' d and dmin, the sub-block
/// scales and mins, and 32 columns of 4 quant bytes (bytes 32g..32g+31 hold sub-block 2g in the
/// low nibbles and 2g + 1 in the high ones, as in the block). A sub-block's products add up in
/// s16 (8 columns of pair sums of at most 2 * 15 * 128: 30720), then one madd with its scale.
struct PanelQ4_K : PanelAvx2 {
  typedef llmrt_block_q4_K WBlock;
  typedef llmrt_block_q8_K XBlock;
  static const int kChunkBlocks = 8;  // 12 KiB
  static const int kWeightOffset = 0;
  struct Block {
    __m256 d, dmin;
    __m256i sc_lo[4], sc_hi[4], mn[4];  // see Q4KRowScales
    __m256i q[32];
  };

  static void pack(const WBlock* const at[kRows], Block* out) {
    llmrt_fp16 d[kRows], dmin[kRows];
    for (int r = 0; r < kRows; ++r) {
      d[r] = at[r]->d;
      dmin[r] = at[r]->dmin;
    }
    out->d = fp16_x8_gather(d);
    out->dmin = fp16_x8_gather(dmin);
    const Q4KRowScales<kRows> rs(at);
    for (int g = 0; g < 4; ++g) {
      out->sc_lo[g] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rs.sc_lo[g]));
      out->sc_hi[g] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rs.sc_hi[g]));
      out->mn[g] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rs.mn[g]));
    }
    for (int g = 0; g < 4; ++g) {
      __m256i a[kRows];
      for (int r = 0; r < kRows; ++r) {
        a[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at[r]->qs + 32 * g));
      }
      transpose_words_8x8(a);
      for (int j = 0; j < 8; ++j) out->q[8 * g + j] = a[j];
    }
  }

  template <int T>
  static void dot(const Block& w, const llmrt_block_q8_K* x, size_t x_stride, const PanelX* px,
                  Acc acc[T]) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i s[T];  // sum over sub-blocks of scale * (q . x), one s32 per row
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) s[t] = _mm256_setzero_si256();
    for (int g = 0; g < 4; ++g) {
      LLMK_UNROLL
      for (int half = 0; half < 2; ++half) {  // sub-block 2g + half
        __m256i sub[T];
        LLMK_UNROLL
        for (int t = 0; t < T; ++t) sub[t] = _mm256_setzero_si256();
        LLMK_PANEL_COLUMN_LOOP
        for (int c = 0; c < 8; ++c) {
          const __m256i v = w.q[8 * g + c];
          const __m256i q = _mm256_and_si256(half == 0 ? v : _mm256_srli_epi16(v, 4), low4);
          LLMK_UNROLL
          for (int t = 0; t < T; ++t) {
            const __m256i xb = broadcast_word(x[t * x_stride].qs + 64 * g + 32 * half + 4 * c);
            sub[t] = _mm256_add_epi16(sub[t], _mm256_maddubs_epi16(q, xb));
          }
        }
        const __m256i sc = half == 0 ? w.sc_lo[g] : w.sc_hi[g];
        LLMK_UNROLL
        for (int t = 0; t < T; ++t) s[t] = _mm256_add_epi32(s[t], _mm256_madd_epi16(sub[t], sc));
      }
    }
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      const llmrt_block_q8_K& xt = x[t * x_stride];
      __m256i mins = _mm256_setzero_si256();  // sum over sub-blocks of min * sum(x)
      for (int i = 0; i < 4; ++i) {
        mins = _mm256_add_epi32(
            mins, _mm256_madd_epi16(w.mn[i], _mm256_set1_epi32(q8_k_sum_pair(xt, i))));
      }
      const __m256 dx = _mm256_set1_ps(px[t * kChunkBlocks].d);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[t]), _mm256_mul_ps(w.d, dx), acc[t]);
      acc[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(mins), _mm256_mul_ps(w.dmin, dx), acc[t]);
    }
  }
};

/// q6_K weights (q8_K activations): per super-block of 256 the rows' d, the 16 sub-block scales
/// (q6_k_scales_x8), and 64 columns of 4 quants stored as u8 0..63 (the offset -32 comes off as
/// 32 * sum over sub-blocks of scale * bsum). Two columns' maddubs pair sums (at most
/// 2 * 2 * 63 * 128 = 32256) add in s16, then one madd with the sub-block's scale.
struct PanelQ6_K : PanelAvx2 {
  typedef llmrt_block_q6_K WBlock;
  typedef llmrt_block_q8_K XBlock;
  static const int kChunkBlocks = 8;  // 22 KiB
  static const int kWeightOffset = 0;
  struct Block {
    __m256 d;
    __m256i sc[16], pairs[8];  // see q6_k_scales_x8
    __m256i q[64];
  };

  static void pack(const WBlock* const at[kRows], Block* out) {
    llmrt_fp16 d[kRows];
    __m256i q[kRows][8];  // row r's quants 32p..32p+31 in q[r][p]
    for (int r = 0; r < kRows; ++r) {
      d[r] = at[r]->d;
      q6_k_quants_u8(at[r], q[r]);
    }
    out->d = fp16_x8_gather(d);
    q6_k_scales_x8(at, out->sc, out->pairs);
    for (int g = 0; g < 8; ++g) {
      __m256i a[kRows];
      for (int r = 0; r < kRows; ++r) {
        a[r] = q[r][g];
      }
      transpose_words_8x8(a);
      for (int j = 0; j < 8; ++j) out->q[8 * g + j] = a[j];
    }
  }

  template <int T>
  static void dot(const Block& w, const llmrt_block_q8_K* x, size_t x_stride, const PanelX* px,
                  Acc acc[T]) {
    __m256i s[T];  // sum over sub-blocks of scale * (q . x), one s32 per row
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) s[t] = _mm256_setzero_si256();
    LLMK_PANEL_COLUMN_LOOP
    for (int j = 0; j < 16; ++j) {  // sub-block j: columns 4j..4j+3
      const __m256i sc = w.sc[j];
      LLMK_UNROLL
      for (int half = 0; half < 2; ++half) {
        const __m256i c0 = w.q[4 * j + 2 * half], c1 = w.q[4 * j + 2 * half + 1];
        LLMK_UNROLL
        for (int t = 0; t < T; ++t) {
          const int8_t* xq = x[t * x_stride].qs + 16 * j + 8 * half;
          const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(c0, broadcast_word(xq)),
                                             _mm256_maddubs_epi16(c1, broadcast_word(xq + 4)));
          s[t] = _mm256_add_epi32(s[t], _mm256_madd_epi16(p, sc));
        }
      }
    }
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      const llmrt_block_q8_K& xt = x[t * x_stride];
      __m256i offset = _mm256_setzero_si256();  // sum over sub-blocks of scale * sum(x)
      for (int i = 0; i < 8; ++i) {
        const __m256i sums = _mm256_set1_epi32(s16_pair(xt.bsums[2 * i], xt.bsums[2 * i + 1]));
        offset = _mm256_add_epi32(offset, _mm256_madd_epi16(w.pairs[i], sums));
      }
      const __m256i sum = _mm256_sub_epi32(s[t], _mm256_slli_epi32(offset, 5));
      acc[t] = scale_add(sum, w.d, px[t * kChunkBlocks].d, acc[t]);
    }
  }
};

}  // namespace

#endif  // LLMC_TARGETS_X86_KERNELS_X86_AVX2_PANELS_H
