// kernels_x86_avx2.cpp - AVX2 + FMA + F16C microkernels of the x86-avx2 target (see the header).
//
// Quantized linears. A call walks its n activation rows in tiles of up to 4. For each tile, the
// activation blocks are first "prepared" once: copied into the lane order of the weight vectors
// they meet, with their scales converted to float, in a 32 KiB stack buffer (rows longer than the
// buffer go in chunks, the partial sums added into y). Then every weight row in
// [row_begin, row_end) is read once per tile: each weight block is loaded and unpacked once and
// multiplied with all the tile's activation rows. For one token (decode) a tile is 1 activation
// row x 4 weight rows, four independent accumulators; for prompts, 4 activation rows x 1 weight
// row, so prefill reads each weight block once per 4 tokens instead of once per token. Prompts of
// 4 or more tokens on q8_0, q4_0, q4_K and q6_K weights take the panel path instead
// (kernels_x86_avx2_panels.h): 8 weight rows copied into 32-bit lanes, faster. q8_0
// and q4_0 weights stored as those panels (the `p8` kernels) take it for every token count.
//
// The integer dot products use maddubs (u8 x s8, adjacent products summed in s16) and madd (s16
// pairs summed in s32):
//   q8_0 x q8_0  maddubs(|w|, sign(x, w)) = w * x     (w in -128..127, x in -127..127)
//   q4_0 x q8_0  maddubs(q, x) - maddubs(8, x) = (q - 8) * x; the second term once per tile
//   q4_1 x q8_1  maddubs(q, x); the min term m * s of each block in float, as ggml does
//   q4_K x q8_K  madd(maddubs(q, x), sub-block scale); the min term from the activations' bsums
//   q6_K x q8_K  madd(maddubs(q, x), sub-block scale) for q = 0..63; the offset -32 from bsums
// No s16 sum can saturate. A 32-bit lane holds an exact partial sum of one block, converted to
// float, multiplied by the block's two scales and accumulated in 8 float lanes, summed at the end.
// So each output differs from the generic kernel only in the order of its float additions.
#include "kernels_x86_avx2.h"  // beside this file, here and in out/
#include "kernels_x86_avx2_panels.h"
#include "kernels_attend_rows.h"  // targets/common, beside this file in out/
#include "kernels_quantize_rows.h"
#include "kernels_x86_tiling.h"
#include "runtime/quant_format.h"

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

LLMRT_NAMESPACE_BEGIN

namespace {

// ---- helpers ---------------------------------------------------------------------------------

/// The sum of the 8 lanes.
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/// The largest of the 8 lanes (none NaN).
inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/// Lanes [0, count) all ones, the rest zero: the mask of a short tail for maskload/maskstore.
inline __m256i tail_mask(int count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

inline float fp16_to_fp32(llmrt_fp16 h) { return _cvtsh_ss(h); }  // exact, as llmrt's

/// Two fp16 values, a in lanes 0-3 and b in lanes 4-7, as float.
inline __m256 fp16_pair_x4(llmrt_fp16 a, llmrt_fp16 b) {
  const __m128 ab = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(a | uint32_t(b) << 16)));
  return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(ab),
                                  _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1));
}

// ---- activation quantization -----------------------------------------------------------------

/// round(v) half away from zero (roundf) for |v| < 2^22: trunc(v + copysign(0.5 - 2^-25, v)).
/// The sum reaches the next integer exactly when |frac(v)| >= 0.5: for 0.5 itself it is the tie
/// 1 - 2^-25, which rounds to even, 1.0; for anything smaller it stays below.
inline __m256 round_half_away(__m256 v) {
  const __m256 sign = _mm256_and_ps(v, _mm256_set1_ps(-0.0f));
  const __m256 half = _mm256_or_ps(_mm256_set1_ps(0.49999997f), sign);
  return _mm256_round_ps(_mm256_add_ps(v, half), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
}

/// Quantizes 32 floats as quant.cpp's quantize_q8_block does: d = absmax / 127 (NaNs ignored, as
/// fmax does), q = roundf(x * (1 / d)) clamped to -127..127, NaN -> -127. Returns d; *sum gets
/// the sum of the quants.
inline float quantize_block_q8(const float* x /* (32) */, int8_t* qs /* (32) */, int* sum) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 v[4];
  __m256 amax = _mm256_setzero_ps();
  for (int j = 0; j < 4; ++j) {
    v[j] = _mm256_loadu_ps(x + 8 * j);
    amax = _mm256_max_ps(_mm256_and_ps(v[j], abs_mask), amax);  // a NaN lane yields amax
  }
  const float d = hmax(amax) / 127.0f;
  const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
  __m256i q[4];
  for (int j = 0; j < 4; ++j) {
    __m256 t = _mm256_mul_ps(v[j], id);
    t = _mm256_max_ps(t, _mm256_set1_ps(-127.0f));  // NaN -> -127: max returns operand 2
    t = _mm256_min_ps(t, _mm256_set1_ps(127.0f));
    q[j] = _mm256_cvtps_epi32(round_half_away(t));  // integral already: exact
  }
  const __m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
  __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
  *sum = _mm_cvtsi128_si32(s4);
  // Saturating packs interleave the four vectors by 128-bit lane; the permute restores order.
  const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]),
                                       _mm256_packs_epi32(q[2], q[3]));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs),
                      _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  return d;
}

