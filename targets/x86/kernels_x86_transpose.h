// kernels_x86_transpose.h - transposes of 32-bit words in AVX2 registers, for the prompt panels
// (kernels_x86_tiling.h): rows of weight quants in, 4-byte columns of 8 rows out. Included by
// kernels_x86_avx2_panels.h and kernels_x86_avx512_panels.h (AVX-512 has AVX2 too).
#ifndef LLMC_TARGETS_X86_KERNELS_X86_TRANSPOSE_H
#define LLMC_TARGETS_X86_KERNELS_X86_TRANSPOSE_H

#include <immintrin.h>

namespace {

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

}  // namespace

#endif  // LLMC_TARGETS_X86_KERNELS_X86_TRANSPOSE_H
