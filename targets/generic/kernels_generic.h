// kernels_generic.h - portable float32 kernels of the `generic` target.
//
// The emitter copies this header and kernels_generic.cpp into out/; the generated model.cpp calls
// these functions with the model's shapes as constants. They are also the reference twins that
// every target's microkernels are tested against, so they favour clarity over speed: plain loops
// in the order a reader expects. Long reductions (dot products, sums of squares, softmax sums)
// accumulate in double, so the result is close to exact whatever order a faster kernel uses;
// elementwise steps follow Hugging Face's float32 arithmetic (e.g. rope angles are float32).
//
// Shapes in comments are (rows, columns), row-major. `n` is the number of tokens in the batch.
// Outputs never alias inputs unless a comment says so.
#ifndef LLMC_TARGETS_GENERIC_KERNELS_GENERIC_H
#define LLMC_TARGETS_GENERIC_KERNELS_GENERIC_H

#include <cstdint>

/// out[i, :] = table[tokens[i], :]
void llmk_embed_f32(const float* table /* (vocab, dim) */, const int32_t* tokens /* (n) */, int n,
                    int dim, float* out /* (n, dim) */);

/// out[i, :] = x[i, :] / sqrt(mean(x[i, :]^2) + eps) * weight
void llmk_rms_norm_f32(const float* x /* (n, dim) */, const float* weight /* (dim) */, int n,
                       int dim, float eps, float* out /* (n, dim) */);

/// y = x * w^T (+ bias): the PyTorch nn.Linear convention, w stored (out_features, in_features).
void llmk_linear_f32(const float* x /* (n, k) */, const float* w /* (m, k) */,
                     const float* bias /* (m) or nullptr */, int n, int k, int m,
                     float* y /* (n, m) */);

/// Rotary embedding in the Hugging Face "rotate half" layout: within each head, element i pairs
/// with element i + head_dim/2 and turns by angle (pos0 + row) * inv_freq[i]. out may alias x.
void llmk_rope_f32(const float* x /* (n, n_heads * head_dim) */, int n, int n_heads, int head_dim,
                   int pos0, const float* inv_freq /* (head_dim / 2) */,
                   float* out /* (n, n_heads * head_dim) */);

/// Causal grouped-query attention over a KV cache. First stores k and v rows at positions
/// pos0 .. pos0+n-1 of this layer's cache, then for each token row i attends over positions
/// 0 .. pos0+i with scale 1/sqrt(head_dim); query head h reads KV head h / (n_heads / n_kv_heads).
void llmk_attention_f32(const float* q /* (n, n_heads * head_dim) */,
                        const float* k /* (n, n_kv_heads * head_dim) */,
                        const float* v /* (n, n_kv_heads * head_dim) */, int n, int pos0,
                        int n_heads, int n_kv_heads, int head_dim,
                        float* key_cache /* (context, n_kv_heads * head_dim) */,
                        float* value_cache /* (context, n_kv_heads * head_dim) */,
                        float* scores /* (context) scratch */,
                        float* out /* (n, n_heads * head_dim) */);

/// out = silu(gate) * up, elementwise, silu(x) = x / (1 + exp(-x)).
void llmk_swiglu_f32(const float* gate /* (count) */, const float* up /* (count) */, int count,
                     float* out /* (count) */);

/// out = a + b, elementwise. out may alias a or b.
void llmk_add_f32(const float* a /* (count) */, const float* b /* (count) */, int count,
                  float* out /* (count) */);

#endif  // LLMC_TARGETS_GENERIC_KERNELS_GENERIC_H