/// Quantizes 256 floats to a q8_K block as llmrt_quantize_row_q8_k does: the value of largest
/// magnitude (the first one on ties; NaNs ignored) maps to -127, so iscale = -127 / that value,
/// q = nearbyint(iscale * x) clamped to -128..127 (NaN -> -128), bsums the sums of each 16 quants
/// and d = 1 / iscale. A block of zeros (and NaNs) is all zero bytes.
inline void quantize_block_q8_k(const float* x /* (256) */, llmrt_block_q8_K* out) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 amax = _mm256_setzero_ps();
  for (int j = 0; j < 32; ++j) {
    amax = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + 8 * j), abs_mask), amax);
  }
  const float absmax = hmax(amax);
  if (absmax == 0.0f) {
    std::memset(out, 0, sizeof(*out));
    return;
  }
  // The scale takes the sign of the first value of that magnitude.
  const __m256 target = _mm256_set1_ps(absmax);
  int first = 0;
  for (int j = 0; j < 32; ++j) {
    const __m256 a = _mm256_and_ps(_mm256_loadu_ps(x + 8 * j), abs_mask);
    const int hits = _mm256_movemask_ps(_mm256_cmp_ps(a, target, _CMP_EQ_OQ));
    if (hits != 0) {
      first = 8 * j + __builtin_ctz(static_cast<unsigned>(hits));
      break;
    }
  }
  const float iscale = -127.0f / x[first];
  const __m256 scale = _mm256_set1_ps(iscale);
  __m256i sums[16];  // sums[g]: 8 partial sums of the quants 16g..16g+15
  for (int c = 0; c < 8; ++c) {  // 32 values a step
    __m256i q[4];
    for (int j = 0; j < 4; ++j) {
      __m256 t = _mm256_mul_ps(_mm256_loadu_ps(x + 32 * c + 8 * j), scale);
      t = _mm256_round_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      t = _mm256_max_ps(t, _mm256_set1_ps(-128.0f));  // NaN -> -128: max returns operand 2
      t = _mm256_min_ps(t, _mm256_set1_ps(127.0f));
      q[j] = _mm256_cvtps_epi32(t);
    }
    sums[2 * c] = _mm256_add_epi32(q[0], q[1]);
    sums[2 * c + 1] = _mm256_add_epi32(q[2], q[3]);
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]),
                                         _mm256_packs_epi32(q[2], q[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out->qs + 32 * c),
                        _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  }
  // Two rounds of hadd leave a, b, c, d's lanes 0-3 summed in the low half and lanes 4-7 in the
  // high half: adding the halves gives the four totals in order.
  __m128i totals[4];
  for (int i = 0; i < 4; ++i) {
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(sums[4 * i], sums[4 * i + 1]),
                                        _mm256_hadd_epi32(sums[4 * i + 2], sums[4 * i + 3]));
    totals[i] = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out->bsums), _mm_packs_epi32(totals[0], totals[1]));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out->bsums + 8),
                   _mm_packs_epi32(totals[2], totals[3]));
  out->d = 1.0f / iscale;
}

// ---- quantized linears: one policy per weight type -------------------------------------------
// The tile drivers (dot_tile, linear_tile_rows, linear_rows) are in kernels_x86_tiling.h.
// A policy K describes a "group" of kGroupBlocks blocks (what one vector step consumes):
//   XGroup  prepared activations of a group, made by prep() from activation blocks
//   WGroup  a weight group loaded and unpacked by load<S>(), blocks S apart (1 in a row-major
//           row, 4 in interleaved rows); count < kGroupBlocks at a row's end, the missing
//           blocks read as zero, as their prepared activations are
//   Acc     a running sum; dot() adds one group's product, sum() gives the float total.

/// q8_0 weights, q8_0 activations: one block per group.
struct KernelQ8_0 {
  typedef llmrt_block_q8_0 WBlock;
  typedef llmrt_block_q8_0 XBlock;
  static const int kGroupBlocks = 1;
  struct XGroup {
    __m256i q;  // the 32 quants
    __m256 d;   // the scale, in every lane
  };
  struct WGroup {
    __m256i abs_q;  // |w| as u8
    __m256i q;      // w, whose signs go onto x
    __m256 d;
  };
  typedef __m256 Acc;

  static void prep(const XBlock* x, int blocks, XGroup* out) {
    for (int b = 0; b < blocks; ++b) {
      out[b].q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
      out[b].d = _mm256_set1_ps(fp16_to_fp32(x[b].d));
    }
  }
  template <int S>
  static WGroup load(const WBlock* w, int /*count: always 1*/) {
    WGroup g;
    g.q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w->qs));
    g.abs_q = _mm256_abs_epi8(g.q);
    g.d = _mm256_cvtph_ps(_mm_set1_epi16(static_cast<short>(w->d)));
    return g;
  }
  static Acc zero() { return _mm256_setzero_ps(); }
  static Acc dot(const WGroup& w, const XGroup& x, Acc acc) {
    const __m256i p = _mm256_maddubs_epi16(w.abs_q, _mm256_sign_epi8(x.q, w.q));
    const __m256i s = _mm256_madd_epi16(p, _mm256_set1_epi16(1));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(w.d, x.d), acc);
  }
  static float sum(Acc acc) { return hsum(acc); }
};

