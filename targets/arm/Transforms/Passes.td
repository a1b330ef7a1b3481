//===- Passes.td - ARM target passes -----------------------*- tablegen -*-===//
#ifndef LLMC_TARGETS_ARM_TRANSFORMS_PASSES_TD
#define LLMC_TARGETS_ARM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LLMArmPackWeights : Pass<"llm-arm-pack-weights", "mlir::ModuleOp"> {
  let summary = "stores q8_0 and q4_0 linear weights as 4-row word groups (sdot) or 2x8 "
                "row-pair blocks (smmla)";
  let description = [{
    Gives a q8_0 or q4_0 weight `layout = #arm.rows4x4` (`layout=rows4x4`, arm-dotprod's
    default) or `#arm.rows2x8` (`layout=rows2x8`, arm-i8mm's): the blocks of a group of rows
    stored together with their quants interleaved as the kernels' instructions take them
    (`targets/arm/weight_layouts.h`). The blob writer reorders the blocks; the generated code
    calls the `r4x4` or `r2x8` kernels (`llmk_dotprod_linear_q4_0r4x4_rows`): the first compute
    the row kernels' results bit for bit, the second sum a block's products in one int32 lane
    and differ from them in the order of float additions.

    A weight is packed when its rows are whole groups (4 or 2) and every reference to it is the
    matrix operand of a linear op (`llm.linear`, `llm.linear_group`, `llm.swiglu_linear`,
    `llm.qkv_projection`) that `llm-split-rows` split into parts of whole groups. A table that
    `llm.embed` also reads (tied embeddings) keeps the row layout. Runs after `llm-split-rows`.

    Before:
    ```mlir
    llm.weight @w : !llm.qweight<q4_0, [64, 64], block = 32>
    ```
    After (`layout=rows4x4`):
    ```mlir
    llm.weight @w : !llm.qweight<q4_0, [64, 64], block = 32, layout = #arm.rows4x4>
    ```
  }];
  let options = [
    Option<"layout", "layout", "std::string", /*default=*/"\"rows4x4\"",
           "the layout to store weights in: rows4x4 (sdot) or rows2x8 (smmla)">,
  ];
  let dependentDialects = ["::llmc::arm::ArmDialect"];
}

#endif // LLMC_TARGETS_ARM_TRANSFORMS_PASSES_TD
