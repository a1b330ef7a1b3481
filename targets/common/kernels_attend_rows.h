// kernels_attend_rows.h - attention's walk over the KV cache, shared by the targets whose
// attend kernels vectorise it (x86: kernels_x86_avx2.cpp, kernels_x86_avx512.cpp; ARM:
// kernels_arm_ops.h): attend_rows<A>, llmk_generic_attend_f32's result for a range of query
// heads, with A's vector code over one block of nb positions of one head:
//
//   A   scores(q, k, stride, nb, head_dim, scale, s) sets s[t] = (q . k_t) * scale, k_t = k +
//       t * stride, and returns the largest; exp(p, nb, m) sets p[t] = e^(p[t] - m) and returns
//       their sum; values(p, v, stride, nb, head_dim, first, alpha, o) sets o = sum_t p[t] v_t
//       (first block) or o * alpha + sum_t p[t] v_t; scale_out(o, head_dim, c): o *= c;
//       exp1(x): e^x for one x, as exp computes it.
//
// attend_rows walks the positions 0 .. pos0+i of a row in blocks of a few dozen and keeps an
// online softmax per query head (the running maximum m and sum l of e^(s - m), the output row
// rescaled by e^(m_old - m_new) when the maximum grows), so that it needs no scratch beyond a
// block of scores on the stack. For each block, the query heads in the range that share a KV
// head take their turns over the same key and value rows, which the first head brings into L1:
// with grouped-query attention the cache is read from memory once per KV head, not once per
// query head.
//
// Plain C++17. Everything sits in an unnamed namespace, as the code of the files that include
// it: each gets its own copy compiled for its own instruction sets.
#ifndef LLMC_TARGETS_COMMON_KERNELS_ATTEND_ROWS_H
#define LLMC_TARGETS_COMMON_KERNELS_ATTEND_ROWS_H

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace {

const int kAttendMaxBlock = 64;  // positions per block, a multiple of 8
const int kAttendMaxHeads = 16;  // query heads of one KV head handled together

/// Positions per block: a block of keys and of values about 8 KiB each.
inline int attend_block(int head_dim) {
  const int b = (2048 / head_dim) & ~7;
  return b < 8 ? 8 : b > kAttendMaxBlock ? kAttendMaxBlock : b;
}

/// llmk_generic_attend_f32 for query heads [head_begin, head_end), with A's vector code.
template <class A>
void attend_rows(const float* q, int n, int pos0, int n_heads, int n_kv_heads, int head_dim,
                 const float* key_cache, const float* value_cache, int head_begin, int head_end,
                 float* out) {
  const size_t q_dim = static_cast<size_t>(n_heads) * head_dim;
  const size_t kv_dim = static_cast<size_t>(n_kv_heads) * head_dim;
  const int group = n_heads / n_kv_heads;  // query heads per KV head
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim)));
  const int block = attend_block(head_dim);
  float s[kAttendMaxHeads][kAttendMaxBlock];  // per head: a block's scores, then weights
  float block_max[kAttendMaxHeads], alpha[kAttendMaxHeads];
  float m[kAttendMaxHeads], l[kAttendMaxHeads];  // per head: running maximum and sum

  // Query heads [h0, h1): consecutive heads of the range that share KV head g.
  for (int h0 = head_begin; h0 < head_end;) {
    const int g = h0 / group;
    const int h1 = std::min(std::min((g + 1) * group, head_end), h0 + kAttendMaxHeads);
    const float* kg = key_cache + static_cast<size_t>(g) * head_dim;
    const float* vg = value_cache + static_cast<size_t>(g) * head_dim;
    for (int i = 0; i < n; ++i) {
      const int n_pos = pos0 + i + 1;
      const float* qi = q + i * q_dim;
      float* oi = out + i * q_dim;
      for (int t0 = 0; t0 < n_pos; t0 += block) {
        const int nb = std::min(block, n_pos - t0);
        const bool first = t0 == 0;
        const float* kb = kg + t0 * kv_dim;
        const float* vb = vg + t0 * kv_dim;
        // Three passes over the heads, each independent work per head (so that one head's
        // latencies overlap another's work): scores, the softmax update, the weighted values.
        for (int u = 0; u < h1 - h0; ++u) {
          const float* qh = qi + static_cast<size_t>(h0 + u) * head_dim;
          block_max[u] = A::scores(qh, kb, kv_dim, nb, head_dim, scale, s[u]);
        }
        for (int u = 0; u < h1 - h0; ++u) {
          const float m_new = first || block_max[u] > m[u] ? block_max[u] : m[u];
          alpha[u] = first ? 0.0f : A::exp1(m[u] - m_new);
          const float sum = A::exp(s[u], nb, m_new);
          l[u] = first ? sum : l[u] * alpha[u] + sum;
          m[u] = m_new;
        }
        for (int u = 0; u < h1 - h0; ++u) {
          A::values(s[u], vb, kv_dim, nb, head_dim, first, alpha[u],
                    oi + static_cast<size_t>(h0 + u) * head_dim);
        }
      }
      for (int h = h0; h < h1; ++h) {
        A::scale_out(oi + static_cast<size_t>(h) * head_dim, head_dim, 1.0f / l[h - h0]);
      }
    }
    h0 = h1;
  }
}

}  // namespace

#endif  // LLMC_TARGETS_COMMON_KERNELS_ATTEND_ROWS_H
