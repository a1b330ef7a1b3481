// kernels_x86_avx512.cpp - AVX-512 microkernels of the x86-avx512 target (see the header).
//
// The same plan as kernels_x86_avx2.cpp, in 512-bit vectors: the quantized linears prepare each
// tile's activation blocks once (lane order of the weight vectors, scales as float) in a 32 KiB
// stack buffer, then read every weight row of [row_begin, row_end) once per tile of up to 4
// activation rows (decode: 1 activation row x 4 weight rows; prompts: 4 x 2). Prompts of 4 or
// more tokens on q8_0, q4_0, q4_K and q6_K weights take the panel path
// (kernels_x86_avx512_panels.h): 16 weight rows copied into 32-bit lanes, one vpdpbusd per 4
// values of k for 16 rows.
//
// One vector step covers two q8_0 blocks (64 quants) or four q4_0/q4_1 blocks (their 64 bytes of
// nibbles: the low nibbles of four blocks in one vector, the high nibbles in another, the
// activations' halves arranged to match). With VNNI, vpdpbusd (u8 x s8, four products summed
// into each 32-bit lane, no saturation) does the integer work:
//   q8_0 x q8_0  dpbusd(x + 128, w) - dpbusd(128, w) = x * w; the second term once per weight
//                group, the activations stored offset by 128 (x ^ 0x80) once per tile
//   q4_0 x q8_0  dpbusd(q, x) - dpbusd(8, x) = (q - 8) * x; the second term once per tile
//   q4_1 x q8_1  dpbusd(q, x); the min term m * s of each block in float, as ggml does
//   q4_K, q6_K x q8_K  vpmaddubsw(q, x), then vpdpwssd with the sub-block scales (see below)
// Without VNNI (a compiler not targeting it) the same sums come from vpmaddubsw + vpmaddwd, as in
// the AVX2 kernels. Every 32-bit lane holds an exact partial sum of one block; it is converted to
// float, multiplied by the block's two scales and accumulated in 16 float lanes.
#include "kernels_x86_avx512.h"  // beside this file, here and in out/
#include "kernels_attend_rows.h"  // targets/common, beside this file in out/
#include "kernels_quantize_rows.h"
#include "kernels_x86_tiling.h"
#include "runtime/quant_format.h"

// GCC 12's AVX-512 intrinsics initialise their _mm512_undefined_*() placeholders from themselves,
// which -W(maybe-)uninitialized reports wherever they are inlined (GCC bug 105593, fixed in
// GCC 13); the warnings are silenced for the header's own lines only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

LLMRT_NAMESPACE_BEGIN

namespace {

// ---- helpers ---------------------------------------------------------------------------------

// Horizontal sums and maxima. (Not GCC 12's _mm512_reduce_*: their inlined halves trip its
// -Wuninitialized.)
inline __m256 fold_halves_add(__m512 v) {
  return _mm512_castps512_ps256(_mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0x4e)));
}

inline float hsum(__m512 v) {
  const __m256 h = fold_halves_add(v);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float hmax(__m512 v) {  // none NaN
  const __m256 h = _mm512_castps512_ps256(_mm512_max_ps(v, _mm512_shuffle_f32x4(v, v, 0x4e)));
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline int hsum_epi32(__m512i v) {
  const __m256i h = _mm512_castsi512_si256(_mm512_add_epi32(v, _mm512_shuffle_i32x4(v, v, 0x4e)));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

inline double hsum_pd(__m512d v) {
  const __m256d h = _mm512_castpd512_pd256(_mm512_add_pd(v, _mm512_shuffle_f64x2(v, v, 0x4e)));
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/// Lanes [0, count) of 16.
inline __mmask16 tail_mask16(int count) { return static_cast<__mmask16>((1u << count) - 1); }

inline __m512 abs_ps(__m512 v) {
  const __m512i magnitude = _mm512_set1_epi32(0x7fffffff);
  return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), magnitude));
}

/// Four fp16 values, each repeated in 4 consecutive lanes: a a a a b b b b c c c c d d d d.
inline __m512 fp16_quad_x4(llmrt_fp16 a, llmrt_fp16 b, llmrt_fp16 c, llmrt_fp16 d) {
  const uint64_t bits = a | uint64_t(b) << 16 | uint64_t(c) << 32 | uint64_t(d) << 48;
  const __m128 f = _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(bits)));
  return _mm512_permutexvar_ps(
      _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), _mm512_castps128_ps512(f));
}

/// Two fp16 values, a in lanes 0-7 and b in lanes 8-15.
inline __m512 fp16_pair_x8(llmrt_fp16 a, llmrt_fp16 b) {
  const __m128 f = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(a | uint32_t(b) << 16)));
  return _mm512_permutexvar_ps(
      _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), _mm512_castps128_ps512(f));
}

/// Four 16-byte pieces as one vector, piece i in 128-bit lane i; nullptr reads as zero.
inline __m512i load_4x16(const void* p0, const void* p1, const void* p2, const void* p3) {
  const __m128i zero = _mm_setzero_si128();
  const void* p[4] = {p0, p1, p2, p3};
  __m128i v[4];
  for (int i = 0; i < 4; ++i) {
    v[i] = p[i] != nullptr ? _mm_loadu_si128(static_cast<const __m128i*>(p[i])) : zero;
  }
  __m512i out = _mm512_castsi128_si512(v[0]);
  out = _mm512_inserti32x4(out, v[1], 1);
  out = _mm512_inserti32x4(out, v[2], 2);
  return _mm512_inserti32x4(out, v[3], 3);
}

/// Two 32-byte pieces as one vector; nullptr reads as zero.
inline __m512i load_2x32(const void* p0, const void* p1) {
  const __m256i a = _mm256_loadu_si256(static_cast<const __m256i*>(p0));
  const __m256i b = p1 != nullptr ? _mm256_loadu_si256(static_cast<const __m256i*>(p1))
                                  : _mm256_setzero_si256();
  return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
}

// ---- activation quantization -----------------------------------------------------------------

