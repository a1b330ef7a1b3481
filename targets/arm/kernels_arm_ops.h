// kernels_arm_ops.h - the ARM targets' kernels for the ops around the linears: RMSNorm, SwiGLU,
// the residual add, RoPE and attention, in plain Advanced SIMD (NEON), the same for arm-neon,
// arm-dotprod and arm-i8mm. Each kernel_arm_<isa>.cpp includes it and defines its table's
// entries from it (kernels_arm_entries.h). The results against the generic twins:
//
//   rms_norm_rows    the sum of squares in double (two lanes), as the generic kernel; only its
//                    order of additions differs. The scaling is the generic kernel's, bit for bit.
//   swiglu           with exp_f32x4's e^x (within 2e-7 relative of the exact value), the
//                    division in float as the generic kernel.
//   add              exactly.
//   rope             kernels_rope_rows.h's walk, as the generic kernel (the same cos and sin,
//                    once per row and pair); the turn in float lanes (rope_turn_neon), where a
//                    compiler may fuse a product into the subtraction (GCC does: fmls) as it may
//                    in the generic kernel's: a rounding or two apart.
//   attend           kernels_attend_rows.h's online softmax with the vector code of AttendNeon:
//                    float FMAs where the generic kernel sums in double.
//
// Everything sits in an unnamed namespace, as kernels_arm_rows.h's code.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_OPS_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_OPS_H

#include "kernels_attend_rows.h"  // targets/common, beside this file in out/
#include "kernels_rope_rows.h"    // targets/common

#include <arm_neon.h>

#include <cmath>
#include <cstddef>

