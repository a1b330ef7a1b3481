//===- Passes.td - target-independent llm passes -----------*- tablegen -*-===//
#ifndef LLMC_COMPILER_TRANSFORMS_PASSES_TD
#define LLMC_COMPILER_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Memory planning
//===----------------------------------------------------------------------===//

def LLMPlanMemory : Pass<"llm-plan-memory", "mlir::ModuleOp"> {
  let summary = "places every activation in one static arena, reusing dead buffers";
  let description = [{
    Gives each tensor produced inside a function a byte offset (`llm.arena_offset`, 64-byte
    aligned) in one arena shared by all functions of the module, so the generated code allocates
    nothing per token. Buffers whose values are dead are reused (first fit, in program order).
    Also reserves the attention score scratch (`llm.scores_offset` on each llm.attention:
    context_length floats) and records the arena size on the module (`llm.arena_bytes`).
    Requires `llm.context_length` on the module.

    Before:
    ```mlir
    module attributes {llm.context_length = 512 : i64} {
      func.func @decode(%tokens: tensor<1xi32>, %pos: index) -> tensor<1x512xf32> {
        %h = llm.embed @embed_tokens[%tokens] : tensor<1xi32> -> tensor<1x64xf32>
        %x = llm.rms_norm %h, @norm {eps = 1.0e-05 : f64} : tensor<1x64xf32>
        ...
    ```
    After:
    ```mlir
    module attributes {llm.arena_bytes = 4352 : i64, llm.context_length = 512 : i64} {
      func.func @decode(%tokens: tensor<1xi32>, %pos: index) -> tensor<1x512xf32> {
        %h = llm.embed @embed_tokens[%tokens] {llm.arena_offset = 0 : i64} ...
        %x = llm.rms_norm %h, @norm {eps = 1.0e-05 : f64, llm.arena_offset = 256 : i64} ...
    ```
  }];
}

#endif // LLMC_COMPILER_TRANSFORMS_PASSES_TD