/// Activation halves of two blocks in the order of two q4_0/q4_1 weight blocks' nibbles: lo holds
/// block 0's quants 0-15 then block 1's quants 0-15 (the low nibbles), hi quants 16-31 (the high
/// nibbles). A missing second block reads as zero.
template <typename XBlock>
inline void prep_nibble_halves(const XBlock* x, bool two, __m256i* lo, __m256i* hi) {
  const __m128i zero = _mm_setzero_si128();
  const __m128i* q0 = reinterpret_cast<const __m128i*>(x[0].qs);
  const __m128i l0 = _mm_loadu_si128(q0), h0 = _mm_loadu_si128(q0 + 1);
  __m128i l1 = zero, h1 = zero;
  if (two) {
    const __m128i* q1 = reinterpret_cast<const __m128i*>(x[1].qs);
    l1 = _mm_loadu_si128(q1);
    h1 = _mm_loadu_si128(q1 + 1);
  }
  *lo = _mm256_set_m128i(l1, l0);
  *hi = _mm256_set_m128i(h1, h0);
}

/// The nibbles of two q4_0/q4_1 blocks' quants (16 bytes each) as u8: lo the low nibbles of
/// block 0 then block 1, hi the high nibbles. A missing second block reads as zero.
inline void load_nibbles(const uint8_t* qs0, const uint8_t* qs1 /* or nullptr */, __m256i* lo,
                         __m256i* hi) {
  const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs0));
  const __m128i q1 = qs1 != nullptr ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs1))
                                    : _mm_setzero_si128();
  const __m256i q = _mm256_set_m128i(q1, q0);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  *lo = _mm256_and_si256(q, low4);
  *hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
}

/// q4_0 weights, q8_0 activations: two blocks per group. 32-bit lanes 0-3 sum block 0, 4-7
/// block 1.
struct KernelQ4_0 {
  typedef llmrt_block_q4_0 WBlock;
  typedef llmrt_block_q8_0 XBlock;
  static const int kGroupBlocks = 2;
  struct XGroup {
    __m256i lo, hi;  // see prep_nibble_halves
    __m256i corr;    // s16 pair sums of 8 * x: what the weights' offset of -8 takes away
    __m256 d;        // block 0's scale in lanes 0-3, block 1's in lanes 4-7
  };
  struct WGroup {
    __m256i lo, hi;  // see load_nibbles
    __m256 d;
  };
  typedef __m256 Acc;

  static void prep(const XBlock* x, int blocks, XGroup* out) {
    const __m256i eight = _mm256_set1_epi8(8);
    for (int g = 0; 2 * g < blocks; ++g) {
      const XBlock* xg = x + 2 * g;
      const bool two = 2 * g + 1 < blocks;
      prep_nibble_halves(xg, two, &out[g].lo, &out[g].hi);
      out[g].corr = _mm256_add_epi16(_mm256_maddubs_epi16(eight, out[g].lo),
                                     _mm256_maddubs_epi16(eight, out[g].hi));
      out[g].d = fp16_pair_x4(xg[0].d, two ? xg[1].d : llmrt_fp16(0));
    }
  }
  template <int S>
  static WGroup load(const WBlock* w, int count) {
    WGroup g;
    load_nibbles(w[0].qs, count > 1 ? w[S].qs : nullptr, &g.lo, &g.hi);
    g.d = fp16_pair_x4(w[0].d, count > 1 ? w[S].d : llmrt_fp16(0));
    return g;
  }
  static Acc zero() { return _mm256_setzero_ps(); }
  static Acc dot(const WGroup& w, const XGroup& x, Acc acc) {
    const __m256i p = _mm256_sub_epi16(
        _mm256_add_epi16(_mm256_maddubs_epi16(w.lo, x.lo), _mm256_maddubs_epi16(w.hi, x.hi)),
        x.corr);
    const __m256i s = _mm256_madd_epi16(p, _mm256_set1_epi16(1));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(w.d, x.d), acc);
  }
  static float sum(Acc acc) { return hsum(acc); }
};

/// q4_1 weights, q8_1 activations: two blocks per group, lanes as KernelQ4_0. Per block the dot
/// product is dw * dx * sum(q * x) + m * s (s = dx * sum(x), stored in the activation block).
struct KernelQ4_1 {
  typedef llmrt_block_q4_1 WBlock;
  typedef llmrt_block_q8_1 XBlock;
  static const int kGroupBlocks = 2;
  struct XGroup {
    __m256i lo, hi;  // see prep_nibble_halves
    __m128 ds;       // dx0, dx1, s0, s1
  };
  struct WGroup {
    __m256i lo, hi;  // see load_nibbles
    __m128 dm;       // d0, d1, m0, m1
  };
  struct Acc {
    __m256 v;  // scaled integer sums
    __m128 m;  // lanes 2 and 3: sums of m * s (lanes 0 and 1 unused)
  };

