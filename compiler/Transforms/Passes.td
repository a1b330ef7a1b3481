//===- Passes.td - target-independent llm passes -----------*- tablegen -*-===//
#ifndef LLMC_COMPILER_TRANSFORMS_PASSES_TD
#define LLMC_COMPILER_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def LLMQuantize : Pass<"llm-quantize", "mlir::ModuleOp"> {
  let summary = "chooses the storage type of every weight: float or a block-quantized scheme";
  let description = [{
    Rewrites the type of each `llm.weight` that a linear or embedding reads to
    `!llm.qweight<scheme, ...>`; the blob writer later quantizes (or, for a GGUF tensor already
    in that scheme, copies) the data. Vectors (norm weights, biases) stay float32.

    Which scheme a weight gets, first rule that applies:
    1. `overrides`: `PATTERN=SCHEME` entries in order, the first whose glob matches the weight's
       name (`layers.0.*`, `*.down_proj`). `output` also names the output projection
       (`lm_head`, or `embed_tokens` when tied) and `embed` the token embedding. SCHEME may be
       `f32` to keep a weight unquantized.
    2. The token embedding and the output projection: `q6_k` under a 4-bit `scheme`, else
       `scheme` (as llama.cpp keeps its output layer at 6 bits for 4-bit files).
    3. Everything else: `scheme`.
    An empty `scheme` leaves weights without an override as imported (float, or the GGUF
    tensor's own scheme).

    Fallbacks, applied to whatever scheme was chosen: a weight whose rows are not a multiple of
    32 gets q8_0 (its last block zero-padded): llama.cpp keeps such tensors in f16, and q8_0
    holds their accuracy at half the bytes. A k-quant (256-element blocks) for rows that are not
    a multiple of 256 falls back to q4_1 (for q4_k) or q8_0 (for q6_k), since padding a short
    row to a whole super-block would cost more bits than the fallback.

    Before:
    ```mlir
    llm.weight @layers.0.q_proj : tensor<64x64xf32>
    ```
    After `llm-quantize{scheme=q4_0}`:
    ```mlir
    llm.weight @layers.0.q_proj : !llm.qweight<q4_0, [64, 64], block = 32, layout = rows>
    ```
  }];
  let options = [
    Option<"scheme", "scheme", "std::string", /*default=*/"\"\"",
           "default scheme: q8_0, q4_0, q4_1, q4_k, q6_k (empty: keep as imported)">,
    ListOption<"overrides", "overrides", "std::string",
               "PATTERN=SCHEME rules, first match wins">,
  ];
}

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
    context_length floats), the int8 activations of each linear with a quantized weight
    (`llm.scratch_offset`), and records the arena size on the module (`llm.arena_bytes`).
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
