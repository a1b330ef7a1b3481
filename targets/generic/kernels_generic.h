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

#include <cstddef>
#include <cstdint>

/// out[i, :] = table[tokens[i], :]
void llmk_embed_f32(const float* table /* (vocab, dim) */, const int32_t* tokens /* (n) */, int n,
                    int dim, float* out /* (n, dim) */);
/// As llmk_embed_f32 for a binary16 table, each value widened exactly.
void llmk_embed_f16(const void* table /* (vocab, dim) f16 */, const int32_t* tokens /* (n) */,
                    int n, int dim, float* out /* (n, dim) */);
/// As llmk_embed_f32 for a bfloat16 table, each value widened exactly.
void llmk_embed_bf16(const void* table /* (vocab, dim) bf16 */, const int32_t* tokens /* (n) */,
                     int n, int dim, float* out /* (n, dim) */);

/// out[i, :] = x[i, :] / sqrt(mean(x[i, :]^2) + eps) * weight
void llmk_rms_norm_f32(const float* x /* (n, dim) */, const float* weight /* (dim) */, int n,
                       int dim, float eps, float* out /* (n, dim) */);

/// y = x * w^T (+ bias): the PyTorch nn.Linear convention, w stored (out_features, in_features).
void llmk_linear_f32(const float* x /* (n, k) */, const float* w /* (m, k) */,
                     const float* bias /* (m) or nullptr */, int n, int k, int m,
                     float* y /* (n, m) */);

/// y = x * w^T (+ bias), w (m, k) in IEEE binary16 (f16 storage: half the bytes of f32, each
/// weight widened exactly); the same sums as llmk_linear_f32 on the widened weights.
void llmk_linear_f16(const float* x /* (n, k) */, const void* w /* (m, k) f16 */,
                     const float* bias /* (m) or nullptr */, int n, int k, int m,
                     float* y /* (n, m) */);

