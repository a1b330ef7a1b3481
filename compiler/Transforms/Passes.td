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
       `f32` to keep a weight unquantized, or `f16` / `bf16` to store it as 16-bit floats.
    2. The token embedding and the output projection: `q6_k` under a 4-bit `scheme`, else
       `scheme` (as llama.cpp keeps its output layer at 6 bits for 4-bit files).
    3. Everything else: `scheme`.
    An empty `scheme` leaves weights without an override as imported (float, or the GGUF
    tensor's own scheme).

    Fallbacks, applied to whatever block scheme was chosen: a weight whose rows are not a
    multiple of 32 gets q8_0 (its last block zero-padded): llama.cpp keeps such tensors in f16,
    and q8_0 holds their accuracy at half the bytes. A k-quant (256-element blocks) for rows
    that are not a multiple of 256 falls back to q4_1 (for q4_k) or q8_0 (for q6_k), since
    padding a short row to a whole super-block would cost more bits than the fallback.

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
// Fusion. The compile pipeline runs them as gate-up, qkv, rope-kv, norm-into-linear, residual:
// rope-kv rewrites what qkv groups, and the last two attach to the grouped ops.
//===----------------------------------------------------------------------===//

def LLMFuseGateUp : Pass<"llm-fuse-gate-up", "mlir::func::FuncOp"> {
  let summary = "gate and up projections with SwiGLU as their epilogue";
  let description = [{
    Rewrites `llm.swiglu` of two `llm.linear`s of the same input (no bias, no other users) into
    one `llm.swiglu_linear`: the targets compute a row of each projection together and apply
    silu(gate) * up at once, so neither product is written out.

    Before:
    ```mlir
    %g = llm.linear %x, @gate : tensor<1x64xf32> -> tensor<1x172xf32>
    %u = llm.linear %x, @up : tensor<1x64xf32> -> tensor<1x172xf32>
    %s = llm.swiglu %g, %u : tensor<1x172xf32>
    ```
    After:
    ```mlir
    %s = llm.swiglu_linear %x, @gate, @up : tensor<1x64xf32> -> tensor<1x172xf32>
    ```
  }];
  let dependentDialects = ["mlir::llm::LLMDialect"];
}

def LLMFuseNormIntoLinear : Pass<"llm-fuse-norm-into-linear", "mlir::func::FuncOp"> {
  let summary = "RMSNorm as the prologue of the linears that read it";
  let description = [{
    An `llm.rms_norm` whose every user reads it as the input of a linear op (`llm.linear`,
    `llm.linear_group`, `llm.swiglu_linear`, `llm.qkv_projection`) without a prologue is folded
    into those users as `norm @weight eps E`: the targets normalize and quantize the input once,
    and the normalized tensor is not an activation of its own. Best run after the grouping
    passes, so that one norm has one user.

    Before:
    ```mlir
    %x = llm.rms_norm %h, @norm {eps = 1.0e-05 : f64} : tensor<1x64xf32>
    %y = llm.linear %x, @w : tensor<1x64xf32> -> tensor<1x32xf32>
    ```
    After:
    ```mlir
    %y = llm.linear %h, @w norm @norm eps 1.0e-05 : tensor<1x64xf32> -> tensor<1x32xf32>
    ```
  }];
  let dependentDialects = ["mlir::llm::LLMDialect"];
}

def LLMFuseQKV : Pass<"llm-fuse-qkv", "mlir::func::FuncOp"> {
  let summary = "linears that read the same input (Q, K, V) become one llm.linear_group";
  let description = [{
    Groups the `llm.linear`s of one input (no bias, no norm, no residual) whose weights pair
    with the same activation format (all float, or all quantized to q8_0-, q8_1- or q8_K-type
    activations) into one `llm.linear_group`, placed at the first of them: the input is
    quantized once and the rows of all weights run as one parallel loop.

    Before:
    ```mlir
    %q = llm.linear %x, @q_proj : tensor<1x64xf32> -> tensor<1x64xf32>
    %k = llm.linear %x, @k_proj : tensor<1x64xf32> -> tensor<1x32xf32>
    %v = llm.linear %x, @v_proj : tensor<1x64xf32> -> tensor<1x32xf32>
    ```
    After:
    ```mlir
    %q, %k, %v = llm.linear_group %x, [@q_proj, @k_proj, @v_proj]
        : tensor<1x64xf32> -> tensor<1x64xf32>, tensor<1x32xf32>, tensor<1x32xf32>
    ```
  }];
  let dependentDialects = ["mlir::llm::LLMDialect"];
}

def LLMFuseResidual : Pass<"llm-fuse-residual", "mlir::func::FuncOp"> {
  let summary = "the residual add as the epilogue of the output and down projections";
  let description = [{
    `llm.add %h, %y` where `%y` is an `llm.linear` used only there (and without a residual
    yet) becomes `llm.linear ... residual %h`: each output element is added to the residual
    stream as it is produced.

    Before:
    ```mlir
    %o = llm.linear %a, @o_proj : tensor<1x64xf32> -> tensor<1x64xf32>
    %h2 = llm.add %h, %o : tensor<1x64xf32>
    ```
    After:
    ```mlir
    %h2 = llm.linear %a, @o_proj residual %h : tensor<1x64xf32> -> tensor<1x64xf32>
    ```
  }];
  let dependentDialects = ["mlir::llm::LLMDialect"];
}

def LLMFuseRopeKV : Pass<"llm-fuse-rope-kv", "mlir::func::FuncOp"> {
  let summary = "RoPE as Q and K are produced, K and V written straight into the KV cache";
  let description = [{
    Matches a three-weight `llm.linear_group` whose results are only used as
    `llm.attention(rope(q), rope(k), v)` (both ropes with the same parameters) and rewrites it
    into `llm.qkv_projection`, which rotates Q and K in the projection's epilogue and stores K
    and V in the cache, followed by `llm.cached_attention`, which only reads the cache.

    Before:
    ```mlir
    %q, %k, %v = llm.linear_group %x, [@q_proj, @k_proj, @v_proj] : ...
    %qr = llm.rope %q at %pos {head_dim = 8 : i64, theta = 1.0e+04 : f64} : tensor<1x64xf32>
    %kr = llm.rope %k at %pos {head_dim = 8 : i64, theta = 1.0e+04 : f64} : tensor<1x32xf32>
    %a = llm.attention %qr, %kr, %v at %pos {head_dim = 8 : i64, layer = 0 : i64,
        num_heads = 8 : i64, num_kv_heads = 4 : i64} : ...
    ```
    After:
    ```mlir
    %qr = llm.qkv_projection %x, @q_proj, @k_proj, @v_proj at %pos {head_dim = 8 : i64,
        layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, theta = 1.0e+04 : f64}
        : tensor<1x64xf32> -> tensor<1x64xf32>
    %a = llm.cached_attention %qr at %pos {head_dim = 8 : i64, layer = 0 : i64,
        num_heads = 8 : i64, num_kv_heads = 4 : i64} : tensor<1x64xf32>
    ```
  }];
  let dependentDialects = ["mlir::llm::LLMDialect"];
}

//===----------------------------------------------------------------------===//
// Kernel selection
//===----------------------------------------------------------------------===//

def LLMSelectKernels : Pass<"llm-select-kernels", "mlir::ModuleOp"> {
  let summary = "names the kernel of the kernel ABI that each op becomes";
  let description = [{
    Records on each op which kernels of the kernel ABI (targets/common/kernels_abi.h) its code
    calls, so that the choice is in the IR and the emitter only prints it: the target's own
    kernel where the target's kernel table (`kernels`, `llmk_<prefix>_...` names) has it,
    else the generic one (`llmk_generic_...`). A weight in a target's layout has no generic
    kernel: if the target lacks its kernel the pass fails, naming the weight.

    Ops with one kernel get `llm.kernel`. The linear ops (`llm.linear`, `llm.linear_group`,
    `llm.swiglu_linear`, `llm.qkv_projection`) get `llm.kernels`, a dictionary: `norm` (the
    RMSNorm prologue, if fused), `quantize` (the activations' quantizer, for quantized weights),
    `rows` (one row-range linear per weight, in operand order) and `epilogue` (the residual
    add, SwiGLU, or RoPE of the new queries and keys).

    After `llm-select-kernels{prefix=isa kernels=llmk_isa_linear_q4_0_rows,...}`:
    ```mlir
    %y = llm.linear %x, @w {llm.kernels = {quantize = "llmk_generic_quantize_q8_0",
                                           rows = ["llmk_isa_linear_q4_0_rows"]}} ...
    %z = llm.rms_norm %y, @g {llm.kernel = "llmk_generic_rms_norm_f32"} ...
    ```
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", /*default=*/"\"generic\"",
           "the target's kernel prefix: llmk_<prefix>_...">,
    ListOption<"kernels", "kernels", "std::string",
               "the kernels of the target's table (default: none, so the generic ones)">,
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

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def LLMPlanWeights : Pass<"llm-plan-weights", "mlir::ModuleOp"> {
  let summary = "records how the program holds its weights, and what streamed weights are read in";
  let description = [{
    Records `mode` on the module as `llm.weights_mode` (`llmc compile --weights-mode`): `mapped`
    (weights.bin mapped at run time; also what a module without the attribute means),
    `embedded` (part of the program) or `streamed` (read while the model runs into a weight
    buffer of `budget` bytes, recorded as `llm.weights_budget`; `llmc compile --weights-budget`).

    For `streamed` it also groups each layer's tensors into stream units, the tensors one kernel
    call reads (compiler/Transforms/StreamUnits.h), and records each unit's first tensor (its
    index in weights.bin's table, which lists the `llm.weight` ops in order) as
    `llm.stream_units` on the module and, on each op that reads layer weights, the unit they are
    in as `llm.stream_unit`. The pass fails on an op whose weights lie in two layers. Best run
    last: the units follow the ops the fusion passes leave.

    After `llm-plan-weights{mode=streamed budget=768000}`:
    ```mlir
    module attributes {llm.stream_units = array<i64: 1, 5, 6, 9, ...>,
                       llm.weights_budget = 768000 : i64, llm.weights_mode = "streamed"} {
      llm.weight @embed_tokens : tensor<512x64xf32>
      llm.weight @layers.0.input_norm : tensor<64xf32>
      ...
      %q = llm.qkv_projection %h, @layers.0.q_proj, @layers.0.k_proj, @layers.0.v_proj at %pos
          norm @layers.0.input_norm eps 1.0e-05 {..., llm.stream_unit = 0 : i64, ...} ...
    ```
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"mapped\"",
           "mapped, embedded or streamed">,
    Option<"budget", "budget", "uint64_t", /*default=*/"0",
           "streamed: the weight buffer's bytes (1 to 2^63-1)">,
  ];
}

#endif // LLMC_COMPILER_TRANSFORMS_PASSES_TD
