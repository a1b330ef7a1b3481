// quant_format.h - quantized block layouts, bit-compatible with ggml/GGUF types of the same name.
//
// A quantized row of k weights is k / block_size blocks back to back; each block holds its own
// scale(s), so a GGUF tensor of these types is imported by copying its bytes. Layouts (all fields
// little-endian, no padding; sizes fixed by static_assert):
//
//   q8_0   32 weights   34 B  { fp16 d; int8 qs[32] }                   x = d * q
//   q4_0   32 weights   18 B  { fp16 d; uint8 qs[16] }                  x = d * (q - 8)
//          element j in the low nibble of qs[j], element j + 16 in its high nibble
//   q4_1   32 weights   20 B  { fp16 d; fp16 m; uint8 qs[16] }          x = d * q + m
//   q4_K  256 weights  144 B  { fp16 d; fp16 dmin; uint8 scales[12]; uint8 qs[128] }
//          8 sub-blocks of 32: x = d * sc[j] * q - dmin * mn[j], sc and mn 6-bit (see below)
//   q6_K  256 weights  210 B  { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; fp16 d }
//          16 sub-blocks of 16: x = d * scales[j] * (q - 32), q 6-bit = 4 bits in ql + 2 in qh
//
// Activation blocks (what the quantized linear kernels turn their float input into):
//   q8_1   32 values    36 B  { fp16 d; fp16 s; int8 qs[32] }           s = fp16(d * sum(qs))
//   q8_K  256 values   292 B  { float d; int8 qs[256]; int16 bsums[16] } bsums: sums of 16 qs
//
// Plain C++17, no dependencies: the compiler's weight writer, the runtime and the kernels share it.
// The functions at the end are implemented in quant.cpp.
#ifndef LLMC_RUNTIME_QUANT_FORMAT_H
#define LLMC_RUNTIME_QUANT_FORMAT_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include "runtime/namespace.h"

LLMRT_NAMESPACE_BEGIN

typedef uint16_t llmrt_fp16;  // the bits of an IEEE 754 binary16
/// The bits of a bfloat16 (the high half of a float32). A struct, not a typedef of uint16_t, so
/// that the kernels' overloads tell it from llmrt_fp16.
struct llmrt_bf16 {
  uint16_t bits;
};
static_assert(sizeof(llmrt_bf16) == 2, "bf16 is two bytes");

static const int LLMRT_QK = 32;     // weights per block of q8_0, q4_0, q4_1, q8_1
static const int LLMRT_QK_K = 256;  // weights per super-block of q4_K, q6_K, q8_K

struct llmrt_block_q8_0 {
  llmrt_fp16 d;          // scale
  int8_t qs[LLMRT_QK];   // x = d * q
};
static_assert(sizeof(llmrt_block_q8_0) == 34, "q8_0 block layout");

struct llmrt_block_q4_0 {
  llmrt_fp16 d;              // scale
  uint8_t qs[LLMRT_QK / 2];  // element j: low nibble of qs[j]; element j + 16: high nibble
};
static_assert(sizeof(llmrt_block_q4_0) == 18, "q4_0 block layout");

struct llmrt_block_q4_1 {
  llmrt_fp16 d;              // scale
  llmrt_fp16 m;              // minimum: x = d * q + m
  uint8_t qs[LLMRT_QK / 2];  // nibbles as in q4_0
};
static_assert(sizeof(llmrt_block_q4_1) == 20, "q4_1 block layout");

// q4_K scales[12] packs eight 6-bit scales sc[0..7] and eight 6-bit mins mn[0..7]:
//   j < 4:  sc[j] = scales[j] & 63,        mn[j] = scales[j + 4] & 63
//   j >= 4: sc[j] = (scales[j + 4] & 15) | (scales[j - 4] >> 6) << 4
//           mn[j] = (scales[j + 4] >> 4) | (scales[j] >> 6) << 4
// qs: each 64 weights use 32 bytes; weight l of the first 32 is the low nibble of byte l, weight
// l of the second 32 the high nibble.
struct llmrt_block_q4_K {
  llmrt_fp16 d;                // super-block scale of the sub-block scales
  llmrt_fp16 dmin;             // super-block scale of the sub-block mins
  uint8_t scales[12];          // 6-bit scales and mins, packed as above
  uint8_t qs[LLMRT_QK_K / 2];  // 4-bit quants
};
static_assert(sizeof(llmrt_block_q4_K) == 144, "q4_K block layout");

