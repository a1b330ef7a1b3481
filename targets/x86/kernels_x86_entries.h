// kernels_x86_entries.h - the entry points of an x86 kernel table's quantize and linear kernels,
// defined from the templates of kernels_x86_tiling.h and the ISA's own kernels: each storage runs
// the same tile driver, kernel and weight order on both ISAs. The end of kernels_x86_<isa>.cpp
// reads its table with these:
//
//   #include "kernels_x86_entries.h"
//   #include "kernels_abi_defaults.h"
//   #include "kernels_x86_avx2.def"
//   #include "kernels_abi_undef.h"
//
// No include guard: it defines the entry macros that kernels_abi_undef.h ends.

// Weights in rows: row tiles, and for a prompt the panels copied from them (q4_1 has none).
#define LLMK_X86_LINEAR_q8_0 linear_rows_with_panels<PanelQ8_0, KernelQ8_0, QuantTiles, RowMajor>
#define LLMK_X86_LINEAR_q4_0 linear_rows_with_panels<PanelQ4_0, KernelQ4_0, QuantTiles, RowMajor>
#define LLMK_X86_LINEAR_q4_1 linear_rows<KernelQ4_1, QuantTiles, RowMajor>
#define LLMK_X86_LINEAR_q4_k linear_rows_with_panels<PanelQ4_K, KernelQ4_K, QuantTiles, RowMajor>
#define LLMK_X86_LINEAR_q6_k linear_rows_with_panels<PanelQ6_K, KernelQ6_K, QuantTiles, RowMajor>

// The same on #x86.interleave4 weights.
#define LLMK_X86_LINEAR_q8_0x4 \
  linear_rows_with_panels<PanelQ8_0, KernelQ8_0, QuantTiles, Interleave4>
#define LLMK_X86_LINEAR_q4_0x4 \
  linear_rows_with_panels<PanelQ4_0, KernelQ4_0, QuantTiles, Interleave4>
#define LLMK_X86_LINEAR_q4_1x4 linear_rows<KernelQ4_1, QuantTiles, Interleave4>
#define LLMK_X86_LINEAR_q4_kx4 \
  linear_rows_with_panels<PanelQ4_K, KernelQ4_K, QuantTiles, Interleave4>
#define LLMK_X86_LINEAR_q6_kx4 \
  linear_rows_with_panels<PanelQ6_K, KernelQ6_K, QuantTiles, Interleave4>

// Weights stored as the ISA's panels (#x86.panel<8> on AVX2, <16> on AVX-512), read in place.
#define LLMK_X86_LINEAR_q8_0p8 stored_panel_linear_rows<PanelQ8_0>
#define LLMK_X86_LINEAR_q4_0p8 stored_panel_linear_rows<PanelQ4_0>
#define LLMK_X86_LINEAR_q8_0p16 stored_panel_linear_rows<PanelQ8_0>
#define LLMK_X86_LINEAR_q4_0p16 stored_panel_linear_rows<PanelQ4_0>

// Activation quantizers: the ISA's block quantizers in kernels_quantize_rows.h's row loop.
#define LLMK_QUANTIZE(isa, format)                                                    \
  LLMK_QUANTIZE_SIGNATURE(isa, format) {                                              \
    ActivationQuantizers<quantize_block_q8, quantize_block_q8_k>::format(x, n, k, out); \
  }
#define LLMK_LINEAR_QUANT(isa, storage, format)                                       \
  LLMK_LINEAR_QUANT_SIGNATURE(isa, storage, format) {                                 \
    LLMK_X86_LINEAR_##storage(xq, w, bias, n, k, m, row_begin, row_end, y);           \
  }
#define LLMK_LINEAR_FLOAT(isa, storage, T)                                            \
  LLMK_LINEAR_FLOAT_SIGNATURE(isa, storage) {                                         \
    linear_float_rows<KernelFloat, FloatTiles>(x, static_cast<const T*>(w), bias, n, k, m, \
                                               row_begin, row_end, y);                \
  }
