//===- Passes.td - x86 target passes -----------------------*- tablegen -*-===//
#ifndef LLMC_TARGETS_X86_TRANSFORMS_PASSES_TD
#define LLMC_TARGETS_X86_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LLMX86PackWeights : Pass<"llm-x86-pack-weights", "mlir::ModuleOp"> {
  let summary = "interleaves the rows of quantized linear weights in groups of 4, or stores "
                "them as 8- or 16-row panels";
  let description = [{
    Gives a quantized weight `layout = #x86.interleave4` (see `!llm.qweight`): block b of 4
    consecutive rows stored together, so that the microkernels, which compute up to 4 rows at
    once, read one contiguous run of memory per tile, and a thread's part of the rows (which
    `llm-split-rows` makes a multiple of 4) is a single stream. The blob writer reorders the
    blocks; the generated code calls the `x4` kernels (`llmk_avx2_linear_q4_0x4_rows`).

    A weight is packed when it has a multiple of 4 rows and every reference to it is the matrix
    operand of a linear op (`llm.linear`, `llm.linear_group`, `llm.swiglu_linear`,
    `llm.qkv_projection`) that `llm-split-rows` split into parts of a multiple of 4 rows. A table
    that `llm.embed` also reads (tied embeddings) keeps the row layout. Runs after
    `llm-split-rows`.

    Before:
    ```mlir
    llm.weight @w : !llm.qweight<q4_0, [64, 64], block = 32>
    ```
    After:
    ```mlir
    llm.weight @w : !llm.qweight<q4_0, [64, 64], block = 32, layout = #x86.interleave4>
    ```

    `schemes` limits packing to the listed quantization schemes (the x86 targets' defaults,
    `X86Tuning::interleavedSchemes` in targets/x86/X86Target.cpp, leave out those that
    measured faster in the row layout).

    `panel-schemes` (q8_0, q4_0; the x86 targets' default, `X86Tuning::panelSchemes`) gives
    weights of those schemes `layout = #x86.panel<8>` (`panel-rows=8`, x86-avx2) or
    `#x86.panel<16>` (`panel-rows=16`, x86-avx512) instead where they have a multiple of that
    many rows and their parts start at multiples of it: groups of rows stored as the kernels'
    panels (`packPanels`), read by the `p8` and `p16` kernels (`llmk_avx2_linear_q4_0p8_rows`,
    `llmk_avx512_linear_q4_0p16_rows`).
  }];
  let options = [
    ListOption<"schemes", "schemes", "std::string",
               "pack only weights of these schemes (q8_0, q4_0, ...; default: every scheme)">,
    ListOption<"panelSchemes", "panel-schemes", "std::string",
               "store weights of these schemes (q8_0, q4_0) as panels where they can be">,
    Option<"panelRows", "panel-rows", "int64_t", /*default=*/"8",
           "rows per panel: 8 (#x86.panel<8>, AVX2) or 16 (#x86.panel<16>, AVX-512)">,
  ];
  let dependentDialects = ["::llmc::x86::X86Dialect"];
}

#endif // LLMC_TARGETS_X86_TRANSFORMS_PASSES_TD
