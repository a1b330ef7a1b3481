// kernels_x86_avx512_panels.h - the x86-avx512 target's prompt panels for q8_0, q4_0, q4_K and
// q6_K weights: kernels_x86_tiling.h's panel policies (see "prompt panels" there) in 512-bit
// vectors, 16 weight rows per panel. Included by kernels_x86_avx512.cpp after its dot_u8s8
// (vpdpbusd, or maddubs + madd without VNNI).
//
//   q8_0 x q8_0  dpbusd(w + 128, x): each column is offset to u8 as it is loaded, and
//                128 * sum(x) per token and block (PanelX::offset_sum) takes the offset away.
//                Needs VNNI: maddubs pairs of (w + 128) * x would saturate.
//   q4_0 x q8_0  dpbusd(q, x) minus 8 * sum(x), with or without VNNI (q <= 15).
//   q4_K, q6_K   a sub-block's products by dpbusd, then vpmulld by its scale (without VNNI as
//                on AVX2, kernels_x86_avx2_panels.h: vpmaddubsw + vpmaddwd).
// Each token's integer sums run in two chains (even and odd columns), so that 4 tokens keep 8
// vpdpbusd in flight.
#ifndef LLMC_TARGETS_X86_KERNELS_X86_AVX512_PANELS_H
#define LLMC_TARGETS_X86_KERNELS_X86_AVX512_PANELS_H

#include "kernels_x86_tiling.h"
#include "kernels_x86_panel_copy.h"
#include "runtime/quant_format.h"

#include <cstdint>
#include <cstring>

namespace {

inline __m512i broadcast_word_x16(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

/// Two halves of 8 lanes as one vector of 16.
inline __m512i join_halves(__m256i lo, __m256i hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

/// a[r] holds 8 words of row r, rows 0..15; out[j] gets word j of rows 0..15 (a is clobbered).
inline void transpose_words_16x8(__m256i a[16], __m512i out[8]) {
  transpose_words_8x8(a);
  transpose_words_8x8(a + 8);
  for (int j = 0; j < 8; ++j) out[j] = join_halves(a[j], a[8 + j]);
}

/// What both AVX-512 panels share: 16 rows, float accumulators of 16 lanes.
struct PanelAvx512 {
  static const int kRows = 16;
  static const bool kUsable = true;
  typedef __m512 Acc;
  static Acc zero() { return _mm512_setzero_ps(); }
  static void store(Acc acc, float out[kRows]) { _mm512_storeu_ps(out, acc); }
  static float x_scale(const llmrt_block_q8_0& x) { return activation_scale(x); }
  static float x_scale(const llmrt_block_q8_K& x) { return activation_scale(x); }
  /// The rows' f16 scales as 16 floats.
  static __m512 scales(const llmrt_fp16 d[kRows]) {
    const __m256 lo = fp16_x8_gather(d), hi = fp16_x8_gather(d + 8);
    return _mm512_castsi512_ps(join_halves(_mm256_castps_si256(lo), _mm256_castps_si256(hi)));
  }
  /// acc += (s0 + s1) (one exact integer per row) * the rows' scales * the token's scale.
  static Acc scale_add(__m512i s0, __m512i s1, __m512 dw, float dx, Acc acc) {
    const __m512 s = _mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1));
    return _mm512_fmadd_ps(s, _mm512_mul_ps(dw, _mm512_set1_ps(dx)), acc);
  }
  /// The q8_0 and q4_0 panels' scales and 4-byte columns, as stored (any alignment).
  static __m512 load_scales(const llmrt_fp16 d[kRows]) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(d)));
  }
  static __m512i load_column(const uint8_t* q) {
    return _mm512_loadu_si512(reinterpret_cast<const void*>(q));
  }
  static void store_column(__m512i q, uint8_t* out) {
    _mm512_storeu_si512(reinterpret_cast<void*>(out), q);
  }
};

/// q8_0 weights: 8 columns of 4 quants per block, as in the block (s8); each column is moved to
/// u8 (plus 128) as it is loaded. Block is also the stored layout #x86.panel<16> (packPanels,
/// weight_layouts.h), which the p16 kernels read in place.
struct PanelQ8_0 : PanelAvx512 {
  typedef llmrt_block_q8_0 WBlock;
  typedef llmrt_block_q8_0 XBlock;
  static const int kColumns = 8;
  static const int kChunkBlocks = 64;  // blocks of k per copy
  static const int kWeightOffset = 128;
  static int32_t quant_sum(const XBlock& x) { return q8_0_quant_sum(x); }
#ifdef __AVX512VNNI__
  static const bool kUsable = true;
#else
  static const bool kUsable = false;  // the u8 x s8 pairs would saturate in maddubs
#endif
  struct Block {
    llmrt_fp16 d[kRows];
    uint8_t q[kColumns][4 * kRows];  // column j: quants 4j..4j+3 of each row
  };
  static_assert(sizeof(Block) == kRows * sizeof(WBlock), "panel16 keeps the blocks' bytes");

