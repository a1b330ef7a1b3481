// kernels_x86_avx2.cpp - AVX2 + FMA + F16C microkernels of the x86-avx2 target (see the header).
//
// Quantized linears. A call walks its n activation rows in tiles of up to 4. For each tile, the
// activation blocks are first "prepared" once: copied into the lane order of the weight vectors
// they meet, with their scales converted to float, in a 32 KiB stack buffer (rows longer than the
// buffer go in chunks, the partial sums added into y). Then every weight row in
// [row_begin, row_end) is read once per tile: each weight block is loaded and unpacked once and
// multiplied with all the tile's activation rows. For one token (decode) a tile is 1 activation
// row x 4 weight rows, four independent accumulators; for prompts, 4 activation rows x 1 weight
// row, so prefill reads each weight block once per 4 tokens instead of once per token.
//
// The integer dot products use maddubs (u8 x s8, adjacent products summed in s16) and madd (s16
// pairs summed in s32):
//   q8_0 x q8_0  maddubs(|w|, sign(x, w)) = w * x     (w in -128..127, x in -127..127)
//   q4_0 x q8_0  maddubs(q, x) - maddubs(8, x) = (q - 8) * x; the second term once per tile
//   q4_1 x q8_1  maddubs(q, x); the min term m * s of each block in float, as ggml does
// No s16 sum can saturate. A 32-bit lane holds an exact partial sum of one block, converted to
// float, multiplied by the block's two scales and accumulated in 8 float lanes, summed at the end.
// So each output differs from the generic kernel only in the order of its float additions.
#include "kernels_x86_avx2.h"  // beside this file, here and in out/
#include "kernels_x86_tiling.h"
#include "runtime/quant_format.h"

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

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

// ---- quantized linears: one policy per weight type -------------------------------------------
// The tile drivers (dot_tile, linear_tile_rows, linear_rows) are in kernels_x86_tiling.h.
// A policy K describes a "group" of kGroupBlocks blocks (what one vector step consumes):
//   XGroup  prepared activations of a group, made by prep() from activation blocks
//   WGroup  a weight group loaded and unpacked by load() (count < kGroupBlocks at a row's end;
//           the missing blocks read as zero, as their prepared activations are)
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
  static WGroup load(const WBlock* w, int count) {
    WGroup g;
    load_nibbles(w[0].qs, count > 1 ? w[1].qs : nullptr, &g.lo, &g.hi);
    g.d = fp16_pair_x4(w[0].d, count > 1 ? w[1].d : llmrt_fp16(0));
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
  static WGroup load(const WBlock* w, int count) {
    WGroup g;
    load_nibbles(w[0].qs, count > 1 ? w[1].qs : nullptr, &g.lo, &g.hi);
    g.dm = fp16_quad(w[0].d, count > 1 ? w[1].d : llmrt_fp16(0), w[0].m,
                     count > 1 ? w[1].m : llmrt_fp16(0));
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

/// Weight rows per tile for 1, 2, 3 and 4 activation rows: decode 4 weight rows x 1 token,
/// prompts 1 weight row x 4 tokens.
typedef TileShapes<4, 2, 1, 1> QuantTiles;

// ---- float linear ----------------------------------------------------------------------------

/// The float linear's tiles for kernels_x86_tiling.h's f32_tile_rows.
struct KernelF32 {
  template <int R, int C>
  static void tile(const float* w /* R rows, stride k */, const float* x /* C rows, stride k */,
                   int k, float out[R][C]);
};

typedef TileShapes<8, 4, 2, 2> F32Tiles;

/// out[r][c] = w row r . x row c over k floats, an R x C tile of 8-float FMAs.
template <int R, int C>
void KernelF32::tile(const float* w, const float* x, int k, float out[R][C]) {
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
    for (int r = 0; r < R; ++r) wv[r] = _mm256_loadu_ps(w + r * ks + j);
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
    for (int r = 0; r < R; ++r) wv[r] = _mm256_maskload_ps(w + r * ks + j, mask);
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

void llmk_avx2_quantize_q8_0(const float* x, int n, int k, void* out) {
  quantize_rows<quantize_block_q8, llmrt_block_q8_0>(x, n, k, out);
}

void llmk_avx2_quantize_q8_1(const float* x, int n, int k, void* out) {
  quantize_rows<quantize_block_q8, llmrt_block_q8_1>(x, n, k, out);
}

void llmk_avx2_linear_q8_0_rows(const void* xq, const void* w, const float* bias, int n, int k,
                                int m, int row_begin, int row_end, float* y) {
  linear_rows<KernelQ8_0, QuantTiles>(xq, w, bias, n, k, m, row_begin, row_end, y);
}

void llmk_avx2_linear_q4_0_rows(const void* xq, const void* w, const float* bias, int n, int k,
                                int m, int row_begin, int row_end, float* y) {
  linear_rows<KernelQ4_0, QuantTiles>(xq, w, bias, n, k, m, row_begin, row_end, y);
}

void llmk_avx2_linear_q4_1_rows(const void* xq, const void* w, const float* bias, int n, int k,
                                int m, int row_begin, int row_end, float* y) {
  linear_rows<KernelQ4_1, QuantTiles>(xq, w, bias, n, k, m, row_begin, row_end, y);
}

void llmk_avx2_linear_f32_rows(const float* x, const float* w, const float* bias, int n, int k,
                               int m, int row_begin, int row_end, float* y) {
  linear_f32_rows<KernelF32, F32Tiles>(x, w, bias, n, k, m, row_begin, row_end, y);
}

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
