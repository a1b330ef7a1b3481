// quant.cpp - quantize and dequantize rows of ggml-compatible blocks (layouts in quant_format.h).
//
// q8_0, q4_0 and q4_1 quantize exactly as gguf-py's gguf.quants.quantize and ggml's
// quantize_row_*_ref do, bit for bit, so weights llmc quantizes itself and weights imported from
// a GGUF file are the same bytes. Their float arithmetic is kept in the reference's order and
// rounding: the scale is computed in float32, a product is rounded before anything is added to it
// (see rounded_product), and q4 values are truncated after adding 8.5 or 0.5, not rounded.
//
// q4_K and q6_K use a simpler scale choice than llama.cpp's iterative search: each sub-block's
// range from its min/max, then the 6- or 8-bit sub-block scales relative to one super-block scale.
// The blocks are valid for any ggml reader. Relative RMS error, RMS(dequantized - x) / RMS(x),
// measured on 2^20 Gaussian values (mean 0, sd 1); the tests bound these with a margin:
//   q8_0 0.0054   q4_0 0.0859   q4_1 0.0783   q4_K 0.0784   q6_K 0.0188
//   (activations: q8_1 0.0054, q8_K 0.0070)
#include "runtime/quant_format.h"

#include <cmath>
#include <cstring>

LLMRT_NAMESPACE_BEGIN

