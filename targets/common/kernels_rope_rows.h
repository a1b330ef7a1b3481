// kernels_rope_rows.h - RoPE's walk (LLMK_ROPE_SIGNATURE in kernels_abi.h), shared by the generic
// kernel (kernels_generic.cpp, with rope_turn_pairs) and the ARM targets' (kernels_arm_ops.h,
// with 4 pairs a step): every head of a row turns by the same angles, so their cos and sin (most
// of the work when the turn is vectorised) are computed once per row and pair, for the pairs a
// chunk at a time, and the chunk's turn is then applied to every head.
//
// Plain C++17. Everything sits in an unnamed namespace, as the code of the files that include
// it: each gets its own copy compiled for its own instruction sets.
#ifndef LLMC_TARGETS_COMMON_KERNELS_ROPE_ROWS_H
#define LLMC_TARGETS_COMMON_KERNELS_ROPE_ROWS_H

#include <cmath>
#include <cstddef>

namespace {

/// Turns the pairs (j, j + half) of one head for j in [begin, end) by the angles whose cos and
/// sin are cos_of[j], sin_of[j]: out may alias x.
inline void rope_turn_pairs(const float* x, float* out, const float* cos_of, const float* sin_of,
                            int begin, int end, int half) {
  for (int j = begin; j < end; ++j) {
    const float a = x[j];
    const float b = x[j + half];
    out[j] = a * cos_of[j] - b * sin_of[j];
    out[j + half] = b * cos_of[j] + a * sin_of[j];
  }
}

/// The rotary embedding of n rows (LLMK_ROPE_SIGNATURE), with turn(x, out, cos_of, sin_of,
/// count, half) turning the pairs [0, count) of one head as rope_turn_pairs does.
template <typename Turn>
void rope_rows(const float* x /* (n, n_heads * head_dim) */, int n, int n_heads, int head_dim,
               int pos0, const float* inv_freq /* (head_dim / 2) */,
               float* out /* (n, n_heads * head_dim) */, Turn turn) {
  const int half = head_dim / 2;
  const size_t row_size = static_cast<size_t>(n_heads) * head_dim;
  const int kChunk = 64;
  float cos_of[kChunk], sin_of[kChunk];
  for (int r = 0; r < n; ++r) {
    const float pos = static_cast<float>(pos0 + r);
    for (int i0 = 0; i0 < half; i0 += kChunk) {
      const int count = half - i0 < kChunk ? half - i0 : kChunk;
      for (int j = 0; j < count; ++j) {
        const float angle = pos * inv_freq[i0 + j];  // float32, as transformers computes it
        cos_of[j] = std::cos(angle);
        sin_of[j] = std::sin(angle);
      }
      for (int h = 0; h < n_heads; ++h) {
        const size_t at = r * row_size + static_cast<size_t>(h) * head_dim + i0;
        turn(x + at, out + at, cos_of, sin_of, count, half);
      }
    }
  }
}

}  // namespace

#endif  // LLMC_TARGETS_COMMON_KERNELS_ROPE_ROWS_H