  static void pack(const WBlock* const at[kRows], Block* out) {
    __m256i a[kRows];  // row r
    for (int r = 0; r < kRows; ++r) {
      out->d[r] = at[r]->d;
      a[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at[r]->qs));
    }
    __m512i q[kColumns];
    transpose_words_16x8(a, q);
    for (int j = 0; j < kColumns; ++j) store_column(q[j], out->q[j]);
  }

  template <int T>
  static void dot(const Block& w, const llmrt_block_q8_0* x, size_t x_stride, const PanelX* px,
                  Acc acc[T]) {
    const __m512i offset = _mm512_set1_epi8(-128);  // s8 + 128 as u8: flip the sign bit
    __m512i s0[T], s1[T];
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      s0[t] = _mm512_set1_epi32(-px[t * kChunkBlocks].offset_sum);
      s1[t] = _mm512_setzero_si512();
    }
    LLMK_UNROLL
    for (int j = 0; j < kColumns; j += 2) {
      const __m512i q0 = _mm512_xor_si512(load_column(w.q[j]), offset);
      const __m512i q1 = _mm512_xor_si512(load_column(w.q[j + 1]), offset);
      LLMK_UNROLL
      for (int t = 0; t < T; ++t) {
        const int8_t* xq = x[t * x_stride].qs;
        s0[t] = dot_u8s8(s0[t], q0, broadcast_word_x16(xq + 4 * j));
        s1[t] = dot_u8s8(s1[t], q1, broadcast_word_x16(xq + 4 * j + 4));
      }
    }
    const __m512 d = load_scales(w.d);
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      acc[t] = scale_add(s0[t], s1[t], d, px[t * kChunkBlocks].d, acc[t]);
    }
  }
};

/// q4_0 weights: 4 columns of 4 quant bytes per block, each byte holding value i (low nibble)
/// and value i + 16 (high nibble), as in the block. Block is also the stored layout panel16.
struct PanelQ4_0 : PanelAvx512 {
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
  static_assert(sizeof(Block) == kRows * sizeof(WBlock), "panel16 keeps the blocks' bytes");

  static void pack(const WBlock* const at[kRows], Block* out) {
    const void* qs[kRows];
    for (int r = 0; r < kRows; ++r) {
      out->d[r] = at[r]->d;
      qs[r] = at[r]->qs;
    }
    __m256i lo[kColumns], hi[kColumns];
    transpose_words_8x4(qs, lo);
    transpose_words_8x4(qs + 8, hi);
    for (int j = 0; j < kColumns; ++j) store_column(join_halves(lo[j], hi[j]), out->q[j]);
  }

  template <int T>
  static void dot(const Block& w, const llmrt_block_q8_0* x, size_t x_stride, const PanelX* px,
                  Acc acc[T]) {
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    __m512i s0[T], s1[T];  // low and high nibbles' products
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      s0[t] = _mm512_set1_epi32(-px[t * kChunkBlocks].offset_sum);
      s1[t] = _mm512_setzero_si512();
    }
    LLMK_UNROLL
    for (int j = 0; j < kColumns; ++j) {
      const __m512i q = load_column(w.q[j]);
      const __m512i lo = _mm512_and_si512(q, low4);
      const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low4);
      LLMK_UNROLL
      for (int t = 0; t < T; ++t) {
        const int8_t* xq = x[t * x_stride].qs;
        s0[t] = dot_u8s8(s0[t], lo, broadcast_word_x16(xq + 4 * j));
        s1[t] = dot_u8s8(s1[t], hi, broadcast_word_x16(xq + 16 + 4 * j));
      }
    }
    const __m512 d = load_scales(w.d);
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      acc[t] = scale_add(s0[t], s1[t], d, px[t * kChunkBlocks].d, acc[t]);
    }
  }
};