namespace {

// ---- exp -------------------------------------------------------------------------------------

/// e^x in 4 lanes, within 2e-7 relative of the exact value for every float x whose e^x is a
/// normal float: Cephes' expf (n = round(x / ln 2), r = x - n ln 2 in two steps, a degree-6
/// polynomial for e^r on |r| <= ln(2) / 2), then the scaling by 2^n in two halves so that n may
/// reach -150 and 128. Overflows to +inf, underflows through subnormals to 0; NaN stays NaN
/// (fmax and fmin return a NaN operand). The same steps as the x86 kernels' exp_ps.
inline float32x4_t exp_f32x4(float32x4_t x) {
  x = vmaxq_f32(x, vdupq_n_f32(-104.0f));
  x = vminq_f32(x, vdupq_n_f32(88.75f));
  const float32x4_t n = vrndnq_f32(vmulq_n_f32(x, 1.44269504088896341f));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
  const float32x4_t e = vaddq_f32(vfmaq_f32(r, p, vmulq_f32(r, r)), vdupq_n_f32(1.0f));
  // 2^n = 2^n1 * 2^n2 with n1 = floor(n / 2), both normal for n in -150..128 (a NaN's n
  // converts to 0).
  const int32x4_t ni = vcvtq_s32_f32(n);
  const int32x4_t n1 = vshrq_n_s32(ni, 1);
  const int32x4_t n2 = vsubq_s32(ni, n1);
  const int32x4_t bias = vdupq_n_s32(127);
  const float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
  const float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
  return vmulq_f32(vmulq_f32(e, s1), s2);
}

/// e^x for count floats (the last count % 4 through a zero-padded copy).
inline void exp_rows(const float* x /* (count) */, int count, float* out /* (count) */) {
  int j = 0;
  for (; j + 4 <= count; j += 4) vst1q_f32(out + j, exp_f32x4(vld1q_f32(x + j)));
  if (j < count) {
    float tail[4] = {};
    for (int t = 0; t < count - j; ++t) tail[t] = x[j + t];
    vst1q_f32(tail, exp_f32x4(vld1q_f32(tail)));
    for (int t = 0; t < count - j; ++t) out[j + t] = tail[t];
  }
}

// ---- elementwise -----------------------------------------------------------------------------

inline void rms_norm_rows(const float* x /* (n, dim) */, const float* weight /* (dim) */, int n,
                          int dim, float eps, float* out /* (n, dim) */) {
  for (int i = 0; i < n; ++i) {
    const float* xi = x + static_cast<size_t>(i) * dim;
    float* oi = out + static_cast<size_t>(i) * dim;
    // The sum of squares in double, as the generic kernel: 8 floats a step into four
    // accumulators of two lanes.
    float64x2_t acc[4] = {vdupq_n_f64(0.0), vdupq_n_f64(0.0), vdupq_n_f64(0.0),
                          vdupq_n_f64(0.0)};
    int j = 0;
    for (; j + 8 <= dim; j += 8) {
      const float32x4_t a = vld1q_f32(xi + j), b = vld1q_f32(xi + j + 4);
      const float64x2_t a0 = vcvt_f64_f32(vget_low_f32(a)), a1 = vcvt_high_f64_f32(a);
      const float64x2_t b0 = vcvt_f64_f32(vget_low_f32(b)), b1 = vcvt_high_f64_f32(b);
      acc[0] = vfmaq_f64(acc[0], a0, a0);
      acc[1] = vfmaq_f64(acc[1], a1, a1);
      acc[2] = vfmaq_f64(acc[2], b0, b0);
      acc[3] = vfmaq_f64(acc[3], b1, b1);
    }
    double sum_sq = vaddvq_f64(vaddq_f64(vaddq_f64(acc[0], acc[1]), vaddq_f64(acc[2], acc[3])));
    for (; j < dim; ++j) sum_sq += static_cast<double>(xi[j]) * xi[j];
    const float inv_rms = static_cast<float>(1.0 / std::sqrt(sum_sq / dim + eps));
    j = 0;
    for (; j + 4 <= dim; j += 4) {
      const float32x4_t scaled = vmulq_n_f32(vld1q_f32(xi + j), inv_rms);
      vst1q_f32(oi + j, vmulq_f32(vld1q_f32(weight + j), scaled));
    }
    for (; j < dim; ++j) oi[j] = weight[j] * (xi[j] * inv_rms);
  }
}

/// silu(g) * u = g / (1 + e^-g) * u in 4 lanes.
inline float32x4_t swiglu_f32x4(float32x4_t g, float32x4_t u) {
  const float32x4_t e = exp_f32x4(vnegq_f32(g));
  return vmulq_f32(vdivq_f32(g, vaddq_f32(vdupq_n_f32(1.0f), e)), u);
}

inline void swiglu(const float* gate /* (count) */, const float* up /* (count) */, int count,
                   float* out /* (count) */) {
  int j = 0;
  for (; j + 4 <= count; j += 4) {
    vst1q_f32(out + j, swiglu_f32x4(vld1q_f32(gate + j), vld1q_f32(up + j)));
  }
  if (j < count) {
    float g[4] = {}, u[4] = {};
    for (int t = 0; t < count - j; ++t) {
      g[t] = gate[j + t];
      u[t] = up[j + t];
    }
    vst1q_f32(g, swiglu_f32x4(vld1q_f32(g), vld1q_f32(u)));
    for (int t = 0; t < count - j; ++t) out[j + t] = g[t];
  }
}

/// out = a + b; out may alias a or b (each vector is loaded before it is stored).
inline void add(const float* a /* (count) */, const float* b /* (count) */, int count,
                float* out /* (count) */) {
  int j = 0;
  for (; j + 4 <= count; j += 4) vst1q_f32(out + j, vaddq_f32(vld1q_f32(a + j), vld1q_f32(b + j)));
  for (; j < count; ++j) out[j] = a[j] + b[j];
}

// ---- RoPE ------------------------------------------------------------------------------------

/// The turn of kernels_rope_rows.h's rope_rows, 4 pairs a step.
inline void rope_turn_neon(const float* x, float* out, const float* cos_of, const float* sin_of,
                           int count, int half) {
  int j = 0;
  for (; j + 4 <= count; j += 4) {
    const float32x4_t a = vld1q_f32(x + j), b = vld1q_f32(x + j + half);
    const float32x4_t c = vld1q_f32(cos_of + j), s = vld1q_f32(sin_of + j);
    vst1q_f32(out + j, vsubq_f32(vmulq_f32(a, c), vmulq_f32(b, s)));
    vst1q_f32(out + j + half, vaddq_f32(vmulq_f32(b, c), vmulq_f32(a, s)));
  }
  rope_turn_pairs(x, out, cos_of, sin_of, j, count, half);
}

// ---- attention -------------------------------------------------------------------------------

/// o[j] = sum_t p[t] * v_t[j] (first block) or o[j] * alpha + sum_t p[t] * v_t[j] over V
/// vectors of 4 floats, for t in [0, nb), v_t = v + t * stride.
template <int V>
inline void attend_values_x(const float* p, const float* v, size_t stride, int nb, bool first,
                            float alpha, float* o) {
  float32x4_t acc[V];
  for (int u = 0; u < V; ++u) acc[u] = vdupq_n_f32(0.0f);
  for (int t = 0; t < nb; ++t) {
    const float pt = p[t];
    const float* vt = v + t * stride;
    for (int u = 0; u < V; ++u) acc[u] = vfmaq_n_f32(acc[u], vld1q_f32(vt + 4 * u), pt);
  }
  for (int u = 0; u < V; ++u) {
    if (!first) acc[u] = vfmaq_n_f32(acc[u], vld1q_f32(o + 4 * u), alpha);
    vst1q_f32(o + 4 * u, acc[u]);
  }
}

/// Lane u: the sum of a[u]'s 4 lanes.
inline float32x4_t hsum_x4(const float32x4_t a[4]) {
  return vpaddq_f32(vpaddq_f32(a[0], a[1]), vpaddq_f32(a[2], a[3]));
}

/// Attention's vector code for kernels_attend_rows.h's attend_rows. The q . k dot products run
/// over head_dim in 4 lanes, 8 positions at a time (one load of q for 8 FMAs, the sums reduced
/// together by pairwise adds); the weighted sum of values runs along head_dim, up to 8 vectors
/// of accumulators at a time. The last head_dim % 4 elements of a row go one at a time.
struct AttendNeon {
  /// s[t] = (q . k_t) * scale for t in [0, nb), k_t = k + t * stride; returns the largest s[t].
  static float scores(const float* q, const float* k, size_t stride, int nb, int head_dim,
                      float scale, float* s) {
    const int full = head_dim & ~3;
    float32x4_t vmax = vdupq_n_f32(-INFINITY);
    int t = 0;
    for (; t + 8 <= nb; t += 8) {
      const float* kt = k + t * stride;
      float32x4_t acc[8];
      for (int u = 0; u < 8; ++u) acc[u] = vdupq_n_f32(0.0f);
      for (int j = 0; j < full; j += 4) {
        const float32x4_t qv = vld1q_f32(q + j);
        for (int u = 0; u < 8; ++u) acc[u] = vfmaq_f32(acc[u], qv, vld1q_f32(kt + u * stride + j));
      }
      float32x4_t sums[2] = {hsum_x4(acc), hsum_x4(acc + 4)};
      if (full < head_dim) {
        float tail[8];
        for (int u = 0; u < 8; ++u) {
          float d = 0.0f;
          for (int j = full; j < head_dim; ++j) d += q[j] * kt[u * stride + j];
          tail[u] = d;
        }
        sums[0] = vaddq_f32(sums[0], vld1q_f32(tail));
        sums[1] = vaddq_f32(sums[1], vld1q_f32(tail + 4));
      }
      for (int h = 0; h < 2; ++h) {
        const float32x4_t sv = vmulq_n_f32(sums[h], scale);
        vmax = vmaxq_f32(vmax, sv);
        vst1q_f32(s + t + 4 * h, sv);
      }
    }
    float max_score = vmaxvq_f32(vmax);
    for (; t < nb; ++t) {
      const float* kt = k + t * stride;
      float32x4_t acc = vdupq_n_f32(0.0f);
      for (int j = 0; j < full; j += 4) acc = vfmaq_f32(acc, vld1q_f32(q + j), vld1q_f32(kt + j));
      float d = vaddvq_f32(acc);
      for (int j = full; j < head_dim; ++j) d += q[j] * kt[j];
      s[t] = d * scale;
      if (s[t] > max_score) max_score = s[t];
    }
    return max_score;
  }