/// round(v) half away from zero (roundf) for |v| < 2^22: trunc(v + copysign(0.5 - 2^-25, v));
/// see kernels_x86_avx2.cpp.
inline __m512 round_half_away(__m512 v) {
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN));
  const __m512 half = _mm512_castsi512_ps(
      _mm512_or_si512(_mm512_castps_si512(_mm512_set1_ps(0.49999997f)), sign));
  return _mm512_roundscale_ps(_mm512_add_ps(v, half), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
}

/// Quantizes 32 floats as quant.cpp's quantize_q8_block does (see kernels_x86_avx2.cpp).
inline float quantize_block_q8(const float* x /* (32) */, int8_t* qs /* (32) */, int* sum) {
  const __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
  // max returns its second operand when either is NaN, so NaNs leave the running maximum.
  const __m512 amax = _mm512_max_ps(abs_ps(v0), _mm512_max_ps(abs_ps(v1), _mm512_setzero_ps()));
  const float d = hmax(amax) / 127.0f;
  const __m512 id = _mm512_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
  __m512i q[2];
  const __m512 v[2] = {v0, v1};
  for (int j = 0; j < 2; ++j) {
    __m512 t = _mm512_mul_ps(v[j], id);
    t = _mm512_max_ps(t, _mm512_set1_ps(-127.0f));  // NaN -> -127
    t = _mm512_min_ps(t, _mm512_set1_ps(127.0f));
    q[j] = _mm512_cvtps_epi32(round_half_away(t));  // integral already: exact
  }
  *sum = hsum_epi32(_mm512_add_epi32(q[0], q[1]));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(qs), _mm512_cvtsepi32_epi8(q[0]));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + 16), _mm512_cvtsepi32_epi8(q[1]));
  return d;
}

/// Quantizes 256 floats to a q8_K block as llmrt_quantize_row_q8_k does (see kernels_x86_avx2.cpp):
/// the first value of largest magnitude maps to -127, q = nearbyint(iscale * x) clamped to
/// -128..127 (NaN -> -128); a block of zeros (and NaNs) is all zero bytes.
inline void quantize_block_q8_k(const float* x /* (256) */, llmrt_block_q8_K* out) {
  __m512 amax = _mm512_setzero_ps();
  for (int j = 0; j < 16; ++j) amax = _mm512_max_ps(abs_ps(_mm512_loadu_ps(x + 16 * j)), amax);
  const float absmax = hmax(amax);
  if (absmax == 0.0f) {
    std::memset(out, 0, sizeof(*out));
    return;
  }
  // The scale takes the sign of the first value of that magnitude.
  const __m512 target = _mm512_set1_ps(absmax);
  int first = 0;
  for (int j = 0; j < 16; ++j) {
    const unsigned hits =
        _mm512_cmp_ps_mask(abs_ps(_mm512_loadu_ps(x + 16 * j)), target, _CMP_EQ_OQ);
    if (hits != 0) {
      first = 16 * j + __builtin_ctz(hits);
      break;
    }
  }
  const float iscale = -127.0f / x[first];
  const __m512 scale = _mm512_set1_ps(iscale);
  for (int j = 0; j < 16; ++j) {  // 16 values a step: one of the bsums
    __m512 t = _mm512_mul_ps(_mm512_loadu_ps(x + 16 * j), scale);
    t = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    t = _mm512_max_ps(t, _mm512_set1_ps(-128.0f));  // NaN -> -128: max returns operand 2
    t = _mm512_min_ps(t, _mm512_set1_ps(127.0f));
    const __m512i q = _mm512_cvtps_epi32(t);  // integral already: exact
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out->qs + 16 * j), _mm512_cvtsepi32_epi8(q));
    out->bsums[j] = static_cast<int16_t>(hsum_epi32(q));
  }
  out->d = 1.0f / iscale;
}

// ---- quantized linears: one policy per weight type -------------------------------------------
// Driven by kernels_x86_tiling.h's dot_tile, linear_tile_rows and linear_rows.
// As in kernels_x86_avx2.cpp: XGroup (prepared activations of kGroupBlocks blocks, by prep()),
// WGroup (a weight group by load<S>() from blocks S apart; count < kGroupBlocks at a row's end,
// the missing blocks zero), Acc with zero(), dot() and sum().

/// Integer sums of u8 x s8 products, four adjacent products per 32-bit lane, added to acc.
inline __m512i dot_u8s8(__m512i acc, __m512i u, __m512i s) {
#ifdef __AVX512VNNI__
  return _mm512_dpbusd_epi32(acc, u, s);
#else
  // The callers pass u <= 15, or u <= 128 with |s| <= 127: no s16 pair sum saturates.
  return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s),
                                                 _mm512_set1_epi16(1)));
#endif
}

}  // namespace

// The prompt path of q8_0, q4_0, q4_K and q6_K (namespace-scope, like every kernel header; it
// uses dot_u8s8).
#include "kernels_x86_avx512_panels.h"

namespace {

/// q8_0 weights, q8_0 activations: two blocks per group, 32-bit lanes 0-7 summing block 0 and
/// 8-15 block 1.
struct KernelQ8_0 {
  typedef llmrt_block_q8_0 WBlock;
  typedef llmrt_block_q8_0 XBlock;
  static const int kGroupBlocks = 2;
  struct XGroup {
    __m512i q;  // the quants of both blocks; with VNNI + 128, as u8
    __m512 d;   // block 0's scale in lanes 0-7, block 1's in lanes 8-15
  };
  struct WGroup {
    __m512i q;
#ifdef __AVX512VNNI__
    __m512i minus_128_sum;  // -128 * (sum of each 4 quants), what the offset of x adds
#else
    __m512i abs_q;  // |w| as u8, whose products with sign(x, w) are w * x
    __mmask64 negative;
#endif
    __m512 d;
  };
  typedef __m512 Acc;

