// kernels_abi_undef.h - ends a reading of a kernel table (kernels_abi_defaults.h).
#undef LLMK_QUANTIZE
#undef LLMK_LINEAR_FLOAT
#undef LLMK_LINEAR_QUANT
#undef LLMK_ELEMENTWISE
#undef LLMK_EMBED_FLOAT
#undef LLMK_EMBED_QUANT
#undef LLMK_ROPE
#undef LLMK_ATTENTION
