// kernels_arm_entries.h - the entry points of an ARM kernel table, defined from the templates of
// kernels_arm_rows.h, kernels_arm_blocks.h and kernels_arm_quantize.h with the ISA's int8
// products, the type `BlockDot` that the including file defines. The end of
// kernels_arm_<isa>.cpp reads its table with these:
//
//   #include "kernels_arm_entries.h"
//   #include "kernels_abi_defaults.h"
//   #include "kernels_arm_neon.def"
//   #include "kernels_abi_undef.h"
//
// No include guard: it defines the entry macros that kernels_abi_undef.h ends.

// The driver of each quantized storage: the row layout's (kernels_arm_rows.h) with its weight
// type (kernels_arm_blocks.h).
#define LLMK_ARM_LINEAR_q8_0 linear_quant_rows<Q8_0Weights, BlockDot>
#define LLMK_ARM_LINEAR_q4_0 linear_quant_rows<Q4_0Weights, BlockDot>
#define LLMK_ARM_LINEAR_q4_1 linear_quant_rows<Q4_1Weights, BlockDot>
#define LLMK_ARM_LINEAR_q4_k linear_quant_rows<Q4_KWeights, BlockDot>
#define LLMK_ARM_LINEAR_q6_k linear_quant_rows<Q6_KWeights, BlockDot>

// The packed layouts' kernels (kernels_arm_rows4x4.h, kernels_arm_rows2x8.h), for the tables
// that list them.
#define LLMK_ARM_LINEAR_q8_0r4x4 linear_rows4x4<Q8_0Rows4x4>
#define LLMK_ARM_LINEAR_q4_0r4x4 linear_rows4x4<Q4_0Rows4x4>
#define LLMK_ARM_LINEAR_q8_0r2x8 linear_rows2x8<Q8_0Rows2x8>
#define LLMK_ARM_LINEAR_q4_0r2x8 linear_rows2x8<Q4_0Rows2x8>

// The packed layouts' embeddings (kernels_arm_embed.h), for a table the classifier shares.
#define LLMK_ARM_EMBED_q8_0r4x4(...) \
  embed_interleaved<llmrt_block_q8_0, Rows4x4::kRows, 4>(LLMRT_Q8_0, 0, __VA_ARGS__)
#define LLMK_ARM_EMBED_q4_0r4x4(...) \
  embed_interleaved<llmrt_block_q4_0, Rows4x4::kRows, 4>(LLMRT_Q4_0, kQ4_0PackedFlip, __VA_ARGS__)
#define LLMK_ARM_EMBED_q8_0r2x8(...) \
  embed_interleaved<llmrt_block_q8_0, Rows2x8::kRows, 8>(LLMRT_Q8_0, 0, __VA_ARGS__)
#define LLMK_ARM_EMBED_q4_0r2x8(...) \
  embed_interleaved<llmrt_block_q4_0, Rows2x8::kRows, 8>(LLMRT_Q4_0, kQ4_0PackedFlip, __VA_ARGS__)

#define LLMK_QUANTIZE(isa, format) \
  LLMK_QUANTIZE_SIGNATURE(isa, format) { ArmQuantizers::format(x, n, k, out); }
#define LLMK_LINEAR_QUANT(isa, storage, format)                                           \
  LLMK_LINEAR_QUANT_SIGNATURE(isa, storage, format) {                                     \
    LLMK_ARM_LINEAR_##storage(xq, w, bias, n, k, m, row_begin, row_end, y);                \
  }
#define LLMK_EMBED_QUANT(isa, storage) \
  LLMK_EMBED_SIGNATURE(isa, storage) { LLMK_ARM_EMBED_##storage(table, tokens, n, dim, out); }
#define LLMK_LINEAR_FLOAT(isa, storage, T)                                                  \
  LLMK_LINEAR_FLOAT_SIGNATURE(isa, storage) {                                               \
    linear_float_rows(x, static_cast<const T*>(w), bias, n, k, m, row_begin, row_end, y);   \
  }

// The ops around the linears (kernels_arm_ops.h), the same in every ARM table.
#define LLMK_ARM_ELEMENTWISE_rms_norm rms_norm_rows(x, weight, n, dim, eps, out)
#define LLMK_ARM_ELEMENTWISE_swiglu swiglu(gate, up, count, out)
#define LLMK_ARM_ELEMENTWISE_add add(a, b, count, out)
// The online softmax keeps its scores on the stack: `scores` stays unused.
#define LLMK_ARM_ELEMENTWISE_attend                                                        \
  (void)scores;                                                                            \
  attend_rows<AttendNeon>(q, n, pos0, n_heads, n_kv_heads, head_dim, key_cache, value_cache, \
                          head_begin, head_end, out)
#define LLMK_ELEMENTWISE(isa, op) \
  LLMK_ELEMENTWISE_SIGNATURE(isa, op) { LLMK_ARM_ELEMENTWISE_##op; }
#define LLMK_ROPE(isa)                                                       \
  LLMK_ROPE_SIGNATURE(isa) {                                                 \
    rope_rows(x, n, n_heads, head_dim, pos0, inv_freq, out, rope_turn_neon); \
  }
