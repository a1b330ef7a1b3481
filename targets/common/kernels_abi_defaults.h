// kernels_abi_defaults.h - lets a reader of a kernel table (kernels_abi.h) define only the entry
// macros it needs: the others expand to nothing. Read a table as
//
//   #define LLMK_LINEAR_QUANT(isa, storage, format) ...
//   #include "kernels_abi_defaults.h"
//   #include "kernels_x86_avx2.def"
//   #include "kernels_abi_undef.h"
//
// No include guard: each reading of a table includes it again.
#ifndef LLMK_QUANTIZE
#define LLMK_QUANTIZE(isa, format)
#endif
#ifndef LLMK_LINEAR_FLOAT
#define LLMK_LINEAR_FLOAT(isa, storage, T)
#endif
#ifndef LLMK_LINEAR_QUANT
#define LLMK_LINEAR_QUANT(isa, storage, format)
#endif
#ifndef LLMK_ELEMENTWISE
#define LLMK_ELEMENTWISE(isa, op)
#endif
#ifndef LLMK_EMBED_FLOAT
#define LLMK_EMBED_FLOAT(isa, storage, T)
#endif
#ifndef LLMK_EMBED_QUANT
#define LLMK_EMBED_QUANT(isa, storage)
#endif
#ifndef LLMK_ROPE
#define LLMK_ROPE(isa)
#endif
#ifndef LLMK_ATTENTION
#define LLMK_ATTENTION(isa)
#endif