/// Sub-block j's (0..7) 6-bit scale and min of a q4_K block, unpacked as described above.
static inline void llmrt_q4_k_scale_min(const uint8_t* scales /* (12) */, int j, int* sc,
                                        int* mn) {
  if (j < 4) {
    *sc = scales[j] & 63;
    *mn = scales[j + 4] & 63;
  } else {
    *sc = (scales[j + 4] & 15) | (scales[j - 4] >> 6) << 4;
    *mn = (scales[j + 4] >> 4) | (scales[j] >> 6) << 4;
  }
}

// q6_K: each 128 weights use 64 bytes of ql and 32 of qh. For l < 32, weights l, l+32, l+64, l+96
// take their low 4 bits from: ql[l] low, ql[l+32] low, ql[l] high, ql[l+32] high nibble, and their
// high 2 bits from bits 0-1, 2-3, 4-5, 6-7 of qh[l].
struct llmrt_block_q6_K {
  uint8_t ql[LLMRT_QK_K / 2];      // low 4 bits of the quants
  uint8_t qh[LLMRT_QK_K / 4];      // high 2 bits of the quants
  int8_t scales[LLMRT_QK_K / 16];  // signed 8-bit scale of each 16 weights
  llmrt_fp16 d;                    // super-block scale
};
static_assert(sizeof(llmrt_block_q6_K) == 210, "q6_K block layout");

/// The 256 6-bit quants of a q6_K block minus 32 (-32..31), in weight order.
static inline void llmrt_q6_k_quants(const llmrt_block_q6_K* block, int8_t* q /* (256) */) {
  for (int g = 0; g < LLMRT_QK_K / 128; ++g) {
    const uint8_t* ql = block->ql + g * 64;
    const uint8_t* qh = block->qh + g * 32;
    int8_t* qg = q + g * 128;
    for (int l = 0; l < 32; ++l) {
      qg[l] = static_cast<int8_t>(((ql[l] & 15) | ((qh[l] >> 0) & 3) << 4) - 32);
      qg[l + 32] = static_cast<int8_t>(((ql[l + 32] & 15) | ((qh[l] >> 2) & 3) << 4) - 32);
      qg[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32);
      qg[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32);
    }
  }
}

struct llmrt_block_q8_1 {
  llmrt_fp16 d;         // scale
  llmrt_fp16 s;         // fp16(d * sum(qs)), d before rounding to fp16: the q4_1 min term uses it
  int8_t qs[LLMRT_QK];  // x = d * q
};
static_assert(sizeof(llmrt_block_q8_1) == 36, "q8_1 block layout");

struct llmrt_block_q8_K {
  float d;                          // scale (float32, not fp16)
  int8_t qs[LLMRT_QK_K];            // x = d * q
  int16_t bsums[LLMRT_QK_K / 16];   // sum of each 16 consecutive qs: the q4_K min term uses it
};
static_assert(sizeof(llmrt_block_q8_K) == 292, "q8_K block layout");

/// Weight quantization schemes (quant_schemes.def, in its order). The values are llmc's own;
/// llmrt_quant_ggml_type maps to GGUF.
enum llmrt_quant_scheme : uint32_t {
#define LLMRT_QUANT_SCHEME(name, NAME, values, bytes, activations, ggml) LLMRT_##NAME,
#include "runtime/quant_schemes.def"
};
static const int LLMRT_QUANT_SCHEME_COUNT = 0
#define LLMRT_QUANT_SCHEME(name, NAME, values, bytes, activations, ggml) +1
#include "runtime/quant_schemes.def"
    ;

/// Weights per block: 32 or 256; 0 for an unknown scheme.
constexpr int64_t llmrt_quant_block_size(llmrt_quant_scheme s) {
  switch (s) {
#define LLMRT_QUANT_SCHEME(name, NAME, values, bytes, activations, ggml) \
  case LLMRT_##NAME:                                                      \
    return values;
#include "runtime/quant_schemes.def"
  }
  return 0;
}

/// Bytes per block; 0 for an unknown scheme.
constexpr int64_t llmrt_quant_block_bytes(llmrt_quant_scheme s) {
  switch (s) {
#define LLMRT_QUANT_SCHEME(name, NAME, values, bytes, activations, ggml) \
  case LLMRT_##NAME:                                                      \
    return bytes;
#include "runtime/quant_schemes.def"
  }
  return 0;
}

// The table's sizes are the block structs' (which spell the layouts' fields).
static_assert(llmrt_quant_block_bytes(LLMRT_Q8_0) == sizeof(llmrt_block_q8_0), "q8_0 block");
static_assert(llmrt_quant_block_bytes(LLMRT_Q4_0) == sizeof(llmrt_block_q4_0), "q4_0 block");
static_assert(llmrt_quant_block_bytes(LLMRT_Q4_1) == sizeof(llmrt_block_q4_1), "q4_1 block");
static_assert(llmrt_quant_block_bytes(LLMRT_Q4_K) == sizeof(llmrt_block_q4_K), "q4_K block");
static_assert(llmrt_quant_block_bytes(LLMRT_Q6_K) == sizeof(llmrt_block_q6_K), "q6_K block");

