// kernels_abi.h - the signature of every kernel the generated code calls, declared once.
//
// Each instruction set's kernel table (kernels_generic.def, kernels_x86_avx2.def, ...) lists the
// kernels it implements, one X-macro entry each:
//
//   LLMK_QUANTIZE(isa, format)              llmk_<isa>_quantize_<format>
//       quantizes each of the n rows of x (n, k) to activation blocks of `format` (q8_0, q8_1,
//       q8_k), a short last block from a zero-padded copy: byte for byte what the runtime's
//       llmrt_quantize_row_<format> writes, so any ISA's quantizer can feed any ISA's linear.
//   LLMK_LINEAR_FLOAT(isa, storage, T)      llmk_<isa>_linear_<storage>_rows
//       y[:, row_begin:row_end] = x * w[row_begin:row_end, :]^T (+ bias), float activations,
//       weights of element type T (float; llmrt_fp16 or llmrt_bf16, widened exactly as they are
//       read, passed as void*).
//   LLMK_LINEAR_QUANT(isa, storage, format) llmk_<isa>_linear_<storage>_rows
//       the same with activations already quantized to `format` (by a quantize kernel, once
//       per linear op) and weights in `storage`: a scheme (q4_0) and, for weights in a target's
//       layout, that layout's kernel suffix (q4_0x4, q4_0p8).
//   LLMK_ELEMENTWISE(isa, op)               llmk_<isa>_<op>_f32, op one of rms_norm, swiglu, add,
//       attend, with the signature LLMK_<OP>_SIGNATURE below.
//   LLMK_EMBED_FLOAT(isa, storage, T)       llmk_<isa>_embed_<storage>: rows of a float table,
//   LLMK_EMBED_QUANT(isa, storage)          of a quantized one.
//   LLMK_ROPE(isa), LLMK_ATTENTION(isa)     llmk_<isa>_rope_f32, llmk_<isa>_attention_f32.
//
// Each ISA's header declares its table's kernels (kernels_abi_declare.h, with the signatures
// below), its sources define the entries that are wrappers from the table, the compiler reads
// the tables for each target's kernel list (which storages and ops have kernels of the target's
// own; the others run the generic ones), and the kernel tests for their tables of functions under
// test (kernels_abi_defaults.h shows how to read a table).
// Shapes in comments are (rows, columns), row-major; n is the number of tokens.
#ifndef LLMC_TARGETS_COMMON_KERNELS_ABI_H
#define LLMC_TARGETS_COMMON_KERNELS_ABI_H

#include <cstddef>
#include <cstdint>

#define LLMK_QUANTIZE_SIGNATURE(isa, format)                                                    \
  void llmk_##isa##_quantize_##format(const float* x /* (n, k) */, int n, int k,              \
                                      void* out /* (n, blocks of k) */)

/// The weight parameter of a float linear: f32 rows as floats, the 16-bit ones as their bits.
#define LLMK_FLOAT_WEIGHTS_f32 float
#define LLMK_FLOAT_WEIGHTS_f16 void
#define LLMK_FLOAT_WEIGHTS_bf16 void

#define LLMK_LINEAR_FLOAT_SIGNATURE(isa, storage)                                               \
  void llmk_##isa##_linear_##storage##_rows(                                                    \
      const float* x /* (n, k) */, const LLMK_FLOAT_WEIGHTS_##storage* w /* (m, k) */,          \
      const float* bias /* (m) or nullptr */, int n, int k, int m, int row_begin, int row_end, \
      float* y /* (n, m) */)

#define LLMK_LINEAR_QUANT_SIGNATURE(isa, storage, format)                                      \
  void llmk_##isa##_linear_##storage##_rows(                                                    \
      const void* xq /* (n, blocks of k) format */, const void* w /* (m, blocks of k) */,      \
      const float* bias /* (m) or nullptr */, int n, int k, int m, int row_begin, int row_end, \
      float* y /* (n, m) */)

/// out[i, :] = x[i, :] / sqrt(mean(x[i, :]^2) + eps) * weight
#define LLMK_RMS_NORM_SIGNATURE(isa)                                                            \
  void llmk_##isa##_rms_norm_f32(const float* x /* (n, dim) */, const float* weight /* (dim) */, \
                                 int n, int dim, float eps, float* out /* (n, dim) */)