/// y = x * w^T (+ bias), w (m, k) in bfloat16 (bf16 storage, as Hugging Face checkpoints
/// usually are: half the bytes of f32, each weight widened exactly); the same sums as
/// llmk_linear_f32 on the widened weights.
void llmk_linear_bf16(const float* x /* (n, k) */, const void* w /* (m, k) bf16 */,
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
/// The same as llmk_kv_store_f32 followed by llmk_attend_f32 over heads [0, n_heads).
void llmk_attention_f32(const float* q /* (n, n_heads * head_dim) */,
                        const float* k /* (n, n_kv_heads * head_dim) */,
                        const float* v /* (n, n_kv_heads * head_dim) */, int n, int pos0,
                        int n_heads, int n_kv_heads, int head_dim,
                        float* key_cache /* (context, n_kv_heads * head_dim) */,
                        float* value_cache /* (context, n_kv_heads * head_dim) */,
                        float* scores /* (context) scratch */,
                        float* out /* (n, n_heads * head_dim) */);

/// Copies k and v rows to positions pos0 .. pos0+n-1 of the layer's cache.
void llmk_kv_store_f32(const float* k /* (n, kv_dim) */, const float* v /* (n, kv_dim) */, int n,
                       int pos0, int kv_dim, float* key_cache /* (context, kv_dim) */,
                       float* value_cache /* (context, kv_dim) */);

/// Causal attention of query rows over a KV cache that already holds positions 0 .. pos0+n-1,
/// for query heads [head_begin, head_end) only: row i (position pos0 + i), head h attends over
/// positions 0 .. pos0+i of KV head h / (n_heads / n_kv_heads) with scale 1/sqrt(head_dim).
/// scores: this call's own scratch of at least pos0 + n floats. Writes only the columns of
/// out that belong to the given heads. (Scores and softmax sums in double: the reference that
/// the ISA-specific attend kernels are tested against.)
void llmk_attend_f32(const float* q /* (n, n_heads * head_dim) */, int n, int pos0, int n_heads,
                     int n_kv_heads, int head_dim,
                     const float* key_cache /* (context, n_kv_heads * head_dim) */,
                     const float* value_cache /* (context, n_kv_heads * head_dim) */,
                     int head_begin, int head_end, float* scores /* (pos0 + n) scratch */,
                     float* out /* (n, n_heads * head_dim) */);

/// out = silu(gate) * up, elementwise, silu(x) = x / (1 + exp(-x)).
void llmk_swiglu_f32(const float* gate /* (count) */, const float* up /* (count) */, int count,
                     float* out /* (count) */);

/// out = a + b, elementwise. out may alias a or b.
void llmk_add_f32(const float* a /* (count) */, const float* b /* (count) */, int count,
                  float* out /* (count) */);

// ---- Quantized kernels (kernels_generic_quant.cpp) -------------------------------------------
// Weights are rows of ggml-compatible blocks (runtime/quant_format.h): w (m, k) holds m rows of
// ceil(k / block) blocks (block = 32 for q8_0/q4_0/q4_1, 256 for q4_K/q6_K); when k is not a
// multiple of the block, each row's last block is zero-padded, as the blob writer stores it.
// Each linear quantizes its n activation rows into x_scratch once per call (q8_0 for q8_0 and
// q4_0 weights, q8_1 for q4_1, q8_K for q4_K and q6_K; padded like the weights), then sums exact
// integer block dot products scaled by the blocks' scales, in float. x_scratch needs
// llmk_activation_scratch_bytes(scheme, n, k) bytes, 4-byte aligned, and is overwritten.

enum llmrt_quant_scheme : uint32_t;  // runtime/quant_format.h

/// Bytes of the activation scratch a linear with `weight_scheme` weights needs for n rows of k.
size_t llmk_activation_scratch_bytes(llmrt_quant_scheme weight_scheme, int n, int k);

/// y = x * w^T (+ bias), w (m, k) in q8_0; activations quantized to q8_0.
void llmk_linear_q8_0(const float* x /* (n, k) */, const void* w /* (m, ceil(k/32)) q8_0 */,
                      const float* bias /* (m) or nullptr */, int n, int k, int m,
                      void* x_scratch /* (n, ceil(k/32)) q8_0 */, float* y /* (n, m) */);

/// y = x * w^T (+ bias), w (m, k) in q4_0; activations quantized to q8_0.
void llmk_linear_q4_0(const float* x /* (n, k) */, const void* w /* (m, ceil(k/32)) q4_0 */,
                      const float* bias /* (m) or nullptr */, int n, int k, int m,
                      void* x_scratch /* (n, ceil(k/32)) q8_0 */, float* y /* (n, m) */);

/// y = x * w^T (+ bias), w (m, k) in q4_1; activations quantized to q8_1.
void llmk_linear_q4_1(const float* x /* (n, k) */, const void* w /* (m, ceil(k/32)) q4_1 */,
                      const float* bias /* (m) or nullptr */, int n, int k, int m,
                      void* x_scratch /* (n, ceil(k/32)) q8_1 */, float* y /* (n, m) */);

/// y = x * w^T (+ bias), w (m, k) in q4_K; activations quantized to q8_K.
void llmk_linear_q4_k(const float* x /* (n, k) */, const void* w /* (m, ceil(k/256)) q4_K */,
                      const float* bias /* (m) or nullptr */, int n, int k, int m,
                      void* x_scratch /* (n, ceil(k/256)) q8_K */, float* y /* (n, m) */);

/// y = x * w^T (+ bias), w (m, k) in q6_K; activations quantized to q8_K.
void llmk_linear_q6_k(const float* x /* (n, k) */, const void* w /* (m, ceil(k/256)) q6_K */,
                      const float* bias /* (m) or nullptr */, int n, int k, int m,
                      void* x_scratch /* (n, ceil(k/256)) q8_K */, float* y /* (n, m) */);

/// out[i, :] = dequantized table[tokens[i], :]; rows padded to whole blocks as for linears.
void llmk_embed_q8_0(const void* table /* (vocab, ceil(dim/32)) q8_0 */,
                     const int32_t* tokens /* (n) */, int n, int dim, float* out /* (n, dim) */);
void llmk_embed_q4_0(const void* table /* (vocab, ceil(dim/32)) q4_0 */,
                     const int32_t* tokens /* (n) */, int n, int dim, float* out /* (n, dim) */);
void llmk_embed_q4_1(const void* table /* (vocab, ceil(dim/32)) q4_1 */,
                     const int32_t* tokens /* (n) */, int n, int dim, float* out /* (n, dim) */);
void llmk_embed_q4_k(const void* table /* (vocab, ceil(dim/256)) q4_K */,
                     const int32_t* tokens /* (n) */, int n, int dim, float* out /* (n, dim) */);
void llmk_embed_q6_k(const void* table /* (vocab, ceil(dim/256)) q6_K */,
                     const int32_t* tokens /* (n) */, int n, int dim, float* out /* (n, dim) */);

#endif  // LLMC_TARGETS_GENERIC_KERNELS_GENERIC_H