  static void prep(const XBlock* x, int blocks, XGroup* out) {
    for (int g = 0; 2 * g < blocks; ++g) {
      const XBlock* xg = x + 2 * g;
      const bool two = 2 * g + 1 < blocks;
      out[g].q = load_2x32(xg[0].qs, two ? xg[1].qs : nullptr);
#ifdef __AVX512VNNI__
      out[g].q = _mm512_xor_si512(out[g].q, _mm512_set1_epi8(-128));  // x + 128 as u8
#endif
      out[g].d = fp16_pair_x8(xg[0].d, two ? xg[1].d : llmrt_fp16(0));
    }
  }
  template <int S>
  static WGroup load(const WBlock* w, int count) {
    WGroup g;
    g.q = load_2x32(w[0].qs, count > 1 ? w[S].qs : nullptr);
#ifdef __AVX512VNNI__
    // A missing second block's zero quants meet x = 0 + 128: they and their term cancel.
    g.minus_128_sum = _mm512_sub_epi32(
        _mm512_setzero_si512(),
        _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(-128), g.q));
#else
    g.abs_q = _mm512_abs_epi8(g.q);
    g.negative = _mm512_movepi8_mask(g.q);
#endif
    g.d = fp16_pair_x8(w[0].d, count > 1 ? w[S].d : llmrt_fp16(0));
    return g;
  }
  static Acc zero() { return _mm512_setzero_ps(); }
  static Acc dot(const WGroup& w, const XGroup& x, Acc acc) {
#ifdef __AVX512VNNI__
    const __m512i s = _mm512_dpbusd_epi32(w.minus_128_sum, x.q, w.q);
#else
    // sign(x, w): x negated where w < 0 (x is never -128); |w| * sign(x, w) = w * x, and a pair
    // of those is at most 2 * 128 * 127 < 32768.
    const __m512i sx = _mm512_mask_sub_epi8(x.q, w.negative, _mm512_setzero_si512(), x.q);
    const __m512i s = dot_u8s8(_mm512_setzero_si512(), w.abs_q, sx);
#endif
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(w.d, x.d), acc);
  }
  static float sum(Acc acc) { return hsum(acc); }
};

/// Activation halves of four blocks in the order of four q4_0/q4_1 weight blocks' nibbles: lo
/// holds quants 0-15 of block i in 128-bit lane i (what the low nibbles multiply), hi quants
/// 16-31. Missing blocks read as zero.
template <typename XBlock>
inline void prep_nibble_halves(const XBlock* x, int count, __m512i* lo, __m512i* hi) {
  const void* l[4] = {nullptr, nullptr, nullptr, nullptr};
  const void* h[4] = {nullptr, nullptr, nullptr, nullptr};
  for (int i = 0; i < count; ++i) {
    l[i] = x[i].qs;
    h[i] = x[i].qs + 16;
  }
  *lo = load_4x16(l[0], l[1], l[2], l[3]);
  *hi = load_4x16(h[0], h[1], h[2], h[3]);
}

/// The nibbles of four q4_0/q4_1 blocks (w[0], w[S], w[2S], w[3S]) as u8: lo the low nibbles of
/// block i in lane i, hi the high nibbles. Missing blocks read as zero.
template <int S, typename WBlock>
inline void load_nibbles(const WBlock* w, int count, __m512i* lo, __m512i* hi) {
  const __m512i q = load_4x16(w[0].qs, count > 1 ? w[S].qs : nullptr,
                              count > 2 ? w[2 * S].qs : nullptr, count > 3 ? w[3 * S].qs : nullptr);
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  *lo = _mm512_and_si512(q, low4);
  *hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low4);
}

/// q4_0 weights, q8_0 activations: four blocks per group, 32-bit lanes 4i..4i+3 summing block i.
/// The nibble products are at most 15 * 128 per byte, so maddubs pairs cannot saturate.
struct KernelQ4_0 {
  typedef llmrt_block_q4_0 WBlock;
  typedef llmrt_block_q8_0 XBlock;
  static const int kGroupBlocks = 4;
  struct XGroup {
    __m512i lo, hi;  // see prep_nibble_halves
#ifdef __AVX512VNNI__
    __m512i minus_8_sum;  // -8 * (sums of x per 32-bit lane): what the weights' -8 takes away
#else
    __m512i sum_8;  // s16 pair sums of 8 * x over lo and hi
#endif
    __m512 d;  // block i's scale in lanes 4i..4i+3
  };
  struct WGroup {
    __m512i lo, hi;  // see load_nibbles
    __m512 d;
  };
  typedef __m512 Acc;

  static void prep(const XBlock* x, int blocks, XGroup* out) {
    const __m512i eight = _mm512_set1_epi8(8);
    for (int g = 0; 4 * g < blocks; ++g) {
      const XBlock* xg = x + 4 * g;
      const int count = min_int(4, blocks - 4 * g);
      prep_nibble_halves(xg, count, &out[g].lo, &out[g].hi);
#ifdef __AVX512VNNI__
      const __m512i sum8 = _mm512_dpbusd_epi32(
          _mm512_dpbusd_epi32(_mm512_setzero_si512(), eight, out[g].lo), eight, out[g].hi);
      out[g].minus_8_sum = _mm512_sub_epi32(_mm512_setzero_si512(), sum8);
#else
      out[g].sum_8 = _mm512_add_epi16(_mm512_maddubs_epi16(eight, out[g].lo),
                                      _mm512_maddubs_epi16(eight, out[g].hi));
#endif
      llmrt_fp16 d[4] = {0, 0, 0, 0};
      for (int i = 0; i < count; ++i) d[i] = xg[i].d;
      out[g].d = fp16_quad_x4(d[0], d[1], d[2], d[3]);
    }
  }
  template <int S>
  static WGroup load(const WBlock* w, int count) {
    WGroup g;
    load_nibbles<S>(w, count, &g.lo, &g.hi);
    g.d = fp16_quad_x4(w[0].d, count > 1 ? w[S].d : llmrt_fp16(0),
                       count > 2 ? w[2 * S].d : llmrt_fp16(0),
                       count > 3 ? w[3 * S].d : llmrt_fp16(0));
    return g;
  }
  static Acc zero() { return _mm512_setzero_ps(); }
  static Acc dot(const WGroup& w, const XGroup& x, Acc acc) {
#ifdef __AVX512VNNI__
    const __m512i s =
        _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(x.minus_8_sum, w.lo, x.lo), w.hi, x.hi);
#else
    const __m512i p = _mm512_sub_epi16(
        _mm512_add_epi16(_mm512_maddubs_epi16(w.lo, x.lo), _mm512_maddubs_epi16(w.hi, x.hi)),
        x.sum_8);
    const __m512i s = _mm512_madd_epi16(p, _mm512_set1_epi16(1));
#endif
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(w.d, x.d), acc);
  }
  static float sum(Acc acc) { return hsum(acc); }
};

