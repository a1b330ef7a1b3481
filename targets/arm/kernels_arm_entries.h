// kernels_arm_entries.h - the entry points of an ARM kernel table, defined from the templates of
// kernels_arm_rows.h with the ISA's int8 block product, the type `BlockDot` that the including
// file defines. The end of kernels_arm_<isa>.cpp reads its table with these:
//
//   #include "kernels_arm_entries.h"
//   #include "kernels_abi_defaults.h"
//   #include "kernels_arm_neon.def"
//   #include "kernels_abi_undef.h"
//
// No include guard: it defines the entry macros that kernels_abi_undef.h ends.

// The driver of each quantized storage: the row layout's (kernels_arm_rows.h) with its weight
// blocks.
#define LLMK_ARM_LINEAR_q8_0 linear_quant_rows<Q8_0Weights, BlockDot>
#define LLMK_ARM_LINEAR_q4_0 linear_quant_rows<Q4_0Weights, BlockDot>

// The packed layouts' kernels (kernels_arm_rows4x4.h, kernels_arm_rows2x8.h), for the tables
// that list them.
#define LLMK_ARM_LINEAR_q8_0r4x4 linear_rows4x4<Q8_0Rows4x4>
#define LLMK_ARM_LINEAR_q4_0r4x4 linear_rows4x4<Q4_0Rows4x4>
#define LLMK_ARM_LINEAR_q8_0r2x8 linear_rows2x8<Q8_0Rows2x8>
#define LLMK_ARM_LINEAR_q4_0r2x8 linear_rows2x8<Q4_0Rows2x8>

#define LLMK_QUANTIZE(isa, format) \
  LLMK_QUANTIZE_SIGNATURE(isa, format) { quantize_rows_##format(x, n, k, out); }
#define LLMK_LINEAR_QUANT(isa, storage, format)                                           \
  LLMK_LINEAR_QUANT_SIGNATURE(isa, storage, format) {                                     \
    LLMK_ARM_LINEAR_##storage(xq, w, bias, n, k, m, row_begin, row_end, y);                \
  }
#define LLMK_LINEAR_FLOAT(isa, storage, T)                                               \
  LLMK_LINEAR_FLOAT_SIGNATURE(isa, storage) {                                            \
    linear_##storage##_rows(x, w, bias, n, k, m, row_begin, row_end, y);                 \
  }
