//===- Passes.td - passes any target may add to its pipeline ---*- tablegen -*-===//
#ifndef LLMC_TARGETS_COMMON_TRANSFORMS_PASSES_TD
#define LLMC_TARGETS_COMMON_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LLMSplitRows : Pass<"llm-split-rows", "mlir::ModuleOp"> {
  let summary = "splits linear ops' output rows and attention's heads into parts for the "
                "thread pool";
  let description = [{
    Decides how a threaded target's linears are divided over threads: the output rows (weight
    rows) are cut into `llm.row_parts` parts of `llm.rows_per_part` rows (the last part may be
    shorter). Parts are handed to threads dynamically at run time, so the split aims at about
    two parts per core (`cores`) for balance while keeping each part at least
    `min-rows-per-part` rows, so a part streams enough weight bytes to amortize its dispatch,
    and a multiple of `row-tile` (x86: the tallest panel, so that llm-x86-pack-weights may store
    the weight in the kernels' layouts; ARM: the rows of a decode tile). The target's
    description sets all three. The result is constants in the generated code.

    `llm.linear_group` and `llm.qkv_projection` cut every weight with the same part size
    (`llm.row_parts` counts the parts of all weights together); for `llm.qkv_projection` a part
    is whole heads, so the part that computes a head's rows also rotates them.
    `llm.swiglu_linear` splits its gate and up rows alike. `llm.cached_attention` splits its
    query heads: `llm.rows_per_part` heads per part.

    A module with `llm.cores` (core speeds, from `llmc compile --cores 4x1.0,4x2.0`) gets the
    static split instead, whatever `cores` says: one part per core (`llm.row_parts`), and in
    `llm.part_rows` each weight's rows (heads) per core, in proportion to the core's speed in
    whole row tiles (heads). The weights' tiles are laid end to end and cut in order, so a
    core's share may end one weight and start the next; part i runs on thread i.

    Before:
    ```mlir
    %y = llm.linear %x, @w : tensor<1x2048xf32> -> tensor<1x5632xf32>
    ```
    After `llm-split-rows{cores=8}`:
    ```mlir
    %y = llm.linear %x, @w {llm.row_parts = 16 : i64, llm.rows_per_part = 352 : i64} ...
    ```
    With `llm.cores = array<f64: 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0>` on the module:
    ```mlir
    %y = llm.linear %x, @w {llm.part_rows = array<i64: 944, 944, 944, 944, 464, 464, 464, 464>,
                            llm.row_parts = 8 : i64} ...
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

#endif // LLMC_TARGETS_COMMON_TRANSFORMS_PASSES_TD