  static __m128 fp16_quad(llmrt_fp16 a, llmrt_fp16 b, llmrt_fp16 c, llmrt_fp16 d) {
    const uint64_t bits = a | uint64_t(b) << 16 | uint64_t(c) << 32 | uint64_t(d) << 48;
    return _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(bits)));
  }
  static void prep(const XBlock* x, int blocks, XGroup* out) {
    for (int g = 0; 2 * g < blocks; ++g) {
      const XBlock* xg = x + 2 * g;
      const bool two = 2 * g + 1 < blocks;
      prep_nibble_halves(xg, two, &out[g].lo, &out[g].hi);
      out[g].ds = fp16_quad(xg[0].d, two ? xg[1].d : llmrt_fp16(0), xg[0].s,
                            two ? xg[1].s : llmrt_fp16(0));
    }
  }
  template <int S>
  static WGroup load(const WBlock* w, int count) {
    WGroup g;
    load_nibbles(w[0].qs, count > 1 ? w[S].qs : nullptr, &g.lo, &g.hi);
    g.dm = fp16_quad(w[0].d, count > 1 ? w[S].d : llmrt_fp16(0), w[0].m,
                     count > 1 ? w[S].m : llmrt_fp16(0));
    return g;
  }
  static Acc zero() { return Acc{_mm256_setzero_ps(), _mm_setzero_ps()}; }
  static Acc dot(const WGroup& w, const XGroup& x, Acc acc) {
    const __m256i p =
        _mm256_add_epi16(_mm256_maddubs_epi16(w.lo, x.lo), _mm256_maddubs_epi16(w.hi, x.hi));
    const __m256i s = _mm256_madd_epi16(p, _mm256_set1_epi16(1));
    const __m128 prod = _mm_mul_ps(w.dm, x.ds);  // dw*dx of both blocks, m*s of both blocks
    const __m256 scale = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(prod),
                                                  _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1));
    acc.v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), scale, acc.v);
    acc.m = _mm_add_ps(acc.m, prod);
    return acc;
  }
  static float sum(Acc acc) {
    const __m128 m = _mm_add_ps(acc.m, _mm_movehdup_ps(acc.m));  // lane 2: m2 + m3
    return hsum(acc.v) + _mm_cvtss_f32(_mm_movehl_ps(m, m));
  }
};

// ---- q4_K and q6_K weights, q8_K activations ---------------------------------------------------
// One super-block (256 weights) per group. Sub-block scales (6-bit unsigned for q4_K, 8-bit signed
// for q6_K) are applied in the integer domain: maddubs gives s16 sums of adjacent weight x
// activation products and madd multiplies those by the sub-block's scale, as s16 pairs summed in
// s32. Nothing saturates: |maddubs| <= 2 * 63 * 128 < 32768, and a 32-bit lane's sum stays below
// 2^22. The q4_K min term (dmin * mn[s] * sum of the sub-block's activations) and q6_K's offset of
// -32 come from the activation block's bsums.

/// The prepared activations of one q8_K block.
struct XGroupK {
  __m256i q[8];   // the 256 quants in order, 32 a vector
  __m256i bsums;  // the 16 sums of 16 quants, s16
  __m256 d;       // the scale, in every lane
};

inline void prep_q8_k(const llmrt_block_q8_K* x, int blocks, XGroupK* out) {
  for (int b = 0; b < blocks; ++b) {
    for (int j = 0; j < 8; ++j) {
      out[b].q[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs + 32 * j));
    }
    out[b].bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].bsums));
    out[b].d = _mm256_set1_ps(x[b].d);
  }
}

/// The vpshufb control that fills 128-bit lane 0 with 16-bit word `lo` of that lane and lane 1
/// with word `hi` of its own: broadcasts a scale to the 8 s16 lanes of a sub-block.
inline __m256i word_broadcast(int lo, int hi) {
  return _mm256_setr_m128i(_mm_set1_epi16(static_cast<short>(2 * lo | (2 * lo + 1) << 8)),
                           _mm_set1_epi16(static_cast<short>(2 * hi | (2 * hi + 1) << 8)));
}

/// q4_K weights: 64 weights per 32 bytes of qs, the low nibbles sub-block 2c, the high 2c + 1.
/// Per block, d * dx * sum_s sc[s] * (q . x)_s - dmin * dx * sum_s mn[s] * sum(x)_s.
struct KernelQ4_K {
  typedef llmrt_block_q4_K WBlock;
  typedef llmrt_block_q8_K XBlock;
  static const int kGroupBlocks = 1;
  typedef XGroupK XGroup;
  struct WGroup {
    __m256i lo[4], hi[4];  // the nibbles of each 64 weights as u8: weights 0-31, then 32-63
    __m256i scales;        // sc[0..7] as s16, in both 128-bit lanes
    __m256i mins;          // mn[0..7] each twice, as s16: pairs with the 16 bsums
    __m256 d, dmin;
  };
  typedef __m256 Acc;