  /// p[t] = e^(p[t] - m) for t in [0, nb); returns their sum.
  static float exp(float* p, int nb, float m) {
    float32x4_t sum = vdupq_n_f32(0.0f);
    int t = 0;
    for (; t + 4 <= nb; t += 4) {
      const float32x4_t e = exp_f32x4(vsubq_f32(vld1q_f32(p + t), vdupq_n_f32(m)));
      vst1q_f32(p + t, e);
      sum = vaddq_f32(sum, e);
    }
    float total = vaddvq_f32(sum);
    for (; t < nb; ++t) {
      p[t] = exp1(p[t] - m);
      total += p[t];
    }
    return total;
  }

  /// o = sum_t p[t] * v_t (first block) or o * alpha + sum_t p[t] * v_t, over head_dim.
  static void values(const float* p, const float* v, size_t stride, int nb, int head_dim,
                     bool first, float alpha, float* o) {
    int j = 0;
    for (; j + 32 <= head_dim; j += 32) {
      attend_values_x<8>(p, v + j, stride, nb, first, alpha, o + j);
    }
    if (j + 16 <= head_dim) {
      attend_values_x<4>(p, v + j, stride, nb, first, alpha, o + j);
      j += 16;
    }
    if (j + 8 <= head_dim) {
      attend_values_x<2>(p, v + j, stride, nb, first, alpha, o + j);
      j += 8;
    }
    if (j + 4 <= head_dim) {
      attend_values_x<1>(p, v + j, stride, nb, first, alpha, o + j);
      j += 4;
    }
    for (; j < head_dim; ++j) {
      float acc = 0.0f;
      for (int t = 0; t < nb; ++t) acc += p[t] * v[t * stride + j];
      o[j] = first ? acc : o[j] * alpha + acc;
    }
  }

  /// o *= c over head_dim floats.
  static void scale_out(float* o, int head_dim, float c) {
    int j = 0;
    for (; j + 4 <= head_dim; j += 4) vst1q_f32(o + j, vmulq_n_f32(vld1q_f32(o + j), c));
    for (; j < head_dim; ++j) o[j] *= c;
  }

  /// e^x for one x, with exp_f32x4.
  static float exp1(float x) { return vgetq_lane_f32(exp_f32x4(vdupq_n_f32(x)), 0); }
};

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_OPS_H
