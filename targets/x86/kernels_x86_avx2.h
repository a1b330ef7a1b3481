// kernels_x86_avx2.h - hand-written microkernels of the `x86-avx2` target (AVX2 + FMA + F16C,
// no AVX-512). Build kernels_x86_avx2.cpp with -mavx2 -mfma -mf16c.
//
// Each function has a reference twin among the generic kernels (kernels_generic.h) that its tests
// compare it with. The quantized linears take activations already quantized (by the quantize_*
// function of the matching block type, once per linear) and compute the output columns
// [row_begin, row_end) of y, so the generated code can split the weight rows over threads. Their
// per-block integer dot products are exact, as in the generic kernels; only the order in which the
// scaled block sums are added differs.
//
// Shapes in comments are (rows, columns), row-major; n is the number of tokens. Quantized rows are
// ggml-compatible blocks (runtime/quant_format.h), the last block of a row zero-padded when k is
// not a multiple of the block size (32, or 256 for q4_K, q6_K and q8_K). Block pointers need only
// the blocks' own alignment (2 bytes; q8_K 4).
#ifndef LLMC_TARGETS_X86_KERNELS_X86_AVX2_H
#define LLMC_TARGETS_X86_KERNELS_X86_AVX2_H

/// Quantizes each of the n rows of x to q8_0 blocks, a short last block from a zero-padded copy:
/// byte for byte what llmrt_quantize_row_q8_0 writes.
void llmk_avx2_quantize_q8_0(const float* x /* (n, k) */, int n, int k,
                             void* out /* (n, ceil(k/32)) q8_0 */);

/// As llmk_avx2_quantize_q8_0 for q8_1 blocks (the activations of q4_1 weights):
/// byte for byte what llmrt_quantize_row_q8_1 writes.
void llmk_avx2_quantize_q8_1(const float* x /* (n, k) */, int n, int k,
                             void* out /* (n, ceil(k/32)) q8_1 */);

/// As llmk_avx2_quantize_q8_0 for q8_K super-blocks of 256 (the activations of q4_K and q6_K
/// weights): byte for byte what llmrt_quantize_row_q8_k writes.
void llmk_avx2_quantize_q8_k(const float* x /* (n, k) */, int n, int k,
                             void* out /* (n, ceil(k/256)) q8_K */);

/// y[:, row_begin:row_end] = x * w[row_begin:row_end, :]^T (+ bias), float32 with FMA.
void llmk_avx2_linear_f32_rows(const float* x /* (n, k) */, const float* w /* (m, k) */,
                               const float* bias /* (m) or nullptr */, int n, int k, int m,
                               int row_begin, int row_end, float* y /* (n, m) */);

/// As llmk_avx2_linear_f32_rows for weights stored as binary16, widened as they are read.
void llmk_avx2_linear_f16_rows(const float* x /* (n, k) */, const void* w /* (m, k) f16 */,
                             const float* bias /* (m) or nullptr */, int n, int k, int m,
                             int row_begin, int row_end, float* y /* (n, m) */);

/// As llmk_avx2_linear_f32_rows for weights stored as bfloat16, widened as they are read.
void llmk_avx2_linear_bf16_rows(const float* x /* (n, k) */, const void* w /* (m, k) bf16 */,
                              const float* bias /* (m) or nullptr */, int n, int k, int m,
                              int row_begin, int row_end, float* y /* (n, m) */);

/// y[:, row_begin:row_end] = x * w[row_begin:row_end, :]^T (+ bias), q8_0 weights, x quantized by
/// llmk_avx2_quantize_q8_0.
void llmk_avx2_linear_q8_0_rows(const void* xq /* (n, ceil(k/32)) q8_0 */,
                                const void* w /* (m, ceil(k/32)) q8_0 */,
                                const float* bias /* (m) or nullptr */, int n, int k, int m,
                                int row_begin, int row_end, float* y /* (n, m) */);