  static void prep(const XBlock* x, int blocks, XGroup* out) { prep_q8_k(x, blocks, out); }
  template <int S>
  static WGroup load(const WBlock* w, int /*count: always 1*/) {
    WGroup g;
    const Q4KScales s = unpack_q4_k_scales(w->scales);
    const __m128i sm = _mm_setr_epi32(static_cast<int>(s.sc_lo), static_cast<int>(s.sc_hi),
                                      static_cast<int>(s.mn_lo), static_cast<int>(s.mn_hi));
    g.scales = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));
    g.mins = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm, sm));
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    for (int c = 0; c < 4; ++c) {
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w->qs + 32 * c));
      g.lo[c] = _mm256_and_si256(q, low4);
      g.hi[c] = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
    }
    g.d = _mm256_set1_ps(fp16_to_fp32(w->d));
    g.dmin = _mm256_set1_ps(fp16_to_fp32(w->dmin));
    return g;
  }
  static Acc zero() { return _mm256_setzero_ps(); }
  static Acc dot(const WGroup& w, const XGroup& x, Acc acc) {
    __m256i s = _mm256_setzero_si256();
    LLMK_UNROLL
    for (int c = 0; c < 4; ++c) {
      const __m256i sc_lo = _mm256_shuffle_epi8(w.scales, word_broadcast(2 * c, 2 * c));
      const __m256i sc_hi = _mm256_shuffle_epi8(w.scales, word_broadcast(2 * c + 1, 2 * c + 1));
      s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(w.lo[c], x.q[2 * c]), sc_lo));
      s = _mm256_add_epi32(s,
                           _mm256_madd_epi16(_mm256_maddubs_epi16(w.hi[c], x.q[2 * c + 1]), sc_hi));
    }
    const __m256i m = _mm256_madd_epi16(w.mins, x.bsums);  // lane s: mn[s] * sum(x)_s
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(w.d, x.d), acc);
    return _mm256_fnmadd_ps(_mm256_cvtepi32_ps(m), _mm256_mul_ps(w.dmin, x.d), acc);
  }
  static float sum(Acc acc) { return hsum(acc); }
};

/// q6_K weights: the 6-bit quants q (0..63) assembled in weight order, 16-weight sub-blocks with
/// signed scales. Per block, d * dx * sum_s scale[s] * ((q . x)_s - 32 * sum(x)_s).
struct KernelQ6_K {
  typedef llmrt_block_q6_K WBlock;
  typedef llmrt_block_q8_K XBlock;
  static const int kGroupBlocks = 1;
  typedef XGroupK XGroup;
  struct WGroup {
    __m256i q[8];             // weights 32j..32j+31 as u8: sub-blocks 2j and 2j + 1
    __m256i scales;           // scale[0..15] as s16
    __m256i scales_lo, scales_hi;  // scale[0..7] in both 128-bit lanes, and scale[8..15]
    __m256 d;
  };
  typedef __m256 Acc;

  static void prep(const XBlock* x, int blocks, XGroup* out) { prep_q8_k(x, blocks, out); }
  template <int S>
  static WGroup load(const WBlock* w, int /*count: always 1*/) {
    WGroup g;
    const __m256i low4 = _mm256_set1_epi8(0x0f), bits45 = _mm256_set1_epi8(0x30);
    for (int h = 0; h < 2; ++h) {  // 128 weights: ql bytes l and l + 32 (l < 32), qh byte l
      const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w->ql + 64 * h));
      const __m256i ql1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w->ql + 64 * h + 32));
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w->qh + 32 * h));
      // Each weight's high 2 bits moved to bits 4-5 of its byte (16-bit shifts; the mask drops
      // what crosses from the neighbouring byte).
      g.q[4 * h] = _mm256_or_si256(_mm256_and_si256(ql0, low4),
                                   _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits45));
      g.q[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(ql1, low4),
                                       _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits45));
      g.q[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                                       _mm256_and_si256(qh, bits45));
      g.q[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                                       _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits45));
    }
    g.scales = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w->scales)));
    g.scales_lo = _mm256_permute2x128_si256(g.scales, g.scales, 0x00);
    g.scales_hi = _mm256_permute2x128_si256(g.scales, g.scales, 0x11);
    g.d = _mm256_set1_ps(fp16_to_fp32(w->d));
    return g;
  }
  static Acc zero() { return _mm256_setzero_ps(); }
  static Acc dot(const WGroup& w, const XGroup& x, Acc acc) {
    // Start from -32 * sum_s scale[s] * sum(x)_s, the offset of the quants.
    __m256i s = _mm256_sub_epi32(_mm256_setzero_si256(),
                                 _mm256_slli_epi32(_mm256_madd_epi16(w.scales, x.bsums), 5));
    LLMK_UNROLL
    for (int j = 0; j < 8; ++j) {
      const int lo = (2 * j) % 8;  // vector j: sub-block 2j in lane 0, 2j + 1 in lane 1
      const __m256i sc =
          _mm256_shuffle_epi8(j < 4 ? w.scales_lo : w.scales_hi, word_broadcast(lo, lo + 1));
      s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(w.q[j], x.q[j]), sc));
    }
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(w.d, x.d), acc);
  }
  static float sum(Acc acc) { return hsum(acc); }
};

/// Weight rows per tile for 1, 2, 3 and 4 activation rows: decode 4 weight rows x 1 token,
/// prompts 1 weight row x 4 tokens.
typedef TileShapes<4, 2, 1, 1> QuantTiles;

// ---- float linear ----------------------------------------------------------------------------

/// 8 weights as floats: loaded, or widened from binary16 (F16C) or bfloat16 (each 16-bit value
/// moved to the high half of its lane).
inline __m256 load_weights8(const float* w) { return _mm256_loadu_ps(w); }
inline __m256 load_weights8(const llmrt_fp16* w) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
}
inline __m256 load_weights8(const llmrt_bf16* w) {
  const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
}