/// q4_1 weights, q8_1 activations: four blocks per group, lanes as KernelQ4_0. Per block the dot
/// product is dw * dx * sum(q * x) + m * s (s = dx * sum(x), stored in the activation block).
struct KernelQ4_1 {
  typedef llmrt_block_q4_1 WBlock;
  typedef llmrt_block_q8_1 XBlock;
  static const int kGroupBlocks = 4;
  struct XGroup {
    __m512i lo, hi;  // see prep_nibble_halves
    __m256 ds;       // dx0..dx3, s0..s3
  };
  struct WGroup {
    __m512i lo, hi;  // see load_nibbles
    __m256 dm;       // d0..d3, m0..m3
  };
  struct Acc {
    __m512 v;  // scaled integer sums
    __m256 m;  // lanes 4-7: sums of m * s (lanes 0-3 unused)
  };

  /// Eight fp16 values as float.
  static __m256 fp16_x8(const llmrt_fp16* h /* (8) */) {
    const uint64_t lo = h[0] | uint64_t(h[1]) << 16 | uint64_t(h[2]) << 32 | uint64_t(h[3]) << 48;
    const uint64_t hi = h[4] | uint64_t(h[5]) << 16 | uint64_t(h[6]) << 32 | uint64_t(h[7]) << 48;
    return _mm256_cvtph_ps(
        _mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo)));
  }
  static void prep(const XBlock* x, int blocks, XGroup* out) {
    for (int g = 0; 4 * g < blocks; ++g) {
      const XBlock* xg = x + 4 * g;
      const int count = min_int(4, blocks - 4 * g);
      prep_nibble_halves(xg, count, &out[g].lo, &out[g].hi);
      llmrt_fp16 h[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (int i = 0; i < count; ++i) {
        h[i] = xg[i].d;
        h[4 + i] = xg[i].s;
      }
      out[g].ds = fp16_x8(h);
    }
  }
  template <int S>
  static WGroup load(const WBlock* w, int count) {
    WGroup g;
    load_nibbles<S>(w, count, &g.lo, &g.hi);
    llmrt_fp16 h[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < count; ++i) {
      h[i] = w[i * S].d;
      h[4 + i] = w[i * S].m;
    }
    g.dm = fp16_x8(h);
    return g;
  }
  static Acc zero() { return Acc{_mm512_setzero_ps(), _mm256_setzero_ps()}; }
  static Acc dot(const WGroup& w, const XGroup& x, Acc acc) {
    const __m512i s = dot_u8s8(dot_u8s8(_mm512_setzero_si512(), w.lo, x.lo), w.hi, x.hi);
    const __m256 prod = _mm256_mul_ps(w.dm, x.ds);  // dw*dx of the four blocks, m*s of the four
    const __m512 scale = _mm512_permutexvar_ps(
        _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3),
        _mm512_castps256_ps512(prod));
    acc.v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), scale, acc.v);
    acc.m = _mm256_add_ps(acc.m, prod);
    return acc;
  }
  static float sum(Acc acc) {
    __m128 m = _mm256_extractf128_ps(acc.m, 1);
    m = _mm_add_ps(m, _mm_movehl_ps(m, m));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    return hsum(acc.v) + _mm_cvtss_f32(m);
  }
};

// ---- q4_K and q6_K weights, q8_K activations ---------------------------------------------------
// One super-block (256 weights) per group, four vectors of 64 weights. As in kernels_x86_avx2.cpp
// the sub-block scales are applied in the integer domain: vpmaddubsw gives s16 sums of adjacent
// weight x activation products (at most 2 * 63 * 128 < 32768), and each is multiplied by its
// sub-block's scale and summed into s32 lanes, with VNNI by vpdpwssd, else vpmaddwd + vpaddd. The
// q4_K min term and q6_K's offset of -32 come from the activation block's bsums.

/// acc + the s32 sums of adjacent s16 products of p and s.
inline __m512i madd_acc(__m512i acc, __m512i p, __m512i s) {
#ifdef __AVX512VNNI__
  return _mm512_dpwssd_epi32(acc, p, s);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(p, s));
#endif
}