namespace {

/// a * b rounded to float32 on its own. Compilers may fuse `a * b + c` into one fused multiply-add
/// (clang within an expression, gcc even across statements by default), which rounds once and so
/// can differ from numpy and ggml in the last bit, and then in a truncated quant value.
float rounded_product(float a, float b) {
  volatile float p = a * b;
  return p;
}

/// v rounded to the nearest integer, ties to even (ggml's nearest_int), clamped to [lo, hi].
/// NaN and out-of-range values clamp instead of overflowing an int conversion.
int nearest_clamped(float v, int lo, int hi) {
  const float r = std::nearbyint(v);  // default rounding mode: to nearest, ties to even
  if (!(r >= static_cast<float>(lo))) return lo;  // below the range, or NaN
  if (r > static_cast<float>(hi)) return hi;
  return static_cast<int>(r);
}

/// v truncated toward zero, clamped to [lo, hi] (NaN -> lo): the reference's (int)v, then MIN.
int trunc_clamped(float v, int lo, int hi) {
  if (!(v >= static_cast<float>(lo))) return lo;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(v);
}

/// v rounded half away from zero (roundf, gguf-py's np_roundf), clamped to [lo, hi].
int round_clamped(float v, int lo, int hi) {
  const float r = std::round(v);
  if (!(r >= static_cast<float>(lo))) return lo;  // below the range, or NaN
  if (r > static_cast<float>(hi)) return hi;
  return static_cast<int>(r);
}

/// The element of x[0..count) with the largest magnitude, sign kept; the first one on ties.
float signed_absmax(const float* x, int count) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < count; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

/// Symmetric 8-bit quantization of 32 values (q8_0 and q8_1 share it): d = absmax / 127 and
/// q = roundf(x / d). Returns d in float32.
float quantize_q8_block(const float* x /* (32) */, int8_t* qs /* (32) */) {
  float amax = 0.0f;
  for (int j = 0; j < LLMRT_QK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < LLMRT_QK; ++j) {
    qs[j] = static_cast<int8_t>(round_clamped(x[j] * id, -127, 127));
  }
  return d;
}

// q4_K's 6-bit scales and mins, packed as quant_format.h describes.
void pack_q4_k_scales(const uint8_t* sc /* (8) */, const uint8_t* mn /* (8) */,
                      uint8_t* scales /* (12) */) {
  for (int j = 0; j < 4; ++j) {
    scales[j] = static_cast<uint8_t>(sc[j] | (sc[j + 4] >> 4) << 6);
    scales[j + 4] = static_cast<uint8_t>(mn[j] | (mn[j + 4] >> 4) << 6);
    scales[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
  }
}

/// x = d * q for the 8-bit blocks q8_0 and q8_1 (q8_1's s is for the kernels).
template <typename Block>
void dequantize_q8_blocks(const void* blocks, int64_t k, float* out) {
  const Block* x = static_cast<const Block*>(blocks);
  for (int64_t b = 0; b < k / LLMRT_QK; ++b) {
    const float d = llmrt_fp16_to_fp32(x[b].d);
    for (int j = 0; j < LLMRT_QK; ++j) out[b * LLMRT_QK + j] = x[b].qs[j] * d;
  }
}

}  // namespace

// ---- q8_0 ------------------------------------------------------------------------------------

void llmrt_quantize_row_q8_0(const float* x, int64_t k, void* out) {
  llmrt_block_q8_0* y = static_cast<llmrt_block_q8_0*>(out);
  for (int64_t b = 0; b < k / LLMRT_QK; ++b) {
    y[b].d = llmrt_fp32_to_fp16(quantize_q8_block(x + b * LLMRT_QK, y[b].qs));
  }
}

void llmrt_dequantize_row_q8_0(const void* blocks, int64_t k, float* out) {
  dequantize_q8_blocks<llmrt_block_q8_0>(blocks, k, out);
}

// ---- q4_0 ------------------------------------------------------------------------------------

void llmrt_quantize_row_q4_0(const float* x, int64_t k, void* out) {
  llmrt_block_q4_0* y = static_cast<llmrt_block_q4_0*>(out);
  for (int64_t b = 0; b < k / LLMRT_QK; ++b) {
    const float* xb = x + b * LLMRT_QK;
    // The largest-magnitude value maps to q = 0 exactly (-8 * d), so the full 16 levels are used.
    const float d = signed_absmax(xb, LLMRT_QK) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = llmrt_fp32_to_fp16(d);
    for (int j = 0; j < LLMRT_QK / 2; ++j) {
      const int lo = trunc_clamped(rounded_product(xb[j], id) + 8.5f, 0, 15);
      const int hi = trunc_clamped(rounded_product(xb[j + LLMRT_QK / 2], id) + 8.5f, 0, 15);
      y[b].qs[j] = static_cast<uint8_t>(lo | hi << 4);
    }
  }
}

void llmrt_dequantize_row_q4_0(const void* blocks, int64_t k, float* out) {
  const llmrt_block_q4_0* x = static_cast<const llmrt_block_q4_0*>(blocks);
  for (int64_t b = 0; b < k / LLMRT_QK; ++b) {
    const float d = llmrt_fp16_to_fp32(x[b].d);
    float* yb = out + b * LLMRT_QK;
    for (int j = 0; j < LLMRT_QK / 2; ++j) {
      yb[j] = d * static_cast<float>((x[b].qs[j] & 15) - 8);
      yb[j + LLMRT_QK / 2] = d * static_cast<float>((x[b].qs[j] >> 4) - 8);
    }
  }
}

// ---- q4_1 ------------------------------------------------------------------------------------

void llmrt_quantize_row_q4_1(const float* x, int64_t k, void* out) {
  llmrt_block_q4_1* y = static_cast<llmrt_block_q4_1*>(out);
  for (int64_t b = 0; b < k / LLMRT_QK; ++b) {
    const float* xb = x + b * LLMRT_QK;
    float min = xb[0], max = xb[0];
    for (int j = 1; j < LLMRT_QK; ++j) {
      min = std::fmin(min, xb[j]);
      max = std::fmax(max, xb[j]);
    }
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = llmrt_fp32_to_fp16(d);
    y[b].m = llmrt_fp32_to_fp16(min);
    for (int j = 0; j < LLMRT_QK / 2; ++j) {
      const int lo = trunc_clamped(rounded_product(xb[j] - min, id) + 0.5f, 0, 15);
      const int hi = trunc_clamped(rounded_product(xb[j + LLMRT_QK / 2] - min, id) + 0.5f, 0, 15);
      y[b].qs[j] = static_cast<uint8_t>(lo | hi << 4);
    }
  }
}

void llmrt_dequantize_row_q4_1(const void* blocks, int64_t k, float* out) {
  const llmrt_block_q4_1* x = static_cast<const llmrt_block_q4_1*>(blocks);
  for (int64_t b = 0; b < k / LLMRT_QK; ++b) {
    const float d = llmrt_fp16_to_fp32(x[b].d);
    const float m = llmrt_fp16_to_fp32(x[b].m);
    float* yb = out + b * LLMRT_QK;
    // d * q is exact in float32 (11-bit times 4-bit significand), so only the add rounds.
    for (int j = 0; j < LLMRT_QK / 2; ++j) {
      yb[j] = d * static_cast<float>(x[b].qs[j] & 15) + m;
      yb[j + LLMRT_QK / 2] = d * static_cast<float>(x[b].qs[j] >> 4) + m;
    }
  }
}

// ---- q4_K ------------------------------------------------------------------------------------

void llmrt_quantize_row_q4_k(const float* x, int64_t k, void* out) {
  llmrt_block_q4_K* y = static_cast<llmrt_block_q4_K*>(out);
  const int kSub = 32;  // weights per sub-block
  for (int64_t b = 0; b < k / LLMRT_QK_K; ++b) {
    const float* xb = x + b * LLMRT_QK_K;
    // 1. Each sub-block covers [lo, hi] with 16 levels: x = scale * q - min, q in 0..15. The range
    //    always includes 0 (lo <= 0), so the stored min is never negative, as the format needs.
    float scale[8], min[8], max_scale = 0.0f, max_min = 0.0f;
    for (int s = 0; s < 8; ++s) {
      float lo = 0.0f, hi = xb[s * kSub];
      for (int j = 0; j < kSub; ++j) {
        lo = std::fmin(lo, xb[s * kSub + j]);
        hi = std::fmax(hi, xb[s * kSub + j]);
      }
      scale[s] = (hi - lo) / 15.0f;
      min[s] = -lo;
      max_scale = std::fmax(max_scale, scale[s]);
      max_min = std::fmax(max_min, min[s]);
    }
    // 2. The super-block scales make the largest sub-block scale and min 63, the 6-bit maximum.
    y[b].d = llmrt_fp32_to_fp16(max_scale / 63.0f);
    y[b].dmin = llmrt_fp32_to_fp16(max_min / 63.0f);
    const float d = llmrt_fp16_to_fp32(y[b].d);  // what a reader will use
    const float dmin = llmrt_fp16_to_fp32(y[b].dmin);
    uint8_t sc[8], mn[8];
    for (int s = 0; s < 8; ++s) {
      sc[s] = static_cast<uint8_t>(d != 0.0f ? nearest_clamped(scale[s] / d, 0, 63) : 0);
      mn[s] = static_cast<uint8_t>(dmin != 0.0f ? nearest_clamped(min[s] / dmin, 0, 63) : 0);
    }
    pack_q4_k_scales(sc, mn, y[b].scales);
    // 3. Quantize each weight against its sub-block's decoded scale and min.
    uint8_t q[LLMRT_QK_K];
    for (int s = 0; s < 8; ++s) {
      const float step = d * sc[s];
      const float offset = dmin * mn[s];
      for (int j = 0; j < kSub; ++j) {
        const float v = xb[s * kSub + j] + offset;
        q[s * kSub + j] = static_cast<uint8_t>(step != 0.0f ? nearest_clamped(v / step, 0, 15) : 0);
      }
    }
    // Each 64 weights: the first 32 in the low nibbles of 32 bytes, the next 32 in the high ones.
    for (int g = 0; g < LLMRT_QK_K / 64; ++g) {
      for (int l = 0; l < 32; ++l) {
        y[b].qs[g * 32 + l] = static_cast<uint8_t>(q[g * 64 + l] | q[g * 64 + 32 + l] << 4);
      }
    }
  }
}

void llmrt_dequantize_row_q4_k(const void* blocks, int64_t k, float* out) {
  const llmrt_block_q4_K* x = static_cast<const llmrt_block_q4_K*>(blocks);
  for (int64_t b = 0; b < k / LLMRT_QK_K; ++b) {
    const float d = llmrt_fp16_to_fp32(x[b].d);
    const float dmin = llmrt_fp16_to_fp32(x[b].dmin);
    float* yb = out + b * LLMRT_QK_K;
    for (int s = 0; s < 8; ++s) {
      int sc, mn;
      llmrt_q4_k_scale_min(x[b].scales, s, &sc, &mn);
      const float step = d * static_cast<float>(sc);  // exact, as is step * q below
      const float offset = dmin * static_cast<float>(mn);
      const uint8_t* qs = x[b].qs + (s / 2) * 32;
      const int shift = (s % 2) * 4;  // even sub-blocks in the low nibbles, odd in the high
      for (int l = 0; l < 32; ++l) {
        yb[s * 32 + l] = step * static_cast<float>((qs[l] >> shift) & 15) - offset;
      }
    }
  }
}

// ---- q6_K ------------------------------------------------------------------------------------

void llmrt_quantize_row_q6_k(const float* x, int64_t k, void* out) {
  llmrt_block_q6_K* y = static_cast<llmrt_block_q6_K*>(out);
  const int kSub = 16;  // weights per sub-block
  for (int64_t b = 0; b < k / LLMRT_QK_K; ++b) {
    const float* xb = x + b * LLMRT_QK_K;
    // 1. Sub-block scales as q4_0 chooses its scale: the largest-magnitude value maps to -32.
    float scale[16];
    for (int s = 0; s < 16; ++s) scale[s] = signed_absmax(xb + s * kSub, kSub) / -32.0f;
    // 2. The same again one level up: the largest-magnitude scale becomes -128 in int8.
    const float max_scale = signed_absmax(scale, 16);
    uint8_t q[LLMRT_QK_K];
    if (max_scale == 0.0f) {  // all zeros
      std::memset(&y[b], 0, sizeof(y[b]));
      std::memset(q, 32, sizeof(q));
    } else {
      const float iscale = -128.0f / max_scale;
      y[b].d = llmrt_fp32_to_fp16(1.0f / iscale);
      const float d = llmrt_fp16_to_fp32(y[b].d);
      for (int s = 0; s < 16; ++s) {
        y[b].scales[s] = static_cast<int8_t>(nearest_clamped(iscale * scale[s], -128, 127));
        const float step = d * y[b].scales[s];
        for (int j = 0; j < kSub; ++j) {
          const int v = step != 0.0f ? nearest_clamped(xb[s * kSub + j] / step, -32, 31) : 0;
          q[s * kSub + j] = static_cast<uint8_t>(v + 32);
        }
      }
    }
    // 3. Pack: see the layout comment on llmrt_block_q6_K.
    for (int g = 0; g < LLMRT_QK_K / 128; ++g) {
      const uint8_t* qg = q + g * 128;
      uint8_t* ql = y[b].ql + g * 64;
      uint8_t* qh = y[b].qh + g * 32;
      for (int l = 0; l < 32; ++l) {
        ql[l] = static_cast<uint8_t>((qg[l] & 15) | (qg[l + 64] & 15) << 4);
        ql[l + 32] = static_cast<uint8_t>((qg[l + 32] & 15) | (qg[l + 96] & 15) << 4);
        qh[l] = static_cast<uint8_t>(qg[l] >> 4 | (qg[l + 32] >> 4) << 2 | (qg[l + 64] >> 4) << 4 |
                                     (qg[l + 96] >> 4) << 6);
      }
    }
  }
}

void llmrt_dequantize_row_q6_k(const void* blocks, int64_t k, float* out) {
  const llmrt_block_q6_K* x = static_cast<const llmrt_block_q6_K*>(blocks);
  for (int64_t b = 0; b < k / LLMRT_QK_K; ++b) {
    const float d = llmrt_fp16_to_fp32(x[b].d);
    int8_t q[LLMRT_QK_K];
    llmrt_q6_k_quants(&x[b], q);
    float* yb = out + b * LLMRT_QK_K;
    // (d * scale) * q: two roundings, in ggml's and gguf-py's order; 16 weights per scale.
    for (int i = 0; i < LLMRT_QK_K; ++i) {
      yb[i] = (d * x[b].scales[i / 16]) * static_cast<float>(q[i]);
    }
  }
}

// ---- activations: q8_1, q8_K -----------------------------------------------------------------

void llmrt_quantize_row_q8_1(const float* x, int64_t k, void* out) {
  llmrt_block_q8_1* y = static_cast<llmrt_block_q8_1*>(out);
  for (int64_t b = 0; b < k / LLMRT_QK; ++b) {
    const float d = quantize_q8_block(x + b * LLMRT_QK, y[b].qs);
    int sum = 0;
    for (int j = 0; j < LLMRT_QK; ++j) sum += y[b].qs[j];
    y[b].d = llmrt_fp32_to_fp16(d);
    y[b].s = llmrt_fp32_to_fp16(static_cast<float>(sum) * d);
  }
}

void llmrt_dequantize_row_q8_1(const void* blocks, int64_t k, float* out) {
  dequantize_q8_blocks<llmrt_block_q8_1>(blocks, k, out);
}

void llmrt_quantize_row_q8_k(const float* x, int64_t k, void* out) {
  llmrt_block_q8_K* y = static_cast<llmrt_block_q8_K*>(out);
  for (int64_t b = 0; b < k / LLMRT_QK_K; ++b) {
    const float* xb = x + b * LLMRT_QK_K;
    const float max = signed_absmax(xb, LLMRT_QK_K);
    if (max == 0.0f) {  // ggml leaves bsums unset here; zeros keep the q4_K min term right
      std::memset(&y[b], 0, sizeof(y[b]));
      continue;
    }
    // The largest-magnitude value maps to -127; d is negative when it is positive.
    const float iscale = -127.0f / max;
    for (int j = 0; j < LLMRT_QK_K; ++j) {
      y[b].qs[j] = static_cast<int8_t>(nearest_clamped(iscale * xb[j], -128, 127));
    }
    for (int g = 0; g < LLMRT_QK_K / 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += y[b].qs[g * 16 + j];
      y[b].bsums[g] = static_cast<int16_t>(sum);
    }
    y[b].d = 1.0f / iscale;
  }
}

void llmrt_dequantize_row_q8_k(const void* blocks, int64_t k, float* out) {
  const llmrt_block_q8_K* x = static_cast<const llmrt_block_q8_K*>(blocks);
  for (int64_t b = 0; b < k / LLMRT_QK_K; ++b) {
    for (int j = 0; j < LLMRT_QK_K; ++j) out[b * LLMRT_QK_K + j] = x[b].d * x[b].qs[j];
  }
}

// ---- by scheme -------------------------------------------------------------------------------

void llmrt_quantize_row(llmrt_quant_scheme scheme, const float* x, int64_t k, void* out) {
  switch (scheme) {
    case LLMRT_Q8_0: llmrt_quantize_row_q8_0(x, k, out); return;
    case LLMRT_Q4_0: llmrt_quantize_row_q4_0(x, k, out); return;
    case LLMRT_Q4_1: llmrt_quantize_row_q4_1(x, k, out); return;
    case LLMRT_Q4_K: llmrt_quantize_row_q4_k(x, k, out); return;
    case LLMRT_Q6_K: llmrt_quantize_row_q6_k(x, k, out); return;
  }
}

void llmrt_dequantize_row(llmrt_quant_scheme scheme, const void* blocks, int64_t k, float* out) {
  switch (scheme) {
    case LLMRT_Q8_0: llmrt_dequantize_row_q8_0(blocks, k, out); return;
    case LLMRT_Q4_0: llmrt_dequantize_row_q4_0(blocks, k, out); return;
    case LLMRT_Q4_1: llmrt_dequantize_row_q4_1(blocks, k, out); return;
    case LLMRT_Q4_K: llmrt_dequantize_row_q4_k(blocks, k, out); return;
    case LLMRT_Q6_K: llmrt_dequantize_row_q6_k(blocks, k, out); return;
  }
}

LLMRT_NAMESPACE_END