/// The first `count` (< 8) weights, zeros after them.
inline __m256 load_weights_tail(const float* w, int count) {
  return _mm256_maskload_ps(w, tail_mask(count));
}
template <typename H>  // llmrt_fp16 or llmrt_bf16: both are zero as all-zero bits
inline __m256 load_weights_tail(const H* w, int count) {
  H h[8];
  std::memset(h, 0, sizeof(h));
  std::memcpy(h, w, sizeof(H) * static_cast<size_t>(count));
  return load_weights8(h);
}

/// The float linear's tiles for kernels_x86_tiling.h's float_tile_rows.
struct KernelFloat {
  template <int R, int C, typename W>
  static void tile(const W* w /* R rows, stride k */, const float* x /* C rows, stride k */,
                   int k, float out[R][C]);
};

// Decode row by row (kernels_x86_tiling.h); 4-token prompt tiles of 3 rows: 12 accumulators, 3
// weight vectors and one of x fill the 16 registers (faster than 2 rows: docs/targets.md).
typedef TileShapes<1, 4, 2, 3> FloatTiles;

/// w . x over k values for one row: 4 accumulators over 32 values a step, the row prefetched
/// ahead (the decode tile).
template <typename W>
float row_dot(const W* w, const float* x, int k) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  int j = 0;
  for (; j + 32 <= k; j += 32) {
    prefetch_float_row(w + j, prefetch_lines(32 * sizeof(W)));
    LLMK_UNROLL
    for (int u = 0; u < 4; ++u) {
      acc[u] = _mm256_fmadd_ps(load_weights8(w + j + 8 * u), _mm256_loadu_ps(x + j + 8 * u),
                               acc[u]);
    }
  }
  for (; j + 8 <= k; j += 8) {
    acc[0] = _mm256_fmadd_ps(load_weights8(w + j), _mm256_loadu_ps(x + j), acc[0]);
  }
  if (j < k) {
    const __m256 xv = _mm256_maskload_ps(x + j, tail_mask(k - j));
    acc[0] = _mm256_fmadd_ps(load_weights_tail(w + j, k - j), xv, acc[0]);
  }
  return hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

/// out[r][c] = w row r . x row c over k values, an R x C tile of 8-float FMAs (row_dot for one
/// row and one token).
template <int R, int C, typename W>
void KernelFloat::tile(const W* w, const float* x, int k, float out[R][C]) {
  if constexpr (R == 1 && C == 1) {
    out[0][0] = row_dot(w, x, k);
    return;
  }
  __m256 acc[R][C];
  LLMK_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_UNROLL
    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
  }
  const size_t ks = static_cast<size_t>(k);
  int j = 0;
  for (; j + 8 <= k; j += 8) {
    __m256 wv[R];
    LLMK_UNROLL
    for (int r = 0; r < R; ++r) wv[r] = load_weights8(w + r * ks + j);
    LLMK_UNROLL
    for (int c = 0; c < C; ++c) {
      const __m256 xv = _mm256_loadu_ps(x + c * ks + j);
      LLMK_UNROLL
      for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(wv[r], xv, acc[r][c]);
    }
  }
  if (j < k) {
    const __m256i mask = tail_mask(k - j);
    __m256 wv[R];
    LLMK_UNROLL
    for (int r = 0; r < R; ++r) wv[r] = load_weights_tail(w + r * ks + j, k - j);
    LLMK_UNROLL
    for (int c = 0; c < C; ++c) {
      const __m256 xv = _mm256_maskload_ps(x + c * ks + j, mask);
      LLMK_UNROLL
      for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(wv[r], xv, acc[r][c]);
    }
  }
  LLMK_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_UNROLL
    for (int c = 0; c < C; ++c) out[r][c] = hsum(acc[r][c]);
  }
}

// ---- exp -------------------------------------------------------------------------------------

/// e^x in 8 lanes, within 2e-7 relative of the exact value for every float x whose e^x is a
/// normal float (Cephes' expf: n = round(x / ln 2), r = x - n ln 2 in two steps, a degree-6
/// polynomial for e^r on |r| <= ln(2) / 2, then the scaling by 2^n in two halves so that n may
/// reach -150 and 128). Overflows to +inf, underflows through subnormals to 0; NaN stays NaN.
inline __m256 exp_ps(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(-104.0f), x);  // NaN passes: max/min return operand 2
  x = _mm256_min_ps(_mm256_set1_ps(88.75f), x);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
  // 2^n = 2^n1 * 2^n2 with n1 = floor(n / 2), both normal for n in -150..128.
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i n1 = _mm256_srai_epi32(ni, 1);
  const __m256i n2 = _mm256_sub_epi32(ni, n1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(e, s1), s2);
}

}  // namespace

// ---- entry points ----------------------------------------------------------------------------

// The table's quantize and linear kernels (kernels_x86_entries.h says what each one runs).
#include "kernels_x86_entries.h"
#include "kernels_abi_defaults.h"
#include "kernels_x86_avx2.def"
#include "kernels_abi_undef.h"

// Its elementwise kernels.