/// The vpermw indices that fill each 128-bit lane i with 16-bit word w_i of the source.
inline __m512i lane_words(int w0, int w1, int w2, int w3) {
  const __m256i lo = _mm256_setr_m128i(_mm_set1_epi16(static_cast<short>(w0)),
                                       _mm_set1_epi16(static_cast<short>(w1)));
  const __m256i hi = _mm256_setr_m128i(_mm_set1_epi16(static_cast<short>(w2)),
                                       _mm_set1_epi16(static_cast<short>(w3)));
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

/// The prepared activations of one q8_K block.
struct XGroupK {
  __m512i q[4];   // the 256 quants, 64 a vector, in the order of the weight vectors they meet
  __m256i bsums;  // the 16 sums of 16 quants (in weight order), s16
  __m512 d;       // the scale, in every lane
};

/// q4_K weights. Vector 2h holds the low nibbles of qs[64h..64h+63], vector 2h + 1 the high ones:
/// in 128-bit lanes 0-1 sub-blocks 4h and 4h + 1, in lanes 2-3 sub-blocks 4h + 2 and 4h + 3.
/// Per block, d * dx * sum_s sc[s] * (q . x)_s - dmin * dx * sum_s mn[s] * sum(x)_s.
struct KernelQ4_K {
  typedef llmrt_block_q4_K WBlock;
  typedef llmrt_block_q8_K XBlock;
  static const int kGroupBlocks = 1;
  typedef XGroupK XGroup;
  struct WGroup {
    __m512i q[4];       // the nibbles as u8, in the order above
    __m512i scales[4];  // each 128-bit lane's sub-block scale, s16
    __m256i mins;       // mn[0..7] each twice, as s16: pairs with the 16 bsums
    __m512 d;
    __m256 dmin;
  };
  struct Acc {
    __m512 v;  // scaled integer sums
    __m256 m;  // minus the scaled min terms
  };

  static void prep(const XBlock* x, int blocks, XGroup* out) {
    for (int b = 0; b < blocks; ++b) {
      const int8_t* q = x[b].qs;
      for (int h = 0; h < 2; ++h) {
        out[b].q[2 * h] = load_2x32(q + 128 * h, q + 128 * h + 64);
        out[b].q[2 * h + 1] = load_2x32(q + 128 * h + 32, q + 128 * h + 96);
      }
      out[b].bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].bsums));
      out[b].d = _mm512_set1_ps(x[b].d);
    }
  }
  template <int S>
  static WGroup load(const WBlock* w, int /*count: always 1*/) {
    WGroup g;
    const Q4KScales s = unpack_q4_k_scales(w->scales);
    const __m128i sm = _mm_setr_epi32(static_cast<int>(s.sc_lo), static_cast<int>(s.sc_hi),
                                      static_cast<int>(s.mn_lo), static_cast<int>(s.mn_hi));
    const __m512i sc = _mm512_castsi128_si512(_mm_cvtepu8_epi16(sm));  // words 0-7: sc[0..7]
    for (int i = 0; i < 4; ++i) {
      const int s0 = 4 * (i / 2) + i % 2;  // sub-block of lanes 0-1; s0 + 2 of lanes 2-3
      g.scales[i] = _mm512_permutexvar_epi16(lane_words(s0, s0, s0 + 2, s0 + 2), sc);
    }
    g.mins = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm, sm));
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    for (int h = 0; h < 2; ++h) {
      const __m512i q = _mm512_loadu_si512(w->qs + 64 * h);
      g.q[2 * h] = _mm512_and_si512(q, low4);
      g.q[2 * h + 1] = _mm512_and_si512(_mm512_srli_epi16(q, 4), low4);
    }
    g.d = _mm512_set1_ps(_cvtsh_ss(w->d));
    g.dmin = _mm256_set1_ps(_cvtsh_ss(w->dmin));
    return g;
  }
  static Acc zero() { return Acc{_mm512_setzero_ps(), _mm256_setzero_ps()}; }
  static Acc dot(const WGroup& w, const XGroup& x, Acc acc) {
    __m512i s = _mm512_setzero_si512();
    LLMK_UNROLL
    for (int i = 0; i < 4; ++i) s = madd_acc(s, _mm512_maddubs_epi16(w.q[i], x.q[i]), w.scales[i]);
    const __m256i m = _mm256_madd_epi16(w.mins, x.bsums);  // lane s: mn[s] * sum(x)_s
    acc.v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(w.d, x.d), acc.v);
    acc.m = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(m),
                             _mm256_mul_ps(w.dmin, _mm512_castps512_ps256(x.d)), acc.m);
    return acc;
  }
  static float sum(Acc acc) {
    __m128 m = _mm_add_ps(_mm256_castps256_ps128(acc.m), _mm256_extractf128_ps(acc.m, 1));
    m = _mm_add_ps(m, _mm_movehl_ps(m, m));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    return hsum(acc.v) + _mm_cvtss_f32(m);
  }
};

/// q6_K weights: the 6-bit quants q (0..63) assembled in weight order, vector j holding weights
/// 64j..64j+63, i.e. sub-blocks 4j..4j+3 in its 128-bit lanes. Per block,
/// d * dx * sum_s scale[s] * ((q . x)_s - 32 * sum(x)_s).
struct KernelQ6_K {
  typedef llmrt_block_q6_K WBlock;
  typedef llmrt_block_q8_K XBlock;
  static const int kGroupBlocks = 1;
  typedef XGroupK XGroup;
  struct WGroup {
    __m512i q[4];       // the quants as u8
    __m512i scales[4];  // each 128-bit lane's sub-block scale, s16
    __m256i scales16;   // scale[0..15] as s16
    __m512 d;
  };
  typedef __m512 Acc;

  static void prep(const XBlock* x, int blocks, XGroup* out) {
    for (int b = 0; b < blocks; ++b) {
      for (int j = 0; j < 4; ++j) out[b].q[j] = _mm512_loadu_si512(x[b].qs + 64 * j);
      out[b].bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].bsums));
      out[b].d = _mm512_set1_ps(x[b].d);
    }
  }
  template <int S>
  static WGroup load(const WBlock* w, int /*count: always 1*/) {
    WGroup g;
    const __m512i low4 = _mm512_set1_epi8(0x0f), bits45 = _mm512_set1_epi8(0x30);
    for (int h = 0; h < 2; ++h) {
      // 128 weights: for l < 32, weights l and l + 32 take the low nibbles of ql bytes l and
      // l + 32 and bits 0-1 and 2-3 of qh byte l; weights l + 64 and l + 96 the high nibbles and
      // bits 4-5 and 6-7. With qh in the low half and qh >> 2 in the high half, the high bits of
      // all four sit at bits 0-1 (shifted up by 4) or 4-5 of the byte beside their low bits.
      const __m512i ql = _mm512_loadu_si512(w->ql + 64 * h);
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w->qh + 32 * h));
      const __m512i hh = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
      g.q[2 * h] = _mm512_or_si512(_mm512_and_si512(ql, low4),
                                   _mm512_and_si512(_mm512_slli_epi16(hh, 4), bits45));
      g.q[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4),
                                       _mm512_and_si512(hh, bits45));
    }
    g.scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w->scales)));
    const __m512i sc = _mm512_castsi256_si512(g.scales16);
    for (int j = 0; j < 4; ++j) {
      g.scales[j] = _mm512_permutexvar_epi16(lane_words(4 * j, 4 * j + 1, 4 * j + 2, 4 * j + 3), sc);
    }
    g.d = _mm512_set1_ps(_cvtsh_ss(w->d));
    return g;
  }
  static Acc zero() { return _mm512_setzero_ps(); }
  static Acc dot(const WGroup& w, const XGroup& x, Acc acc) {
    // Start from -32 * sum_s scale[s] * sum(x)_s, the offset of the quants.
    const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(w.scales16, x.bsums), 5);
    __m512i s = _mm512_inserti64x4(_mm512_setzero_si512(),
                                   _mm256_sub_epi32(_mm256_setzero_si256(), offset), 0);
    LLMK_UNROLL
    for (int j = 0; j < 4; ++j) s = madd_acc(s, _mm512_maddubs_epi16(w.q[j], x.q[j]), w.scales[j]);
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(w.d, x.d), acc);
  }
  static float sum(Acc acc) { return hsum(acc); }
};