/// As llmk_avx2_linear_q8_0_rows for q4_0 weights (activations q8_0).
void llmk_avx2_linear_q4_0_rows(const void* xq /* (n, ceil(k/32)) q8_0 */,
                                const void* w /* (m, ceil(k/32)) q4_0 */,
                                const float* bias /* (m) or nullptr */, int n, int k, int m,
                                int row_begin, int row_end, float* y /* (n, m) */);

/// As llmk_avx2_linear_q8_0_rows for q4_1 weights; x quantized by llmk_avx2_quantize_q8_1.
void llmk_avx2_linear_q4_1_rows(const void* xq /* (n, ceil(k/32)) q8_1 */,
                                const void* w /* (m, ceil(k/32)) q4_1 */,
                                const float* bias /* (m) or nullptr */, int n, int k, int m,
                                int row_begin, int row_end, float* y /* (n, m) */);

/// As llmk_avx2_linear_q8_0_rows for q4_K weights; x quantized by llmk_avx2_quantize_q8_k.
void llmk_avx2_linear_q4_k_rows(const void* xq /* (n, ceil(k/256)) q8_K */,
                                const void* w /* (m, ceil(k/256)) q4_K */,
                                const float* bias /* (m) or nullptr */, int n, int k, int m,
                                int row_begin, int row_end, float* y /* (n, m) */);

/// As llmk_avx2_linear_q8_0_rows for q6_K weights; x quantized by llmk_avx2_quantize_q8_k.
void llmk_avx2_linear_q6_k_rows(const void* xq /* (n, ceil(k/256)) q8_K */,
                                const void* w /* (m, ceil(k/256)) q6_K */,
                                const float* bias /* (m) or nullptr */, int n, int k, int m,
                                int row_begin, int row_end, float* y /* (n, m) */);

// Packed weights: the quantized linears again, on weights in llm-x86-pack-weights'
// `#x86.interleave4` layout (interleaveRows4, weight_layouts.h). w is (m, blocks) with m
// a multiple of 4, block b of row r at block index (r / 4) * 4 * blocks + b * 4 + r % 4: the 4
// rows that a tile computes, and a range of whole groups of 4 rows, are one contiguous stream of
// memory. The results are bit-identical to the `_rows` kernel of the same scheme on the unpacked
// weights, for any row range; a range that begins or ends inside a group of 4 computes that
// group's rows one at a time (slower).

/// llmk_avx2_linear_q8_0_rows on interleave4 q8_0 weights (above): m a multiple of 4.
void llmk_avx2_linear_q8_0x4_rows(const void* xq /* (n, ceil(k/32)) q8_0 */,
                                  const void* w /* (m, ceil(k/32)) q8_0, interleave4 */,
                                  const float* bias /* (m) or nullptr */, int n, int k, int m,
                                  int row_begin, int row_end, float* y /* (n, m) */);

/// llmk_avx2_linear_q4_0_rows on interleave4 q4_0 weights (above): m a multiple of 4.
void llmk_avx2_linear_q4_0x4_rows(const void* xq /* (n, ceil(k/32)) q8_0 */,
                                  const void* w /* (m, ceil(k/32)) q4_0, interleave4 */,
                                  const float* bias /* (m) or nullptr */, int n, int k, int m,
                                  int row_begin, int row_end, float* y /* (n, m) */);

/// llmk_avx2_linear_q4_1_rows on interleave4 q4_1 weights (above): m a multiple of 4.
void llmk_avx2_linear_q4_1x4_rows(const void* xq /* (n, ceil(k/32)) q8_1 */,
                                  const void* w /* (m, ceil(k/32)) q4_1, interleave4 */,
                                  const float* bias /* (m) or nullptr */, int n, int k, int m,
                                  int row_begin, int row_end, float* y /* (n, m) */);

/// llmk_avx2_linear_q4_k_rows on interleave4 q4_K weights (above): m a multiple of 4.
void llmk_avx2_linear_q4_kx4_rows(const void* xq /* (n, ceil(k/256)) q8_K */,
                                  const void* w /* (m, ceil(k/256)) q4_K, interleave4 */,
                                  const float* bias /* (m) or nullptr */, int n, int k, int m,
                                  int row_begin, int row_end, float* y /* (n, m) */);