void llmk_avx2_rms_norm_f32(const float* x, const float* weight, int n, int dim, float eps,
                            float* out) {
  for (int i = 0; i < n; ++i) {
    const float* xi = x + static_cast<size_t>(i) * dim;
    float* oi = out + static_cast<size_t>(i) * dim;
    // The sum of squares in double, as the generic kernel, in 8 lanes.
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    int j = 0;
    for (; j + 8 <= dim; j += 8) {
      const __m256 v = _mm256_loadu_ps(xi + j);
      const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
      const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
      acc0 = _mm256_fmadd_pd(lo, lo, acc0);
      acc1 = _mm256_fmadd_pd(hi, hi, acc1);
    }
    const __m256d acc = _mm256_add_pd(acc0, acc1);
    __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
    double sum_sq = _mm_cvtsd_f64(_mm_add_sd(s2, _mm_unpackhi_pd(s2, s2)));
    for (; j < dim; ++j) sum_sq += static_cast<double>(xi[j]) * xi[j];
    const float inv_rms = static_cast<float>(1.0 / std::sqrt(sum_sq / dim + eps));
    const __m256 inv = _mm256_set1_ps(inv_rms);
    j = 0;
    for (; j + 8 <= dim; j += 8) {
      const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(xi + j), inv);
      _mm256_storeu_ps(oi + j, _mm256_mul_ps(_mm256_loadu_ps(weight + j), v));
    }
    for (; j < dim; ++j) oi[j] = weight[j] * (xi[j] * inv_rms);
  }
}

void llmk_avx2_exp_f32(const float* x, int count, float* out) {
  int j = 0;
  for (; j + 8 <= count; j += 8) _mm256_storeu_ps(out + j, exp_ps(_mm256_loadu_ps(x + j)));
  if (j < count) {
    const __m256i mask = tail_mask(count - j);
    _mm256_maskstore_ps(out + j, mask, exp_ps(_mm256_maskload_ps(x + j, mask)));
  }
}

void llmk_avx2_swiglu_f32(const float* gate, const float* up, int count, float* out) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 neg = _mm256_set1_ps(-0.0f);
  int j = 0;
  for (; j + 8 <= count; j += 8) {
    const __m256 g = _mm256_loadu_ps(gate + j);
    const __m256 e = exp_ps(_mm256_xor_ps(g, neg));
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, e));
    _mm256_storeu_ps(out + j, _mm256_mul_ps(silu, _mm256_loadu_ps(up + j)));
  }
  if (j < count) {
    const __m256i mask = tail_mask(count - j);
    const __m256 g = _mm256_maskload_ps(gate + j, mask);
    const __m256 e = exp_ps(_mm256_xor_ps(g, neg));
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, e));
    _mm256_maskstore_ps(out + j, mask, _mm256_mul_ps(silu, _mm256_maskload_ps(up + j, mask)));
  }
}

void llmk_avx2_add_f32(const float* a, const float* b, int count, float* out) {
  int j = 0;
  for (; j + 8 <= count; j += 8) {
    _mm256_storeu_ps(out + j, _mm256_add_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j)));
  }
  for (; j < count; ++j) out[j] = a[j] + b[j];
}

// ---- attention -------------------------------------------------------------------------------
//
// llmk_avx2_attend_f32 is kernels_attend_rows.h's attend_rows (an online softmax over blocks of
// positions, the query heads of one KV head taking turns over each block of keys and values)
// with the vector code below. The q . k dot products run over head_dim in 8 lanes, 8 positions
// at a time (one load of q for 8 FMAs, the 8 sums reduced together); the weighted sum of values
// runs along head_dim, up to 8 vectors of accumulators at a time. All in float with FMA; the
// output differs from llmk_generic_attend_f32's (double) by float rounding only.