/// Weight rows per tile for 1, 2, 3 and 4 activation rows: decode 4 weight rows x 1 token,
/// prompts 2 weight rows x 2 to 4 tokens.
typedef TileShapes<4, 2, 2, 2> QuantTiles;

// ---- float linear ----------------------------------------------------------------------------

/// 16 weights as floats: loaded, or widened from binary16 or bfloat16 (each 16-bit value moved
/// to the high half of its lane).
inline __m512 load_weights16(const float* w) { return _mm512_loadu_ps(w); }
inline __m512 load_weights16(const llmrt_fp16* w) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)));
}
inline __m512 load_weights16(const llmrt_bf16* w) {
  const __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
}

/// The first `count` (< 16) weights, zeros after them.
inline __m512 load_weights_tail(const float* w, int count) {
  return _mm512_maskz_loadu_ps(tail_mask16(count), w);
}
template <typename H>  // llmrt_fp16 or llmrt_bf16: both are zero as all-zero bits
inline __m512 load_weights_tail(const H* w, int count) {
  H h[16];
  std::memset(h, 0, sizeof(h));
  std::memcpy(h, w, sizeof(H) * static_cast<size_t>(count));
  return load_weights16(h);
}

/// The float linear's tiles for kernels_x86_tiling.h's float_tile_rows.
struct KernelFloat {
  template <int R, int C, typename W>
  static void tile(const W* w /* R rows, stride k */, const float* x /* C rows, stride k */,
                   int k, float out[R][C]);
};

typedef TileShapes<1, 4, 4, 4> FloatTiles;  // decode row by row (kernels_x86_tiling.h)

/// w . x over k values for one row: 4 accumulators over 64 values a step, the row prefetched
/// ahead (the decode tile).
template <typename W>
float row_dot(const W* w, const float* x, int k) {
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                   _mm512_setzero_ps()};
  int j = 0;
  for (; j + 64 <= k; j += 64) {
    prefetch_float_row(w + j, prefetch_lines(64 * sizeof(W)));
    LLMK_UNROLL
    for (int u = 0; u < 4; ++u) {
      acc[u] = _mm512_fmadd_ps(load_weights16(w + j + 16 * u), _mm512_loadu_ps(x + j + 16 * u),
                               acc[u]);
    }
  }
  for (; j + 16 <= k; j += 16) {
    acc[0] = _mm512_fmadd_ps(load_weights16(w + j), _mm512_loadu_ps(x + j), acc[0]);
  }
  if (j < k) {
    const __m512 xv = _mm512_maskz_loadu_ps(tail_mask16(k - j), x + j);
    acc[0] = _mm512_fmadd_ps(load_weights_tail(w + j, k - j), xv, acc[0]);
  }
  return hsum(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

/// out[r][c] = w row r . x row c over k values, an R x C tile of 16-float FMAs (row_dot for
/// one row and one token).
template <int R, int C, typename W>
void KernelFloat::tile(const W* w, const float* x, int k, float out[R][C]) {
  if constexpr (R == 1 && C == 1) {
    out[0][0] = row_dot(w, x, k);
    return;
  }
  __m512 acc[R][C];
  LLMK_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_UNROLL
    for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
  }
  const size_t ks = static_cast<size_t>(k);
  int j = 0;
  for (; j + 16 <= k; j += 16) {
    __m512 wv[R];
    LLMK_UNROLL
    for (int r = 0; r < R; ++r) wv[r] = load_weights16(w + r * ks + j);
    LLMK_UNROLL
    for (int c = 0; c < C; ++c) {
      const __m512 xv = _mm512_loadu_ps(x + c * ks + j);
      LLMK_UNROLL
      for (int r = 0; r < R; ++r) acc[r][c] = _mm512_fmadd_ps(wv[r], xv, acc[r][c]);
    }
  }
  if (j < k) {
    const __mmask16 mask = tail_mask16(k - j);
    __m512 wv[R];
    LLMK_UNROLL
    for (int r = 0; r < R; ++r) wv[r] = load_weights_tail(w + r * ks + j, k - j);
    LLMK_UNROLL
    for (int c = 0; c < C; ++c) {
      const __m512 xv = _mm512_maskz_loadu_ps(mask, x + c * ks + j);
      LLMK_UNROLL
      for (int r = 0; r < R; ++r) acc[r][c] = _mm512_fmadd_ps(wv[r], xv, acc[r][c]);
    }
  }
  LLMK_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_UNROLL
    for (int c = 0; c < C; ++c) out[r][c] = hsum(acc[r][c]);
  }
}

// ---- exp -------------------------------------------------------------------------------------

/// e^x in 16 lanes; the algorithm and accuracy of kernels_x86_avx2.cpp's exp_ps.
inline __m512 exp_ps(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);  // NaN passes: max/min return operand 2
  x = _mm512_min_ps(_mm512_set1_ps(88.75f), x);
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  // 2^n = 2^n1 * 2^n2 with n1 = floor(n / 2), both normal for n in -150..128.
  const __m512i ni = _mm512_cvtps_epi32(n);
  const __m512i n1 = _mm512_srai_epi32(ni, 1);
  const __m512i n2 = _mm512_sub_epi32(ni, n1);
  const __m512i bias = _mm512_set1_epi32(127);
  const __m512 s1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n1, bias), 23));
  const __m512 s2 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n2, bias), 23));
  return _mm512_mul_ps(_mm512_mul_ps(e, s1), s2);
}