/// q4_K weights (q8_K activations), as kernels_x86_avx2_panels.h's PanelQ4_K in 16 lanes: a
/// sub-block's products add up in s32 (vpdpbusd), then one vpmulld by its scale; without VNNI
/// in s16 (vpmaddubsw; 8 columns of pair sums of at most 2 * 15 * 128 = 30720), then one
/// vpmaddwd with the scale.
struct PanelQ4_K : PanelAvx512 {
  typedef llmrt_block_q4_K WBlock;
  typedef llmrt_block_q8_K XBlock;
  static const int kChunkBlocks = 8;  // 23 KiB
  static const int kWeightOffset = 0;
  struct Block {
    __m512 d, dmin;
    __m512i sc_lo[4], sc_hi[4], mn[4];  // see Q4KRowScales
    __m512i q[32];
  };

  static void pack(const WBlock* const at[kRows], Block* out) {
    llmrt_fp16 d[kRows], dmin[kRows];
    for (int r = 0; r < kRows; ++r) {
      d[r] = at[r]->d;
      dmin[r] = at[r]->dmin;
    }
    out->d = scales(d);
    out->dmin = scales(dmin);
    const Q4KRowScales<kRows> rs(at);
    for (int g = 0; g < 4; ++g) {
      out->sc_lo[g] = _mm512_loadu_si512(rs.sc_lo[g]);
      out->sc_hi[g] = _mm512_loadu_si512(rs.sc_hi[g]);
      out->mn[g] = _mm512_loadu_si512(rs.mn[g]);
    }
    for (int g = 0; g < 4; ++g) {
      __m256i a[kRows];  // row r
      for (int r = 0; r < kRows; ++r) {
        a[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at[r]->qs + 32 * g));
      }
      transpose_words_16x8(a, out->q + 8 * g);
    }
  }

  template <int T>
  static void dot(const Block& w, const llmrt_block_q8_K* x, size_t x_stride, const PanelX* px,
                  Acc acc[T]) {
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    __m512i s[T];  // sum over sub-blocks of scale * (q . x), one s32 per row
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) s[t] = _mm512_setzero_si512();
    for (int g = 0; g < 4; ++g) {
      LLMK_UNROLL
      for (int half = 0; half < 2; ++half) {  // sub-block 2g + half
        __m512i sub[T];
        LLMK_UNROLL
        for (int t = 0; t < T; ++t) sub[t] = _mm512_setzero_si512();
        LLMK_UNROLL
        for (int c = 0; c < 8; ++c) {
          const __m512i v = w.q[8 * g + c];
          const __m512i q = _mm512_and_si512(half == 0 ? v : _mm512_srli_epi16(v, 4), low4);
          LLMK_UNROLL
          for (int t = 0; t < T; ++t) {
            const __m512i xb =
                broadcast_word_x16(x[t * x_stride].qs + 64 * g + 32 * half + 4 * c);
#ifdef __AVX512VNNI__
            sub[t] = _mm512_dpbusd_epi32(sub[t], q, xb);  // s32 sums
#else
            sub[t] = _mm512_add_epi16(sub[t], _mm512_maddubs_epi16(q, xb));  // s16 pair sums
#endif
          }
        }
        const __m512i sc = half == 0 ? w.sc_lo[g] : w.sc_hi[g];
#ifdef __AVX512VNNI__
        const __m512i sc32 = _mm512_srai_epi32(sc, 16);  // the scale as s32
        LLMK_UNROLL
        for (int t = 0; t < T; ++t) s[t] = _mm512_add_epi32(s[t], _mm512_mullo_epi32(sub[t], sc32));
#else
        LLMK_UNROLL
        for (int t = 0; t < T; ++t) s[t] = _mm512_add_epi32(s[t], _mm512_madd_epi16(sub[t], sc));
#endif
      }
    }
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      const llmrt_block_q8_K& xt = x[t * x_stride];
      __m512i mins = _mm512_setzero_si512();  // sum over sub-blocks of min * sum(x)
      for (int i = 0; i < 4; ++i) {
        mins = _mm512_add_epi32(
            mins, _mm512_madd_epi16(w.mn[i], _mm512_set1_epi32(q8_k_sum_pair(xt, i))));
      }
      const __m512 dx = _mm512_set1_ps(px[t * kChunkBlocks].d);
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[t]), _mm512_mul_ps(w.d, dx), acc[t]);
      acc[t] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(mins), _mm512_mul_ps(w.dmin, dx), acc[t]);
    }
  }
};

