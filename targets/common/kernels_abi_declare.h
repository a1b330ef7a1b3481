// kernels_abi_declare.h - declares every kernel of a table (kernels_abi.h). An ISA's header reads
// its own table with it:
//
//   #include "kernels_abi_declare.h"
//   #include "kernels_x86_avx2.def"
//   #include "kernels_abi_undef.h"
//
// No include guard: each reading of a table includes it again.
#include "kernels_abi.h"

#define LLMK_QUANTIZE(isa, format) LLMK_QUANTIZE_SIGNATURE(isa, format);
#define LLMK_LINEAR_FLOAT(isa, storage, T) LLMK_LINEAR_FLOAT_SIGNATURE(isa, storage);
#define LLMK_LINEAR_QUANT(isa, storage, format) LLMK_LINEAR_QUANT_SIGNATURE(isa, storage, format);
#define LLMK_ELEMENTWISE(isa, op) LLMK_ELEMENTWISE_SIGNATURE(isa, op);
#define LLMK_EMBED_FLOAT(isa, storage, T) LLMK_EMBED_SIGNATURE(isa, storage);
#define LLMK_EMBED_QUANT(isa, storage) LLMK_EMBED_SIGNATURE(isa, storage);
#define LLMK_ROPE(isa) LLMK_ROPE_SIGNATURE(isa);
#define LLMK_ATTENTION(isa) LLMK_ATTENTION_SIGNATURE(isa);