/// out = silu(gate) * up, elementwise, silu(x) = x / (1 + exp(-x)).
#define LLMK_SWIGLU_SIGNATURE(isa)                                                              \
  void llmk_##isa##_swiglu_f32(const float* gate /* (count) */, const float* up /* (count) */,  \
                               int count, float* out /* (count) */)

/// out = a + b, elementwise. out may alias a or b.
#define LLMK_ADD_SIGNATURE(isa)                                                                 \
  void llmk_##isa##_add_f32(const float* a /* (count) */, const float* b /* (count) */,        \
                            int count, float* out /* (count) */)

/// Causal attention of query rows over a KV cache that already holds positions 0 .. pos0+n-1,
/// for query heads [head_begin, head_end) only: row i (position pos0 + i), head h attends over
/// positions 0 .. pos0+i of KV head h / (n_heads / n_kv_heads) with scale 1/sqrt(head_dim).
/// scores: this call's own scratch of at least pos0 + n floats. Writes only the columns of out
/// that belong to the given heads.
#define LLMK_ATTEND_SIGNATURE(isa)                                                              \
  void llmk_##isa##_attend_f32(                                                                 \
      const float* q /* (n, n_heads * head_dim) */, int n, int pos0, int n_heads,              \
      int n_kv_heads, int head_dim, const float* key_cache /* (context, n_kv_heads * head_dim) */, \
      const float* value_cache /* (context, n_kv_heads * head_dim) */, int head_begin,         \
      int head_end, float* scores /* (pos0 + n) scratch */,                                     \
      float* out /* (n, n_heads * head_dim) */)

/// out[i, :] = table[tokens[i], :], widened or dequantized to float (quantized rows padded to
/// whole blocks, as for linears).
#define LLMK_EMBED_SIGNATURE(isa, storage)                                                      \
  void llmk_##isa##_embed_##storage(const void* table /* (vocab, dim) */,                      \
                                    const int32_t* tokens /* (n) */, int n, int dim,            \
                                    float* out /* (n, dim) */)

/// Rotary embedding in the Hugging Face "rotate half" layout: within each head, element i pairs
/// with element i + head_dim/2 and turns by angle (pos0 + row) * inv_freq[i]. out may alias x.
#define LLMK_ROPE_SIGNATURE(isa)                                                                \
  void llmk_##isa##_rope_f32(const float* x /* (n, n_heads * head_dim) */, int n, int n_heads, \
                             int head_dim, int pos0, const float* inv_freq /* (head_dim / 2) */, \
                             float* out /* (n, n_heads * head_dim) */)

/// Causal grouped-query attention over a KV cache. First stores k and v rows at positions
/// pos0 .. pos0+n-1 of this layer's cache, then attends as LLMK_ATTEND over every head.
#define LLMK_ATTENTION_SIGNATURE(isa)                                                           \
  void llmk_##isa##_attention_f32(                                                              \
      const float* q /* (n, n_heads * head_dim) */, const float* k /* (n, n_kv_heads * head_dim) */, \
      const float* v /* (n, n_kv_heads * head_dim) */, int n, int pos0, int n_heads,           \
      int n_kv_heads, int head_dim, float* key_cache /* (context, n_kv_heads * head_dim) */,   \
      float* value_cache /* (context, n_kv_heads * head_dim) */,                               \
      float* scores /* (context) scratch */, float* out /* (n, n_heads * head_dim) */)

/// LLMK_ELEMENTWISE(isa, op) -> LLMK_<OP>_SIGNATURE(isa).
#define LLMK_ELEMENTWISE_SIGNATURE(isa, op) LLMK_ELEMENTWISE_SIGNATURE_##op(isa)
#define LLMK_ELEMENTWISE_SIGNATURE_rms_norm(isa) LLMK_RMS_NORM_SIGNATURE(isa)
#define LLMK_ELEMENTWISE_SIGNATURE_swiglu(isa) LLMK_SWIGLU_SIGNATURE(isa)
#define LLMK_ELEMENTWISE_SIGNATURE_add(isa) LLMK_ADD_SIGNATURE(isa)
#define LLMK_ELEMENTWISE_SIGNATURE_attend(isa) LLMK_ATTEND_SIGNATURE(isa)

#endif  // LLMC_TARGETS_COMMON_KERNELS_ABI_H
