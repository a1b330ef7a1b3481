// kernels_generic.cpp - portable float32 kernels (weights stored as float32, binary16 or
// bfloat16); the reference twins of every target's kernels.
// Semantics follow Hugging Face's LlamaModel in float32 (see kernels_generic.h).
#include "kernels_generic.h"  // beside this file, here and in out/
#include "kernels_rope_rows.h"  // targets/common

#include <cmath>
#include <cstring>

#include "runtime/quant_format.h"  // llmrt_fp16_to_fp32, llmrt_bf16_to_fp32

LLMRT_NAMESPACE_BEGIN

namespace {

// Float weights stored as float32, binary16 or bfloat16 (widened exactly as they are read, so an
// f16 or bf16 kernel gives bit for bit what the f32 one gives on the widened weights).
inline float widen(float w) { return w; }
inline float widen(llmrt_fp16 w) { return llmrt_fp16_to_fp32(w); }
inline float widen(llmrt_bf16 w) { return llmrt_bf16_to_fp32(w); }

template <typename W>
void embed_float(const W* table /* (vocab, dim) */, const int32_t* tokens /* (n) */, int n, int dim,
                 float* out /* (n, dim) */) {
  for (int i = 0; i < n; ++i) {
    const W* row = table + static_cast<size_t>(tokens[i]) * dim;
    float* oi = out + static_cast<size_t>(i) * dim;
    for (int j = 0; j < dim; ++j) oi[j] = widen(row[j]);
  }
}

template <typename W>
void linear_float_rows(const float* x /* (n, k) */, const W* w /* (m, k) */,
                       const float* bias /* (m) or nullptr */, int n, int k, int m, int row_begin,
                       int row_end, float* y /* (n, m) */) {
  // Output feature outermost: each weight row is read once and used for every token.
  for (int o = row_begin; o < row_end; ++o) {
    const W* wo = w + static_cast<size_t>(o) * k;
    for (int i = 0; i < n; ++i) {
      const float* xi = x + static_cast<size_t>(i) * k;
      double acc = 0.0;
      for (int j = 0; j < k; ++j) acc += static_cast<double>(xi[j]) * widen(wo[j]);
      if (bias != nullptr) acc += bias[o];
      y[static_cast<size_t>(i) * m + o] = static_cast<float>(acc);
    }
  }
}

}  // namespace

void llmk_generic_rms_norm_f32(const float* x /* (n, dim) */, const float* weight /* (dim) */,
                               int n, int dim, float eps, float* out /* (n, dim) */) {
  for (int i = 0; i < n; ++i) {
    const float* xi = x + static_cast<size_t>(i) * dim;
    float* oi = out + static_cast<size_t>(i) * dim;
    double sum_sq = 0.0;
    for (int j = 0; j < dim; ++j) sum_sq += static_cast<double>(xi[j]) * xi[j];
    float inv_rms = static_cast<float>(1.0 / std::sqrt(sum_sq / dim + eps));
    for (int j = 0; j < dim; ++j) oi[j] = weight[j] * (xi[j] * inv_rms);
  }
}

void llmk_generic_rope_f32(const float* x /* (n, n_heads * head_dim) */, int n, int n_heads,
                           int head_dim, int pos0, const float* inv_freq /* (head_dim / 2) */,
                           float* out /* (n, n_heads * head_dim) */) {
  rope_rows(x, n, n_heads, head_dim, pos0, inv_freq, out,
            [](const float* xh, float* oh, const float* cos_of, const float* sin_of, int count,
               int half) { rope_turn_pairs(xh, oh, cos_of, sin_of, 0, count, half); });
}

void llmk_generic_kv_store_f32(const float* k /* (n, kv_dim) */, const float* v /* (n, kv_dim) */,
                               int n, int pos0, int kv_dim,
                               float* key_cache /* (context, kv_dim) */,
                               float* value_cache /* (context, kv_dim) */) {
  const size_t row = static_cast<size_t>(kv_dim);
  for (int i = 0; i < n; ++i) {
    const size_t at = static_cast<size_t>(pos0 + i) * row;
    std::memcpy(key_cache + at, k + i * row, sizeof(float) * row);
    std::memcpy(value_cache + at, v + i * row, sizeof(float) * row);
  }
}

