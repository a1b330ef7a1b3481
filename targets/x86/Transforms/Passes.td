//===- Passes.td - x86 target passes -----------------------*- tablegen -*-===//
#ifndef LLMC_TARGETS_X86_TRANSFORMS_PASSES_TD
#define LLMC_TARGETS_X86_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LLMX86Tile : Pass<"llm-x86-tile", "mlir::ModuleOp"> {
  let summary = "splits linear ops' output rows and attention's heads into parts for the "
                "thread pool";
  let description = [{
    Decides how the x86 targets' linears are divided over threads: the output rows (weight rows)
    are cut into `llm.row_parts` parts of `llm.rows_per_part` rows (the last part may be
    shorter). Parts are handed to threads dynamically at run time, so the split aims at about
    two parts per core (`cores`) for balance while keeping each part at least
    `min-rows-per-part` rows, so a part streams enough weight bytes to amortize its dispatch,
    and a multiple of `row-tile` (the tallest panel, so that llm-x86-pack-weights may store the
    weight in the kernels' layouts). The target's description sets all three. The result is
    constants in the generated code.

    `llm.linear_group` and `llm.qkv_projection` cut every weight with the same part size
    (`llm.row_parts` counts the parts of all weights together); for `llm.qkv_projection` a part
    is whole heads, so the part that computes a head's rows also rotates them.
    `llm.swiglu_linear` splits its gate and up rows alike. `llm.cached_attention` splits its
    query heads: `llm.rows_per_part` heads per part.

    Before:
    ```mlir
    %y = llm.linear %x, @w : tensor<1x2048xf32> -> tensor<1x5632xf32>
    ```
    After `llm-x86-tile{cores=8}`:
    ```mlir
    %y = llm.linear %x, @w {llm.row_parts = 16 : i64, llm.rows_per_part = 352 : i64} ...
    ```
  }];
  let options = [
    Option<"cores", "cores", "int64_t", /*default=*/"8",
           "threads the split is planned for">,
    Option<"rowTile", "row-tile", "int64_t", /*default=*/"16",
           "a part's rows are a multiple of this">,
    Option<"minRowsPerPart", "min-rows-per-part", "int64_t", /*default=*/"16",
           "a part has at least this many rows (unless the op has fewer)">,
  ];
}

def LLMX86PackWeights : Pass<"llm-x86-pack-weights", "mlir::ModuleOp"> {
  let summary = "interleaves the rows of quantized linear weights in groups of 4, or stores "
                "them as 8- or 16-row panels";
  let description = [{
    Gives a quantized weight `layout = #x86.interleave4` (see `!llm.qweight`): block b of 4
    consecutive rows stored together, so that the microkernels, which compute up to 4 rows at
    once, read one contiguous run of memory per tile, and a thread's part of the rows (which
    `llm-x86-tile` makes a multiple of 4) is a single stream. The blob writer reorders the
    blocks; the generated code calls the `x4` kernels (`llmk_avx2_linear_q4_0x4_rows`).

    A weight is packed when it has a multiple of 4 rows and every reference to it is the matrix
    operand of a linear op (`llm.linear`, `llm.linear_group`, `llm.swiglu_linear`,
    `llm.qkv_projection`) that `llm-x86-tile` split into parts of a multiple of 4 rows. A table
    that `llm.embed` also reads (tied embeddings) keeps the row layout. Runs after
    `llm-x86-tile`.

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