/// Bytes of one row of k weights: whole blocks, the last one zero-padded when k is not a
/// multiple of the block size. -1 when k is negative or the scheme is unknown.
static inline int64_t llmrt_quant_row_bytes(llmrt_quant_scheme s, int64_t k) {
  const int64_t block = llmrt_quant_block_size(s);
  if (block == 0 || k < 0) return -1;
  return (k + block - 1) / block * llmrt_quant_block_bytes(s);
}

/// "q8_0", "q4_0", "q4_1", "q4_k", "q6_k" (the spelling of llmc's --quant option).
static inline const char* llmrt_quant_scheme_name(llmrt_quant_scheme s) {
  switch (s) {
#define LLMRT_QUANT_SCHEME(name, NAME, values, bytes, activations, ggml) \
  case LLMRT_##NAME:                                                      \
    return #name;
#include "runtime/quant_schemes.def"
  }
  return "unknown";
}

/// Parses a name as llmrt_quant_scheme_name writes it (an upper-case "Q4_K" is accepted too).
static inline bool llmrt_quant_scheme_from_name(const char* name, llmrt_quant_scheme* out) {
  for (int i = 0; i < LLMRT_QUANT_SCHEME_COUNT; ++i) {
    const llmrt_quant_scheme s = static_cast<llmrt_quant_scheme>(i);
    const char* want = llmrt_quant_scheme_name(s);
    size_t j = 0;
    while (want[j] != '\0' && name[j] != '\0' &&
           (name[j] == want[j] || (name[j] >= 'A' && name[j] <= 'Z' && name[j] + 32 == want[j]))) {
      ++j;
    }
    if (want[j] == '\0' && name[j] == '\0') {
      *out = s;
      return true;
    }
  }
  return false;
}

/// The GGML/GGUF tensor type id of the same layout (GGML_TYPE_Q8_0 = 8, ...), for GGUF import.
static inline uint32_t llmrt_quant_ggml_type(llmrt_quant_scheme s) {
  switch (s) {
#define LLMRT_QUANT_SCHEME(name, NAME, values, bytes, activations, ggml) \
  case LLMRT_##NAME:                                                      \
    return ggml;
#include "runtime/quant_schemes.def"
  }
  return 0xffffffffu;
}

/// A float32's bits, and the float32 of given bits (memcpy: no aliasing rules broken).
static inline uint32_t llmrt_bits_of(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}
static inline float llmrt_float_of(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

/// binary16 -> float32, exact (subnormals, infinities and NaNs included).
static inline float llmrt_fp16_to_fp32(llmrt_fp16 h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float32.
    float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-08f;
    return sign != 0 ? -magnitude : magnitude;
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // infinity or NaN, payload kept
  } else {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);  // rebias 15 -> 127
  }
  return llmrt_float_of(bits);
}

/// float32 -> binary16, rounding to nearest even like numpy's astype(np.float16) and ggml's
/// GGML_FP32_TO_FP16: overflow gives infinity, tiny values become subnormals or zero.
static inline llmrt_fp16 llmrt_fp32_to_fp16(float f) {
  const uint32_t x = llmrt_bits_of(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t abs_bits = x & 0x7fffffffu;
  if (abs_bits >= 0x7f800000u) {  // infinity, or NaN kept quiet with its top payload bits
    if (abs_bits == 0x7f800000u) return static_cast<llmrt_fp16>(sign | 0x7c00u);
    return static_cast<llmrt_fp16>(sign | 0x7e00u | ((abs_bits >> 13) & 0x3ffu));
  }
  if (abs_bits >= 0x477ff000u) {  // >= 65520: rounds past the largest half (65504)
    return static_cast<llmrt_fp16>(sign | 0x7c00u);
  }
  if (abs_bits >= 0x38800000u) {  // >= 2^-14: a normal half
    // Rebias the exponent and round the 13 dropped mantissa bits to nearest even; a carry out of
    // the mantissa correctly bumps the exponent.
    const uint32_t rounded = abs_bits + 0xfffu + ((abs_bits >> 13) & 1u);
    return static_cast<llmrt_fp16>(sign | ((rounded - 0x38000000u) >> 13));
  }
  // Subnormal half (or zero): round |f| / 2^-24 to an integer, nearest even.
  const uint32_t exponent = abs_bits >> 23;
  if (exponent < 102) return static_cast<llmrt_fp16>(sign);  // below 2^-25: rounds to zero
  const uint32_t mantissa = (abs_bits & 0x7fffffu) | 0x800000u;
  const uint32_t shift = 126 - exponent;  // 14..24
  uint32_t q = mantissa >> shift;
  const uint32_t rest = mantissa & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (q & 1u) != 0)) ++q;  // may carry into the smallest normal
  return static_cast<llmrt_fp16>(sign | q);
}