/// llmk_avx2_linear_q6_k_rows on interleave4 q6_K weights (above): m a multiple of 4.
void llmk_avx2_linear_q6_kx4_rows(const void* xq /* (n, ceil(k/256)) q8_K */,
                                  const void* w /* (m, ceil(k/256)) q6_K, interleave4 */,
                                  const float* bias /* (m) or nullptr */, int n, int k, int m,
                                  int row_begin, int row_end, float* y /* (n, m) */);

// Panels: q8_0 and q4_0 weights in the `#x86.panel<8>` layout (packPanels,
// runtime/quant_format.h): per group of 8 rows and block column, the 8 rows' fp16 scales, then
// their quants transposed in 4-byte words, as the prompt panels hold them; m, row_begin and
// row_end multiples of 8. Every token count goes through the panels; 4 or more tokens give the
// `_rows` kernel's bits on the unpacked weights, fewer differ from it only in the order of the
// float additions.

/// llmk_avx2_linear_q8_0_rows on panel8 q8_0 weights (above).
void llmk_avx2_linear_q8_0p8_rows(const void* xq /* (n, ceil(k/32)) q8_0 */,
                                  const void* w /* (m, ceil(k/32)) q8_0, panel8 */,
                                  const float* bias /* (m) or nullptr */, int n, int k, int m,
                                  int row_begin, int row_end, float* y /* (n, m) */);

/// llmk_avx2_linear_q4_0_rows on panel8 q4_0 weights (above).
void llmk_avx2_linear_q4_0p8_rows(const void* xq /* (n, ceil(k/32)) q8_0 */,
                                  const void* w /* (m, ceil(k/32)) q4_0, panel8 */,
                                  const float* bias /* (m) or nullptr */, int n, int k, int m,
                                  int row_begin, int row_end, float* y /* (n, m) */);

/// out[i, :] = x[i, :] / sqrt(mean(x[i, :]^2) + eps) * weight (sum of squares in double).
void llmk_avx2_rms_norm_f32(const float* x /* (n, dim) */, const float* weight /* (dim) */,
                            int n, int dim, float eps, float* out /* (n, dim) */);

/// out[i] = e^x[i] within 2e-7 relative wherever e^x is a normal float; overflows to +inf,
/// underflows through subnormals to 0, NaN stays NaN (a polynomial; also softmax's exp).
void llmk_avx2_exp_f32(const float* x /* (count) */, int count, float* out /* (count) */);

/// out = silu(gate) * up = gate / (1 + exp(-gate)) * up, with llmk_avx2_exp_f32's exp.
void llmk_avx2_swiglu_f32(const float* gate /* (count) */, const float* up /* (count) */,
                          int count, float* out /* (count) */);

/// out = a + b, elementwise. out may alias a or b.
void llmk_avx2_add_f32(const float* a /* (count) */, const float* b /* (count) */, int count,
                       float* out /* (count) */);

/// llmk_attend_f32 in float with FMA: causal attention of query rows over a KV cache that
/// already holds positions 0 .. pos0+n-1, for query heads [head_begin, head_end) only (row i at
/// position pos0 + i, head h over positions 0 .. pos0+i of KV head h / (n_heads / n_kv_heads),
/// scale 1/sqrt(head_dim)). An online softmax over blocks of positions, the query heads of one
/// KV head together so that its keys and values are read once; any head_dim > 0. Needs no
/// scratch (scores, of pos0 + n floats, is left alone). Writes only the given heads' columns.
void llmk_avx2_attend_f32(const float* q /* (n, n_heads * head_dim) */, int n, int pos0,
                          int n_heads, int n_kv_heads, int head_dim,
                          const float* key_cache /* (context, n_kv_heads * head_dim) */,
                          const float* value_cache /* (context, n_kv_heads * head_dim) */,
                          int head_begin, int head_end, float* scores /* (pos0 + n) */,
                          float* out /* (n, n_heads * head_dim) */);

#endif  // LLMC_TARGETS_X86_KERNELS_X86_AVX2_H
