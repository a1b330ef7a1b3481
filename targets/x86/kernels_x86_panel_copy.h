// kernels_x86_panel_copy.h - the copies into the prompt panels (kernels_x86_tiling.h) in AVX2
// registers: transposes of 32-bit words (rows of weight quants in, 4-byte columns of 8 rows out)
// and the unpacking of q6_K quants to bytes; an activation block's scale and the sum of its
// quants (the panels' PanelX). Included by kernels_x86_avx2_panels.h and
// kernels_x86_avx512_panels.h (AVX-512 has AVX2 too).
#ifndef LLMC_TARGETS_X86_KERNELS_X86_PANEL_COPY_H
#define LLMC_TARGETS_X86_KERNELS_X86_PANEL_COPY_H

#include "runtime/quant_format.h"

#include <immintrin.h>

namespace {

/// An activation block's scale as a float (F16C for q8_0's fp16: the portable conversion's
/// branches cost as much as the quant sum).
inline float activation_scale(const llmrt_block_q8_0& x) { return _cvtsh_ss(x.d); }
inline float activation_scale(const llmrt_block_q8_K& x) { return x.d; }

/// The sum of a q8_0 block's 32 quants: moved to u8 (xor 0x80) and added by vpsadbw. The plain
/// loop compiled to 32 scalar loads and adds, run for every block of every part of a linear.
inline int32_t q8_0_quant_sum(const llmrt_block_q8_0& x) {
  const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs));
  const __m256i u = _mm256_xor_si256(q, _mm256_set1_epi8(static_cast<char>(0x80)));
  const __m256i sums = _mm256_sad_epu8(u, _mm256_setzero_si256());  // 4 x u64
  __m128i s = _mm_add_epi64(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
  s = _mm_add_epi64(s, _mm_unpackhi_epi64(s, s));
  return _mm_cvtsi128_si32(s) - 32 * 128;
}

/// a[i] holds 8 words of row i; afterwards a[j] holds word j of rows 0..7.
inline void transpose_words_8x8(__m256i a[8]) {
  __m256i t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(a[i], a[i + 1]);      // words 0, 1 | 4, 5 of rows i, i + 1
    t[i + 1] = _mm256_unpackhi_epi32(a[i], a[i + 1]);  // words 2, 3 | 6, 7
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);          // word 0 | 4 of rows i..i + 3
    u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);      // word 1 | 5
    u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);  // word 2 | 6
    u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);  // word 3 | 7
  }
  for (int j = 0; j < 4; ++j) {
    a[j] = _mm256_permute2x128_si256(u[j], u[j + 4], 0x20);
    a[j + 4] = _mm256_permute2x128_si256(u[j], u[j + 4], 0x31);
  }
}

/// The 4 words at row[i] for rows 0..7 (16 bytes each): afterwards a[j] holds word j of rows
/// 0..7.
inline void transpose_words_8x4(const void* const row[8], __m256i a[4]) {
  for (int i = 0; i < 4; ++i) {  // row i in the low half, row i + 4 in the high half
    a[i] = _mm256_set_m128i(_mm_loadu_si128(static_cast<const __m128i*>(row[i + 4])),
                            _mm_loadu_si128(static_cast<const __m128i*>(row[i])));
  }
  const __m256i t0 = _mm256_unpacklo_epi32(a[0], a[1]), t1 = _mm256_unpackhi_epi32(a[0], a[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(a[2], a[3]), t3 = _mm256_unpackhi_epi32(a[2], a[3]);
  a[0] = _mm256_unpacklo_epi64(t0, t2);
  a[1] = _mm256_unpackhi_epi64(t0, t2);
  a[2] = _mm256_unpacklo_epi64(t1, t3);
  a[3] = _mm256_unpackhi_epi64(t1, t3);
}

/// The f16 values h[0..7] as 8 floats.
inline __m256 fp16_x8_gather(const unsigned short h[8]) {
  return _mm256_cvtph_ps(_mm_setr_epi16(
      static_cast<short>(h[0]), static_cast<short>(h[1]), static_cast<short>(h[2]),
      static_cast<short>(h[3]), static_cast<short>(h[4]), static_cast<short>(h[5]),
      static_cast<short>(h[6]), static_cast<short>(h[7])));
}

/// The 256 6-bit quants of a q6_K block as u8 0..63 (not minus 32), in weight order (see
/// llmrt_q6_k_quants): q[p] holds weights 32p..32p+31.
inline void q6_k_quants_u8(const llmrt_block_q6_K* block, __m256i q[8]) {
  const __m256i low4 = _mm256_set1_epi8(0x0f), low2 = _mm256_set1_epi8(3);
  for (int g = 0; g < 2; ++g) {
    const __m256i* ql = reinterpret_cast<const __m256i*>(block->ql + 64 * g);
    const __m256i l0 = _mm256_loadu_si256(ql), l1 = _mm256_loadu_si256(ql + 1);
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block->qh + 32 * g));
    // Shifts of 16-bit lanes: each byte's bits are masked before they could cross into the other.
    auto high = [&](int shift) {
      return _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, shift), low2), 4);
    };
    q[4 * g] = _mm256_or_si256(_mm256_and_si256(l0, low4), high(0));
    q[4 * g + 1] = _mm256_or_si256(_mm256_and_si256(l1, low4), high(2));
    q[4 * g + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low4), high(4));
    q[4 * g + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low4), high(6));
  }
}

/// The q6_K sub-block scales of 8 rows' blocks at[0..7] as panel lanes: pairs[i] lane r holds
/// row r's scales 2i (low s16 half) and 2i + 1 (high half), sc[j] lane r row r's scale j in both
/// halves (for madd with a pair of s16 sums).
inline void q6_k_scales_x8(const llmrt_block_q6_K* const at[8], __m256i sc[16],
                           __m256i pairs[8]) {
  for (int r = 0; r < 8; ++r) {  // row r's 16 scales as s16: 8 words, pair i in word i
    const __m128i scales = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at[r]->scales));
    pairs[r] = _mm256_cvtepi8_epi16(scales);
  }
  transpose_words_8x8(pairs);
  const __m256i low = _mm256_setr_epi8(0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13, 0, 1, 0,
                                       1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13);
  const __m256i high = _mm256_add_epi8(low, _mm256_set1_epi8(2));
  for (int i = 0; i < 8; ++i) {
    sc[2 * i] = _mm256_shuffle_epi8(pairs[i], low);
    sc[2 * i + 1] = _mm256_shuffle_epi8(pairs[i], high);
  }
}

}  // namespace

#endif  // LLMC_TARGETS_X86_KERNELS_X86_PANEL_COPY_H