void llmk_generic_attend_f32(const float* q /* (n, n_heads * head_dim) */, int n, int pos0,
                             int n_heads, int n_kv_heads, int head_dim,
                             const float* key_cache /* (context, n_kv_heads * head_dim) */,
                             const float* value_cache /* (context, n_kv_heads * head_dim) */,
                             int head_begin, int head_end, float* scores /* (pos0 + n) scratch */,
                             float* out /* (n, n_heads * head_dim) */) {
  const size_t q_dim = static_cast<size_t>(n_heads) * head_dim;
  const size_t kv_dim = static_cast<size_t>(n_kv_heads) * head_dim;
  const int group = n_heads / n_kv_heads;  // query heads per KV head
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim)));

  // Token i (at position pos0 + i) attends to positions 0 .. pos0 + i.
  for (int i = 0; i < n; ++i) {
    const int n_pos = pos0 + i + 1;
    for (int h = head_begin; h < head_end; ++h) {
      const float* qh = q + i * q_dim + static_cast<size_t>(h) * head_dim;
      const size_t kv_off = static_cast<size_t>(h / group) * head_dim;
      float* oh = out + i * q_dim + static_cast<size_t>(h) * head_dim;

      // scores[t] = (q . k_t) * scale
      float max_score = -INFINITY;
      for (int t = 0; t < n_pos; ++t) {
        const float* kt = key_cache + t * kv_dim + kv_off;
        double dot = 0.0;
        for (int j = 0; j < head_dim; ++j) dot += static_cast<double>(qh[j]) * kt[j];
        scores[t] = static_cast<float>(dot) * scale;
        if (scores[t] > max_score) max_score = scores[t];
      }
      // softmax, stable: subtract the maximum before exp
      double sum = 0.0;
      for (int t = 0; t < n_pos; ++t) {
        scores[t] = std::exp(scores[t] - max_score);
        sum += scores[t];
      }
      for (int t = 0; t < n_pos; ++t) scores[t] = static_cast<float>(scores[t] / sum);
      // out = sum_t scores[t] * v_t
      for (int j = 0; j < head_dim; ++j) {
        double acc = 0.0;
        for (int t = 0; t < n_pos; ++t) {
          acc += static_cast<double>(scores[t]) * value_cache[t * kv_dim + kv_off + j];
        }
        oh[j] = static_cast<float>(acc);
      }
    }
  }
}

void llmk_generic_attention_f32(const float* q /* (n, n_heads * head_dim) */,
                                const float* k /* (n, n_kv_heads * head_dim) */,
                                const float* v /* (n, n_kv_heads * head_dim) */, int n, int pos0,
                                int n_heads, int n_kv_heads, int head_dim,
                                float* key_cache /* (context, n_kv_heads * head_dim) */,
                                float* value_cache /* (context, n_kv_heads * head_dim) */,
                                float* scores /* (context) scratch */,
                                float* out /* (n, n_heads * head_dim) */) {
  // 1. The new keys and values go to their positions in the cache.
  llmk_generic_kv_store_f32(k, v, n, pos0, n_kv_heads * head_dim, key_cache, value_cache);
  // 2. Every query head attends over the cache.
  llmk_generic_attend_f32(q, n, pos0, n_heads, n_kv_heads, head_dim, key_cache, value_cache, 0,
                          n_heads, scores, out);
}

void llmk_generic_swiglu_f32(const float* gate /* (count) */, const float* up /* (count) */,
                             int count, float* out /* (count) */) {
  for (int i = 0; i < count; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void llmk_generic_add_f32(const float* a /* (count) */, const float* b /* (count) */, int count,
                          float* out /* (count) */) {
  for (int i = 0; i < count; ++i) out[i] = a[i] + b[i];
}

// ---- the table's float linears and embeddings (kernels_generic.def) --------------------------

#define LLMK_LINEAR_FLOAT(isa, storage, T)                                                \
  LLMK_LINEAR_FLOAT_SIGNATURE(isa, storage) {                                             \
    linear_float_rows(x, static_cast<const T*>(w), bias, n, k, m, row_begin, row_end, y); \
  }
#define LLMK_EMBED_FLOAT(isa, storage, T)                           \
  LLMK_EMBED_SIGNATURE(isa, storage) {                              \
    embed_float(static_cast<const T*>(table), tokens, n, dim, out); \
  }
#include "kernels_abi_defaults.h"
#include "kernels_generic.def"
#include "kernels_abi_undef.h"

LLMRT_NAMESPACE_END
