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

// The weight types of each quantized storage (kernels_arm_blocks.h).
#define LLMK_ARM_WEIGHTS_q8_0 Q8_0Weights
#define LLMK_ARM_WEIGHTS_q4_0 Q4_0Weights
#define LLMK_ARM_WEIGHTS_q4_1 Q4_1Weights
#define LLMK_ARM_WEIGHTS_q4_k Q4_KWeights
#define LLMK_ARM_WEIGHTS_q6_k Q6_KWeights

#define LLMK_QUANTIZE(isa, format) \
  LLMK_QUANTIZE_SIGNATURE(isa, format) { ArmQuantizers::format(x, n, k, out); }
#define LLMK_LINEAR_QUANT(isa, storage, format)                                           \
  LLMK_LINEAR_QUANT_SIGNATURE(isa, storage, format) {                                     \
    linear_quant_rows<LLMK_ARM_WEIGHTS_##storage, BlockDot>(xq, w, bias, n, k, m, row_begin, \
                                                            row_end, y);                  \
  }
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