inline __m512 swiglu_ps(__m512 g, __m512 up) {
  const __m512 e = exp_ps(_mm512_castsi512_ps(
      _mm512_xor_si512(_mm512_castps_si512(g), _mm512_set1_epi32(INT32_MIN))));
  return _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(_mm512_set1_ps(1.0f), e)), up);
}

}  // namespace

// ---- entry points ----------------------------------------------------------------------------

// The table's quantize and linear kernels (kernels_x86_entries.h says what each one runs).
// q8_0's stored panels need VNNI (every x86-avx512 build has it; a SIMDe test build without it
// has no such kernel).
#if !defined(__AVX512VNNI__) && !defined(LLMK_TABLE_WITHOUT_VNNI)
#define LLMK_TABLE_WITHOUT_VNNI
#endif
#include "kernels_x86_entries.h"
#include "kernels_abi_defaults.h"
#include "kernels_x86_avx512.def"
#include "kernels_abi_undef.h"

// Its elementwise kernels.

void llmk_avx512_rms_norm_f32(const float* x, const float* weight, int n, int dim, float eps,
                              float* out) {
  for (int i = 0; i < n; ++i) {
    const float* xi = x + static_cast<size_t>(i) * dim;
    float* oi = out + static_cast<size_t>(i) * dim;
    // The sum of squares in double, as the generic kernel, in 16 lanes.
    __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
    int j = 0;
    for (; j + 16 <= dim; j += 16) {
      const __m512d lo = _mm512_cvtps_pd(_mm256_loadu_ps(xi + j));
      const __m512d hi = _mm512_cvtps_pd(_mm256_loadu_ps(xi + j + 8));
      acc0 = _mm512_fmadd_pd(lo, lo, acc0);
      acc1 = _mm512_fmadd_pd(hi, hi, acc1);
    }
    double sum_sq = hsum_pd(_mm512_add_pd(acc0, acc1));
    for (; j < dim; ++j) sum_sq += static_cast<double>(xi[j]) * xi[j];
    const float inv_rms = static_cast<float>(1.0 / std::sqrt(sum_sq / dim + eps));
    const __m512 inv = _mm512_set1_ps(inv_rms);
    for (j = 0; j < dim; j += 16) {
      const __mmask16 mask = tail_mask16(min_int(16, dim - j));
      const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, xi + j), inv);
      const __m512 wv = _mm512_maskz_loadu_ps(mask, weight + j);
      _mm512_mask_storeu_ps(oi + j, mask, _mm512_mul_ps(wv, v));
    }
  }
}

void llmk_avx512_exp_f32(const float* x, int count, float* out) {
  for (int j = 0; j < count; j += 16) {
    const __mmask16 mask = tail_mask16(min_int(16, count - j));
    _mm512_mask_storeu_ps(out + j, mask, exp_ps(_mm512_maskz_loadu_ps(mask, x + j)));
  }
}

void llmk_avx512_swiglu_f32(const float* gate, const float* up, int count, float* out) {
  for (int j = 0; j < count; j += 16) {
    const __mmask16 mask = tail_mask16(min_int(16, count - j));
    _mm512_mask_storeu_ps(out + j, mask,
                          swiglu_ps(_mm512_maskz_loadu_ps(mask, gate + j),
                                    _mm512_maskz_loadu_ps(mask, up + j)));
  }
}

void llmk_avx512_add_f32(const float* a, const float* b, int count, float* out) {
  for (int j = 0; j < count; j += 16) {
    const __mmask16 mask = tail_mask16(min_int(16, count - j));
    _mm512_mask_storeu_ps(out + j, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, a + j),
                                                       _mm512_maskz_loadu_ps(mask, b + j)));
  }
}

// ---- attention -------------------------------------------------------------------------------
//
// llmk_avx512_attend_f32: kernels_attend_rows.h's attend_rows (an online softmax over blocks of
// positions, the query heads of one KV head taking turns over each block of keys and values)
// with the vector code of kernels_x86_avx2.cpp's attention in 16 lanes, tails of head_dim and
// of a block by masked loads and stores.

namespace {

/// Lane t: the sum of a[t]'s 16 lanes.
inline __m256 hsum_x8(const __m512 a[8]) {
  __m256 h[8];
  for (int u = 0; u < 8; ++u) h[u] = fold_halves_add(a[u]);
  const __m256 b0 = _mm256_hadd_ps(h[0], h[1]), b1 = _mm256_hadd_ps(h[2], h[3]);
  const __m256 b2 = _mm256_hadd_ps(h[4], h[5]), b3 = _mm256_hadd_ps(h[6], h[7]);
  const __m256 c0 = _mm256_hadd_ps(b0, b1), c1 = _mm256_hadd_ps(b2, b3);
  return _mm256_add_ps(_mm256_permute2f128_ps(c0, c1, 0x20),
                       _mm256_permute2f128_ps(c0, c1, 0x31));
}

/// o[j] = sum_t p[t] * v_t[j] (first block) or o[j] * alpha + sum_t p[t] * v_t[j], for t in
/// [0, nb), v_t = v + t * stride, j in [0, 16 * V) (the last vector's lanes per last_mask).
template <int V>
inline void attend_values_x(const float* p, const float* v, size_t stride, int nb, bool first,
                            __m512 alpha, __mmask16 last_mask, float* o) {
  __m512 acc[V];
  for (int u = 0; u < V; ++u) acc[u] = _mm512_setzero_ps();
  for (int t = 0; t < nb; ++t) {
    const __m512 pt = _mm512_set1_ps(p[t]);
    const float* vt = v + t * stride;
    for (int u = 0; u < V - 1; ++u) {
      acc[u] = _mm512_fmadd_ps(pt, _mm512_loadu_ps(vt + 16 * u), acc[u]);
    }
    acc[V - 1] =
        _mm512_fmadd_ps(pt, _mm512_maskz_loadu_ps(last_mask, vt + 16 * (V - 1)), acc[V - 1]);
  }
  for (int u = 0; u < V; ++u) {
    const __mmask16 mask = u == V - 1 ? last_mask : static_cast<__mmask16>(0xffff);
    if (!first) acc[u] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, o + 16 * u), alpha, acc[u]);
    _mm512_mask_storeu_ps(o + 16 * u, mask, acc[u]);
  }
}