namespace {

/// Lane t: the sum of a[t]'s 8 lanes.
inline __m256 hsum_x8(const __m256 a[8]) {
  const __m256 b0 = _mm256_hadd_ps(a[0], a[1]), b1 = _mm256_hadd_ps(a[2], a[3]);
  const __m256 b2 = _mm256_hadd_ps(a[4], a[5]), b3 = _mm256_hadd_ps(a[6], a[7]);
  const __m256 c0 = _mm256_hadd_ps(b0, b1), c1 = _mm256_hadd_ps(b2, b3);
  return _mm256_add_ps(_mm256_permute2f128_ps(c0, c1, 0x20), _mm256_permute2f128_ps(c0, c1, 0x31));
}

/// o[j] = sum_t p[t] * v_t[j] (first block) or o[j] * alpha + sum_t p[t] * v_t[j], for t in
/// [0, nb), v_t = v + t * stride.
template <int V>
inline void attend_values_x(const float* p, const float* v, size_t stride, int nb, bool first,
                            __m256 alpha, float* o) {
  __m256 acc[V];
  for (int u = 0; u < V; ++u) acc[u] = _mm256_setzero_ps();
  for (int t = 0; t < nb; ++t) {
    const __m256 pt = _mm256_broadcast_ss(p + t);
    const float* vt = v + t * stride;
    for (int u = 0; u < V; ++u) acc[u] = _mm256_fmadd_ps(pt, _mm256_loadu_ps(vt + 8 * u), acc[u]);
  }
  for (int u = 0; u < V; ++u) {
    if (!first) acc[u] = _mm256_fmadd_ps(_mm256_loadu_ps(o + 8 * u), alpha, acc[u]);
    _mm256_storeu_ps(o + 8 * u, acc[u]);
  }
}

/// Attention's vector code for kernels_attend_rows.h's attend_rows.
struct AttendF32 {
  /// s[t] = (q . k_t) * scale for t in [0, nb), k_t = k + t * stride; returns the largest s[t].
  static float scores(const float* q, const float* k, size_t stride, int nb, int head_dim,
                      float scale, float* s) {
    const int full = head_dim & ~7;
    const bool tail = full < head_dim;
    const __m256i mask = tail_mask(head_dim - full);
    const __m256 vscale = _mm256_set1_ps(scale);
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    int t = 0;
    for (; t + 8 <= nb; t += 8) {
      const float* kt = k + t * stride;
      __m256 acc[8];
      for (int u = 0; u < 8; ++u) acc[u] = _mm256_setzero_ps();
      for (int j = 0; j < full; j += 8) {
        const __m256 qv = _mm256_loadu_ps(q + j);
        for (int u = 0; u < 8; ++u) {
          acc[u] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(kt + u * stride + j), acc[u]);
        }
      }
      if (tail) {
        const __m256 qv = _mm256_maskload_ps(q + full, mask);
        for (int u = 0; u < 8; ++u) {
          acc[u] = _mm256_fmadd_ps(qv, _mm256_maskload_ps(kt + u * stride + full, mask), acc[u]);
        }
      }
      const __m256 sv = _mm256_mul_ps(hsum_x8(acc), vscale);
      vmax = _mm256_max_ps(vmax, sv);
      _mm256_storeu_ps(s + t, sv);
    }
    float max_score = hmax(vmax);
    for (; t < nb; ++t) {
      const float* kt = k + t * stride;
      __m256 acc = _mm256_setzero_ps();
      for (int j = 0; j < full; j += 8) {
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + j), _mm256_loadu_ps(kt + j), acc);
      }
      if (tail) {
        acc = _mm256_fmadd_ps(_mm256_maskload_ps(q + full, mask),
                              _mm256_maskload_ps(kt + full, mask), acc);
      }
      s[t] = hsum(acc) * scale;
      if (s[t] > max_score) max_score = s[t];
    }
    return max_score;
  }

  /// p[t] = e^(p[t] - m) for t in [0, nb); returns their sum.
  static float exp(float* p, int nb, float m) {
    const __m256 vm = _mm256_set1_ps(m);
    __m256 sum = _mm256_setzero_ps();
    int t = 0;
    for (; t + 8 <= nb; t += 8) {
      const __m256 e = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(p + t), vm));
      _mm256_storeu_ps(p + t, e);
      sum = _mm256_add_ps(sum, e);
    }
    if (t < nb) {
      const __m256i mask = tail_mask(nb - t);
      const __m256 e = _mm256_and_ps(exp_ps(_mm256_sub_ps(_mm256_maskload_ps(p + t, mask), vm)),
                                     _mm256_castsi256_ps(mask));
      _mm256_maskstore_ps(p + t, mask, e);
      sum = _mm256_add_ps(sum, e);
    }
    return hsum(sum);
  }

  /// o = sum_t p[t] * v_t (first block) or o * alpha + sum_t p[t] * v_t, over head_dim.
  static void values(const float* p, const float* v, size_t stride, int nb, int head_dim,
                     bool first, float alpha, float* o) {
    const __m256 va = _mm256_set1_ps(alpha);
    int j = 0;
    for (; j + 64 <= head_dim; j += 64) attend_values_x<8>(p, v + j, stride, nb, first, va, o + j);
    if (j + 32 <= head_dim) {
      attend_values_x<4>(p, v + j, stride, nb, first, va, o + j);
      j += 32;
    }
    if (j + 16 <= head_dim) {
      attend_values_x<2>(p, v + j, stride, nb, first, va, o + j);
      j += 16;
    }
    if (j + 8 <= head_dim) {
      attend_values_x<1>(p, v + j, stride, nb, first, va, o + j);
      j += 8;
    }
    if (j < head_dim) {
      const __m256i mask = tail_mask(head_dim - j);
      __m256 acc = _mm256_setzero_ps();
      for (int t = 0; t < nb; ++t) {
        const __m256 vt = _mm256_maskload_ps(v + t * stride + j, mask);
        acc = _mm256_fmadd_ps(_mm256_broadcast_ss(p + t), vt, acc);
      }
      if (!first) acc = _mm256_fmadd_ps(_mm256_maskload_ps(o + j, mask), va, acc);
      _mm256_maskstore_ps(o + j, mask, acc);
    }
  }

  /// o *= c over head_dim floats.
  static void scale_out(float* o, int head_dim, float c) {
    const __m256 vc = _mm256_set1_ps(c);
    int j = 0;
    for (; j + 8 <= head_dim; j += 8) {
      _mm256_storeu_ps(o + j, _mm256_mul_ps(_mm256_loadu_ps(o + j), vc));
    }
    for (; j < head_dim; ++j) o[j] *= c;
  }

  /// e^x for one x, with exp_ps.
  static float exp1(float x) {
    return _mm_cvtss_f32(_mm256_castps256_ps128(exp_ps(_mm256_set1_ps(x))));
  }
};

}  // namespace

void llmk_avx2_attend_f32(const float* q, int n, int pos0, int n_heads, int n_kv_heads,
                          int head_dim, const float* key_cache, const float* value_cache,
                          int head_begin, int head_end, float* scores, float* out) {
  (void)scores;  // the online softmax keeps its scores on the stack
  attend_rows<AttendF32>(q, n, pos0, n_heads, n_kv_heads, head_dim, key_cache, value_cache,
                         head_begin, head_end, out);
}

LLMRT_NAMESPACE_END
