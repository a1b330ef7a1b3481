// read_kernel_table.h - fills the IsaKernels `kernels` (kernel_tests.h) from an ISA's kernel
// table (targets/common/kernels_abi.h), so that the tests cover exactly the kernels it lists:
//
//   #include "test/Targets/common/read_kernel_table.h"
//   #include "kernels_x86_avx2.def"
//   #include "kernels_abi_undef.h"
//
// No include guard: each reading of a table includes it again.
#define LLMK_QUANTIZE(isa, format) kernels.quantize_##format = llmk_##isa##_quantize_##format;
#define LLMK_LINEAR_FLOAT(isa, storage, T) \
  kernels.linear_##storage##_rows = llmk_##isa##_linear_##storage##_rows;
#define LLMK_LINEAR_QUANT(isa, storage, format) \
  kernels.quant_linear[#storage] = llmk_##isa##_linear_##storage##_rows;
#define LLMK_EMBED_QUANT(isa, storage) \
  kernels.quant_embed[#storage] = llmk_##isa##_embed_##storage;
#define LLMK_ELEMENTWISE(isa, op) kernels.op = llmk_##isa##_##op##_f32;
#define LLMK_ROPE(isa) kernels.rope = llmk_##isa##_rope_f32;
#include "kernels_abi_defaults.h"