/// Attention's vector code for kernels_attend_rows.h's attend_rows.
struct AttendF32 {
  /// s[t] = (q . k_t) * scale for t in [0, nb), k_t = k + t * stride; returns the largest s[t].
  static float scores(const float* q, const float* k, size_t stride, int nb, int head_dim,
                      float scale, float* s) {
    const int full = head_dim & ~15;
    const bool tail = full < head_dim;
    const __mmask16 mask = tail_mask16(head_dim - full);
    const __m256 vscale = _mm256_set1_ps(scale);
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    int t = 0;
    for (; t + 8 <= nb; t += 8) {
      const float* kt = k + t * stride;
      __m512 acc[8];
      for (int u = 0; u < 8; ++u) acc[u] = _mm512_setzero_ps();
      for (int j = 0; j < full; j += 16) {
        const __m512 qv = _mm512_loadu_ps(q + j);
        for (int u = 0; u < 8; ++u) {
          acc[u] = _mm512_fmadd_ps(qv, _mm512_loadu_ps(kt + u * stride + j), acc[u]);
        }
      }
      if (tail) {
        const __m512 qv = _mm512_maskz_loadu_ps(mask, q + full);
        for (int u = 0; u < 8; ++u) {
          acc[u] = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(mask, kt + u * stride + full), acc[u]);
        }
      }
      const __m256 sv = _mm256_mul_ps(hsum_x8(acc), vscale);
      vmax = _mm256_max_ps(vmax, sv);
      _mm256_storeu_ps(s + t, sv);
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    float max_score = _mm_cvtss_f32(_mm_max_ss(m4, _mm_movehdup_ps(m4)));
    for (; t < nb; ++t) {
      const float* kt = k + t * stride;
      __m512 acc = _mm512_setzero_ps();
      for (int j = 0; j < full; j += 16) {
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + j), _mm512_loadu_ps(kt + j), acc);
      }
      if (tail) {
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, q + full),
                              _mm512_maskz_loadu_ps(mask, kt + full), acc);
      }
      s[t] = hsum(acc) * scale;
      if (s[t] > max_score) max_score = s[t];
    }
    return max_score;
  }

  /// p[t] = e^(p[t] - m) for t in [0, nb); returns their sum.
  static float exp(float* p, int nb, float m) {
    const __m512 vm = _mm512_set1_ps(m);
    __m512 sum = _mm512_setzero_ps();
    for (int t = 0; t < nb; t += 16) {
      const __mmask16 mask = tail_mask16(min_int(16, nb - t));
      const __m512 e = _mm512_maskz_mov_ps(
          mask, exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, p + t), vm)));
      _mm512_mask_storeu_ps(p + t, mask, e);
      sum = _mm512_add_ps(sum, e);
    }
    return hsum(sum);
  }

  /// o = sum_t p[t] * v_t (first block) or o * alpha + sum_t p[t] * v_t, over head_dim.
  static void values(const float* p, const float* v, size_t stride, int nb, int head_dim,
                     bool first, float alpha, float* o) {
    const __m512 va = _mm512_set1_ps(alpha);
    const __mmask16 all = static_cast<__mmask16>(0xffff);
    int j = 0;
    for (; j + 128 <= head_dim; j += 128) {
      attend_values_x<8>(p, v + j, stride, nb, first, va, all, o + j);
    }
    const int rest = head_dim - j;  // 0 .. 127
    if (rest > 0) {
      const __mmask16 last = tail_mask16(rest - 16 * ((rest - 1) / 16));
      switch ((rest + 15) / 16) {
        case 1: attend_values_x<1>(p, v + j, stride, nb, first, va, last, o + j); break;
        case 2: attend_values_x<2>(p, v + j, stride, nb, first, va, last, o + j); break;
        case 3: attend_values_x<3>(p, v + j, stride, nb, first, va, last, o + j); break;
        case 4: attend_values_x<4>(p, v + j, stride, nb, first, va, last, o + j); break;
        case 5: attend_values_x<5>(p, v + j, stride, nb, first, va, last, o + j); break;
        case 6: attend_values_x<6>(p, v + j, stride, nb, first, va, last, o + j); break;
        case 7: attend_values_x<7>(p, v + j, stride, nb, first, va, last, o + j); break;
        default: attend_values_x<8>(p, v + j, stride, nb, first, va, last, o + j); break;
      }
    }
  }

  /// o *= c over head_dim floats.
  static void scale_out(float* o, int head_dim, float c) {
    const __m512 vc = _mm512_set1_ps(c);
    for (int j = 0; j < head_dim; j += 16) {
      const __mmask16 mask = tail_mask16(min_int(16, head_dim - j));
      _mm512_mask_storeu_ps(o + j, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, o + j), vc));
    }
  }

  /// e^x for one x, with exp_ps.
  static float exp1(float x) {
    return _mm_cvtss_f32(_mm512_castps512_ps128(exp_ps(_mm512_set1_ps(x))));
  }
};

}  // namespace

void llmk_avx512_attend_f32(const float* q, int n, int pos0, int n_heads, int n_kv_heads,
                            int head_dim, const float* key_cache, const float* value_cache,
                            int head_begin, int head_end, float* scores, float* out) {
  (void)scores;  // the online softmax keeps its scores on the stack
  attend_rows<AttendF32>(q, n, pos0, n_heads, n_kv_heads, head_dim, key_cache, value_cache,
                         head_begin, head_end, out);
}

LLMRT_NAMESPACE_END
