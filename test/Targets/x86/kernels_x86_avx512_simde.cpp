// kernels_x86_avx512_simde.cpp - kernels_x86_avx512.cpp built on SIMDe's portable AVX-512
// (libsimde-dev), so that its logic is tested on machines without AVX-512: the test executables
// that link this file run the same tests as the native one, once with the VNNI path
// (LLMC_X86_EMULATE_VNNI) and once with the vpmaddubsw one. Build it WITHOUT -mavx512*.
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

#include <cmath>
#include <cstdint>

#include "runtime/quant_format.h"  // llmrt_fp16_to_fp32 for the cvtph_ps shim

// SIMDe 0.7.4 lacks a few AVX-512F intrinsics the kernels use; these follow the instructions'
// definitions (cvtepu16_epi32: zero-extended; cvtps_epi32: round to nearest even, out of range
// or NaN -> INT32_MIN; masked loads and stores touch no masked-off element).
namespace llmc_simde_shims {

inline simde__m512 cvtepi32_ps(simde__m512i a) {
  simde__m512i_private a_ = simde__m512i_to_private(a);
  simde__m512_private r;
  for (int i = 0; i < 16; ++i) r.f32[i] = static_cast<simde_float32>(a_.i32[i]);
  return simde__m512_from_private(r);
}

inline simde__m512i cvtps_epi32(simde__m512 a) {
  simde__m512_private a_ = simde__m512_to_private(a);
  simde__m512i_private r;
  for (int i = 0; i < 16; ++i) {
    const float v = std::nearbyint(a_.f32[i]);
    r.i32[i] = (v >= -2147483648.0f && v < 2147483648.0f) ? static_cast<int32_t>(v) : INT32_MIN;
  }
  return simde__m512i_from_private(r);
}

inline simde__m512i srai_epi32(simde__m512i a, int imm) {
  simde__m512i_private a_ = simde__m512i_to_private(a);
  simde__m512i_private r;
  for (int i = 0; i < 16; ++i) r.i32[i] = a_.i32[i] >> (imm > 31 ? 31 : imm);
  return simde__m512i_from_private(r);
}

/// vrndscaleps with scale 0 (the kernels' only use): imm bits 0-1 the rounding mode unless bit 2
/// says the current one (to nearest).
inline simde__m512 roundscale_ps(simde__m512 a, int imm) {
  simde__m512_private a_ = simde__m512_to_private(a);
  simde__m512_private r;
  for (int i = 0; i < 16; ++i) {
    const float v = a_.f32[i];
    switch ((imm & 4) != 0 ? 0 : imm & 3) {
      case 0: r.f32[i] = std::nearbyint(v); break;
      case 1: r.f32[i] = std::floor(v); break;
      case 2: r.f32[i] = std::ceil(v); break;
      default: r.f32[i] = std::trunc(v); break;
    }
  }
  return simde__m512_from_private(r);
}

inline simde__m512i cvtepu16_epi32(simde__m256i a) {
  simde__m256i_private a_ = simde__m256i_to_private(a);
  simde__m512i_private r;
  for (int i = 0; i < 16; ++i) r.i32[i] = a_.u16[i];
  return simde__m512i_from_private(r);
}

inline simde__m512d cvtps_pd(simde__m256 a) {
  simde__m256_private a_ = simde__m256_to_private(a);
  simde__m512d_private r;
  for (int i = 0; i < 8; ++i) r.f64[i] = static_cast<simde_float64>(a_.f32[i]);
  return simde__m512d_from_private(r);
}

inline simde__m512 maskz_loadu_ps(simde__mmask16 k, const void* p) {
  simde__m512_private r;
  for (int i = 0; i < 16; ++i) r.f32[i] = (k >> i) & 1 ? static_cast<const float*>(p)[i] : 0.0f;
  return simde__m512_from_private(r);
}

inline simde__m512 cvtph_ps(simde__m256i a) {
  simde__m256i_private a_ = simde__m256i_to_private(a);
  simde__m512_private r;
  for (int i = 0; i < 16; ++i) r.f32[i] = llmrt_fp16_to_fp32(static_cast<llmrt_fp16>(a_.u16[i]));
  return simde__m512_from_private(r);
}

inline void mask_storeu_ps(void* p, simde__mmask16 k, simde__m512 a) {
  simde__m512_private a_ = simde__m512_to_private(a);
  for (int i = 0; i < 16; ++i) {
    if ((k >> i) & 1) static_cast<float*>(p)[i] = a_.f32[i];
  }
}

}  // namespace llmc_simde_shims

// (#undef first: at -O0 GCC's headers define some intrinsics as macros.)
#undef _mm512_cvtepi32_ps
#define _mm512_cvtepi32_ps(a) llmc_simde_shims::cvtepi32_ps(a)
#undef _mm512_cvtps_epi32
#define _mm512_cvtps_epi32(a) llmc_simde_shims::cvtps_epi32(a)
#undef _mm512_srai_epi32
#define _mm512_srai_epi32(a, imm) llmc_simde_shims::srai_epi32(a, imm)
#undef _mm512_roundscale_ps
#define _mm512_roundscale_ps(a, imm) llmc_simde_shims::roundscale_ps(a, imm)
#undef _mm512_cvtepu16_epi32
#define _mm512_cvtepu16_epi32(a) llmc_simde_shims::cvtepu16_epi32(a)
#undef _mm512_cvtps_pd
#define _mm512_cvtps_pd(a) llmc_simde_shims::cvtps_pd(a)
#undef _mm512_maskz_loadu_ps
#define _mm512_maskz_loadu_ps(k, p) llmc_simde_shims::maskz_loadu_ps(k, p)
#undef _mm512_cvtph_ps
#define _mm512_cvtph_ps(a) llmc_simde_shims::cvtph_ps(a)
#undef _mm512_mask_storeu_ps
#define _mm512_mask_storeu_ps(p, k, a) llmc_simde_shims::mask_storeu_ps(p, k, a)
// SIMDe 0.7.4 spells this alias with the masked form's four arguments.
#undef _mm512_madd_epi16
#define _mm512_madd_epi16(a, b) simde_mm512_madd_epi16(a, b)
// SIMDe has these but no native alias for them.
#undef _mm512_shuffle_f32x4
#define _mm512_shuffle_f32x4(a, b, imm) simde_mm512_shuffle_f32x4(a, b, imm)
#undef _mm512_shuffle_f64x2
#define _mm512_shuffle_f64x2(a, b, imm) simde_mm512_shuffle_f64x2(a, b, imm)

#ifdef LLMC_X86_EMULATE_VNNI
#define __AVX512VNNI__ 1  // the kernels' VNNI path, on SIMDe's _mm512_dpbusd_epi32
#endif

#include "targets/x86/kernels_x86_avx512.cpp"
