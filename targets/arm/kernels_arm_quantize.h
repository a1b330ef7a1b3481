// kernels_arm_quantize.h - the ARM targets' activation quantizers: the q8_0 / q8_1 and q8_K
// block quantizers in Advanced SIMD, byte for byte what the runtime's llmrt_quantize_row_<format>
// writes, for kernels_quantize_rows.h's row loop (ActivationQuantizers).
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_QUANTIZE_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_QUANTIZE_H

#include "kernels_arm_simd.h"
#include "kernels_quantize_rows.h"  // targets/common, beside this file in out/
#include "runtime/quant_format.h"

#include <arm_neon.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace {

/// Four int32 lanes of quants in -128..127 as int8, 16 of them from q[0..3].
inline int8x16_t narrow_quants(const int32x4_t q[4]) {
  const int16x8_t low = vcombine_s16(vmovn_s32(q[0]), vmovn_s32(q[1]));
  const int16x8_t high = vcombine_s16(vmovn_s32(q[2]), vmovn_s32(q[3]));
  return vcombine_s8(vmovn_s16(low), vmovn_s16(high));
}

/// Quantizes 32 floats as quant.cpp's quantize_q8_block does: d = absmax / 127 (NaNs ignored,
/// as fmax does: maxnm), q = roundf(x * (1 / d)) (frinta rounds halves away from zero, as
/// roundf) clamped to -127..127, a NaN product to -127. Returns d; *sum gets the sum of the
/// quants.
inline float quantize_block_q8(const float* x /* (32) */, int8_t* qs /* (32) */, int* sum) {
  float32x4_t v[8];
  float32x4_t amax = vdupq_n_f32(0.0f);
  LLMK_ARM_UNROLL
  for (int j = 0; j < 8; ++j) {
    v[j] = vld1q_f32(x + 4 * j);
    amax = vmaxnmq_f32(amax, vabsq_f32(v[j]));
  }
  const float d = vmaxnmvq_f32(amax) / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  int32x4_t q[8];
  int32x4_t total = vdupq_n_s32(0);
  LLMK_ARM_UNROLL
  for (int j = 0; j < 8; ++j) {
    float32x4_t t = vrndaq_f32(vmulq_n_f32(v[j], id));
    t = vminnmq_f32(vmaxnmq_f32(t, vdupq_n_f32(-127.0f)), vdupq_n_f32(127.0f));  // NaN: -127
    q[j] = vcvtq_s32_f32(t);  // integral already: exact
    total = vaddq_s32(total, q[j]);
  }
  *sum = vaddvq_s32(total);
  vst1q_s8(qs, narrow_quants(q));
  vst1q_s8(qs + 16, narrow_quants(q + 4));
  return d;
}

/// Quantizes 256 floats to a q8_K block as llmrt_quantize_row_q8_k does: the value of largest
/// magnitude (the first one on ties; NaNs ignored) maps to -127, so iscale = -127 / that value,
/// q = nearbyint(iscale * x) (frintn: halves to even) clamped to -128..127 (NaN -> -128), bsums
/// the sums of each 16 quants and d = 1 / iscale. A block of zeros (and NaNs) is all zero bytes.
inline void quantize_block_q8_k(const float* x /* (256) */, llmrt_block_q8_K* out) {
  float32x4_t amax = vdupq_n_f32(0.0f);
  for (int j = 0; j < 64; ++j) amax = vmaxnmq_f32(amax, vabsq_f32(vld1q_f32(x + 4 * j)));
  const float absmax = vmaxnmvq_f32(amax);
  if (absmax == 0.0f) {
    std::memset(out, 0, sizeof(*out));
    return;
  }
  // The scale takes the sign of the first value of that magnitude.
  int first = 0;
  for (int j = 0; j < 64; ++j) {
    const uint32x4_t hits = vceqq_f32(vabsq_f32(vld1q_f32(x + 4 * j)), vdupq_n_f32(absmax));
    if (vmaxvq_u32(hits) != 0) {
      first = 4 * j;
      while (std::fabs(x[first]) != absmax) ++first;
      break;
    }
  }
  const float iscale = -127.0f / x[first];
  for (int g = 0; g < 16; ++g) {  // 16 values a step: one bsum
    int32x4_t q[4];
    LLMK_ARM_UNROLL
    for (int j = 0; j < 4; ++j) {
      float32x4_t t = vrndnq_f32(vmulq_n_f32(vld1q_f32(x + 16 * g + 4 * j), iscale));
      t = vminnmq_f32(vmaxnmq_f32(t, vdupq_n_f32(-128.0f)), vdupq_n_f32(127.0f));  // NaN: -128
      q[j] = vcvtq_s32_f32(t);
    }
    vst1q_s8(out->qs + 16 * g, narrow_quants(q));
    out->bsums[g] = static_cast<int16_t>(
        vaddvq_s32(vaddq_s32(vaddq_s32(q[0], q[1]), vaddq_s32(q[2], q[3]))));
  }
  out->d = 1.0f / iscale;
}

/// The LLMK_QUANTIZE entries' functions: ArmQuantizers::q8_0(x, n, k, out), q8_1, q8_k.
typedef ActivationQuantizers<quantize_block_q8, quantize_block_q8_k> ArmQuantizers;

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_QUANTIZE_H