/// q6_K weights (q8_K activations), as kernels_x86_avx2_panels.h's PanelQ6_K in 16 lanes; with
/// VNNI a sub-block's 4 columns add up in s32 (vpdpbusd), then one vpmulld by its scale.
struct PanelQ6_K : PanelAvx512 {
  typedef llmrt_block_q6_K WBlock;
  typedef llmrt_block_q8_K XBlock;
  static const int kChunkBlocks = 4;  // 23 KiB
  static const int kWeightOffset = 0;
  struct Block {
    __m512 d;
    __m512i sc[16], pairs[8];  // see q6_k_scales_x8
    __m512i q[64];
  };

  static void pack(const WBlock* const at[kRows], Block* out) {
    llmrt_fp16 d[kRows];
    __m256i q[kRows][8];  // row r's quants 32p..32p+31 in q[r][p]
    for (int r = 0; r < kRows; ++r) {
      d[r] = at[r]->d;
      q6_k_quants_u8(at[r], q[r]);
    }
    out->d = scales(d);
    __m256i sc[2][16], pairs[2][8];  // rows 0-7, rows 8-15
    q6_k_scales_x8(at, sc[0], pairs[0]);
    q6_k_scales_x8(at + 8, sc[1], pairs[1]);
    for (int j = 0; j < 16; ++j) out->sc[j] = join_halves(sc[0][j], sc[1][j]);
    for (int i = 0; i < 8; ++i) out->pairs[i] = join_halves(pairs[0][i], pairs[1][i]);
    for (int g = 0; g < 8; ++g) {
      __m256i a[kRows];  // row r
      for (int r = 0; r < kRows; ++r) {
        a[r] = q[r][g];
      }
      transpose_words_16x8(a, out->q + 8 * g);
    }
  }

  template <int T>
  static void dot(const Block& w, const llmrt_block_q8_K* x, size_t x_stride, const PanelX* px,
                  Acc acc[T]) {
    __m512i s[T];  // sum over sub-blocks of scale * (q . x), one s32 per row
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) s[t] = _mm512_setzero_si512();
    for (int j = 0; j < 16; ++j) {  // sub-block j: columns 4j..4j+3
#ifdef __AVX512VNNI__
      // The sub-block's products in s32 (vpdpbusd), then one multiply by its scale.
      const __m512i sc = _mm512_srai_epi32(w.sc[j], 16);
      __m512i sub[T];
      LLMK_UNROLL
      for (int t = 0; t < T; ++t) sub[t] = _mm512_setzero_si512();
      LLMK_UNROLL
      for (int c = 0; c < 4; ++c) {
        LLMK_UNROLL
        for (int t = 0; t < T; ++t) {
          const int8_t* xq = x[t * x_stride].qs + 16 * j + 4 * c;
          sub[t] = _mm512_dpbusd_epi32(sub[t], w.q[4 * j + c], broadcast_word_x16(xq));
        }
      }
      LLMK_UNROLL
      for (int t = 0; t < T; ++t) s[t] = _mm512_add_epi32(s[t], _mm512_mullo_epi32(sub[t], sc));
#else
      const __m512i sc = w.sc[j];
      LLMK_UNROLL
      for (int half = 0; half < 2; ++half) {
        const __m512i c0 = w.q[4 * j + 2 * half], c1 = w.q[4 * j + 2 * half + 1];
        LLMK_UNROLL
        for (int t = 0; t < T; ++t) {
          const int8_t* xq = x[t * x_stride].qs + 16 * j + 8 * half;
          const __m512i p =
              _mm512_add_epi16(_mm512_maddubs_epi16(c0, broadcast_word_x16(xq)),
                               _mm512_maddubs_epi16(c1, broadcast_word_x16(xq + 4)));
          s[t] = _mm512_add_epi32(s[t], _mm512_madd_epi16(p, sc));
        }
      }
#endif
    }
    LLMK_UNROLL
    for (int t = 0; t < T; ++t) {
      const llmrt_block_q8_K& xt = x[t * x_stride];
      __m512i offset = _mm512_setzero_si512();  // sum over sub-blocks of scale * sum(x)
      for (int i = 0; i < 8; ++i) {
        const __m512i sums = _mm512_set1_epi32(s16_pair(xt.bsums[2 * i], xt.bsums[2 * i + 1]));
        offset = _mm512_add_epi32(offset, _mm512_madd_epi16(w.pairs[i], sums));
      }
      const __m512i sum = _mm512_sub_epi32(s[t], _mm512_slli_epi32(offset, 5));
      acc[t] = scale_add(sum, _mm512_setzero_si512(), w.d, px[t * kChunkBlocks].d, acc[t]);
    }
  }
};

}  // namespace

#endif  // LLMC_TARGETS_X86_KERNELS_X86_AVX512_PANELS_H