/// bfloat16 -> float32, exact (the bits become the float's high half).
static inline float llmrt_bf16_to_fp32(llmrt_bf16 h) {
  return llmrt_float_of(static_cast<uint32_t>(h.bits) << 16);
}

/// float32 -> bfloat16, rounding to nearest even like torch's .to(torch.bfloat16): overflow
/// gives infinity, NaN stays a quiet NaN of the same sign.
static inline llmrt_bf16 llmrt_fp32_to_bf16(float f) {
  const uint32_t x = llmrt_bits_of(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) {
    return llmrt_bf16{static_cast<uint16_t>((x >> 16) | 0x40u)};
  }
  const uint32_t rounded = x + 0x7fffu + ((x >> 16) & 1u);  // may carry into the exponent
  return llmrt_bf16{static_cast<uint16_t>(rounded >> 16)};
}

// ---- quant.cpp --------------------------------------------------------------------------------
// Each function converts one row of k values (k a multiple of the block size) between float32 and
// k / block_size blocks. The q8_0, q4_0 and q4_1 quantizers produce exactly the bytes of
// gguf-py's gguf.quants.quantize (ggml's reference quantizers); q4_K and q6_K use a simpler scale
// choice than llama.cpp (see quant.cpp). Every dequantizer gives exactly the float32 values of
// gguf.quants.dequantize (ggml's dequantize_row_*), whatever the compiler's FMA contraction: each
// product in them is exact or stands alone. Block pointers must be 2-byte aligned (q8_K: 4), as
// every row of a tensor stored at an aligned offset (blob: 64, GGUF: 32) is.

void llmrt_quantize_row_q8_0(const float* x /* (k) */, int64_t k, void* out /* (k/32) q8_0 */);
void llmrt_quantize_row_q4_0(const float* x /* (k) */, int64_t k, void* out /* (k/32) q4_0 */);
void llmrt_quantize_row_q4_1(const float* x /* (k) */, int64_t k, void* out /* (k/32) q4_1 */);
void llmrt_quantize_row_q4_k(const float* x /* (k) */, int64_t k, void* out /* (k/256) q4_K */);
void llmrt_quantize_row_q6_k(const float* x /* (k) */, int64_t k, void* out /* (k/256) q6_K */);

void llmrt_dequantize_row_q8_0(const void* blocks /* (k/32) */, int64_t k, float* out /* (k) */);
void llmrt_dequantize_row_q4_0(const void* blocks /* (k/32) */, int64_t k, float* out /* (k) */);
void llmrt_dequantize_row_q4_1(const void* blocks /* (k/32) */, int64_t k, float* out /* (k) */);
void llmrt_dequantize_row_q4_k(const void* blocks /* (k/256) */, int64_t k, float* out /* (k) */);
void llmrt_dequantize_row_q6_k(const void* blocks /* (k/256) */, int64_t k, float* out /* (k) */);

/// Activation quantizers, as ggml's quantize_row_q8_1_ref / quantize_row_q8_K_ref (q8_0 above).
void llmrt_quantize_row_q8_1(const float* x /* (k) */, int64_t k, void* out /* (k/32) q8_1 */);
void llmrt_quantize_row_q8_k(const float* x /* (k) */, int64_t k, void* out /* (k/256) q8_K */);
void llmrt_dequantize_row_q8_1(const void* blocks /* (k/32) */, int64_t k, float* out /* (k) */);
void llmrt_dequantize_row_q8_k(const void* blocks /* (k/256) */, int64_t k, float* out /* (k) */);

/// The scheme's quantizer / dequantizer (for callers that hold a scheme value).
void llmrt_quantize_row(llmrt_quant_scheme scheme, const float* x /* (k) */, int64_t k,
                        void* out /* llmrt_quant_row_bytes(scheme, k) bytes */);
void llmrt_dequantize_row(llmrt_quant_scheme scheme, const void* blocks, int64_t k,
                          float* out /* (k) */);

LLMRT_NAMESPACE_END

#endif  // LLMC_RUNTIME_QUANT_FORMAT_H
