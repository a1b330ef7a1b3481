// kernels_abi_names.h - reads a kernel table (kernels_abi.h) into the names of its kernels, for the
// compiler's target descriptions:
//
//   std::map<std::string, std::vector<std::string>> llmk_names;  // by ISA
//   #include "targets/common/kernels_abi_names.h"
//   #include "targets/x86/kernels_x86_avx2.def"
//   #include "targets/common/kernels_abi_undef.h"
//
// No include guard: each reading of a table includes it again.
#define LLMK_QUANTIZE(isa, format) llmk_names[#isa].push_back("llmk_" #isa "_quantize_" #format);
#define LLMK_LINEAR_FLOAT(isa, storage, T) \
  llmk_names[#isa].push_back("llmk_" #isa "_linear_" #storage "_rows");
#define LLMK_LINEAR_QUANT(isa, storage, format) \
  llmk_names[#isa].push_back("llmk_" #isa "_linear_" #storage "_rows");
#define LLMK_ELEMENTWISE(isa, op) llmk_names[#isa].push_back("llmk_" #isa "_" #op "_f32");
#define LLMK_EMBED_FLOAT(isa, storage, T) \
  llmk_names[#isa].push_back("llmk_" #isa "_embed_" #storage);
#define LLMK_EMBED_QUANT(isa, storage) llmk_names[#isa].push_back("llmk_" #isa "_embed_" #storage);
#define LLMK_ROPE(isa) llmk_names[#isa].push_back("llmk_" #isa "_rope_f32");
#define LLMK_ATTENTION(isa) llmk_names[#isa].push_back("llmk_" #isa "_attention_f32");
