//===- LLMOps.td - llm dialect operations ------------------*- tablegen -*-===//
#ifndef LLM_OPS_TD
#define LLM_OPS_TD

include "dialects/llm/LLMDialect.td"
include "dialects/llm/LLMAttrs.td"
include "dialects/llm/LLMTypes.td"
include "dialects/llm/LLMInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// Activations: float32 (tokens, features) matrices with static shapes.
def LLM_Activation : 2DTensorOf<[F32]>;

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def LLM_WeightOp : LLM_Op<"weight", [Symbol]> {
  let summary = "declares a tensor of the weight table";
  let description = [{
    Names a tensor that the compiler's weight table holds. The IR records only its name and
    type (a float tensor, or a block-quantized `!llm.qweight`); the data stays in the
    memory-mapped source file until the blob writer streams it, converted to that type.

    ```mlir
    llm.weight @layers.0.q_proj : tensor<64x64xf32>
    llm.weight @layers.0.k_proj : !llm.qweight<q4_0, [32, 64], block = 32, layout = rows>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttr:$type);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The logical shape, whether stored as floats or quantized.
    ::llvm::ArrayRef<int64_t> getWeightShape();
    /// The quantized type, or null for a float tensor.
    ::mlir::llm::QWeightType getQuantizedType() {
      return ::llvm::dyn_cast<::mlir::llm::QWeightType>(getType());
    }
    /// The bytes weights.bin stores: whole blocks per row when quantized, else the elements at
    /// their width (f32, f16).
    int64_t getStoredBytes();
    /// The number format whatever the layout: "f32", "f16", "bf16", "q4_0", ... (the blob's
    /// dtype).
    std::string getSchemeName();
    /// The scheme and, for a weight in a target's layout, that layout's kernel suffix: "q4_0",
    /// "q4_0x4". Kernels are named after it (llmk_<isa>_linear_<storage>_rows).
    std::string getStorageName();
  }];
}

//===----------------------------------------------------------------------===//
// Decoder operations
//===----------------------------------------------------------------------===//

def LLM_EmbedOp : LLM_Op<"embed",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "looks up token embeddings";
  let description = [{
    Row `i` of the result is row `tokens[i]` of the weight `table` (vocab, hidden).

    ```mlir
    %h = llm.embed @embed_tokens[%tokens] : tensor<16xi32> -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$table, 1DTensorOf<[I32]>:$tokens);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $table `[` $tokens `]` attr-dict `:` type($tokens) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LLM_RMSNormOp : LLM_Op<"rms_norm",
    [Pure, AllTypesMatch<["input", "result"]>,
     DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "root-mean-square normalization with a learned scale";
  let description = [{
    `result[i, :] = input[i, :] / sqrt(mean(input[i, :]^2) + eps) * weight`, weight (hidden).

    ```mlir
    %y = llm.rms_norm %x, @layers.0.input_norm {eps = 1.0e-05 : f64} : tensor<16x64xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$input, FlatSymbolRefAttr:$weight, F64Attr:$eps);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = "$input `,` $weight attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def LLM_LinearOp : LLM_Op<"linear",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>,
     DeclareOpInterfaceMethods<LLM_LinearOpInterface>,
     OptionalTypesMatchWith<"residual has the result's type", "result", "residual",
                            "$_self">]> {
  let summary = "matrix product with a weight in (out, in) layout, optional bias";
  let description = [{
    `result = input * weight^T (+ bias)`: weight (out_features, in_features) as PyTorch's
    nn.Linear stores it; bias (out_features).

    Two fusions attach to it (see llm-fuse-norm-into-linear and llm-fuse-residual): a `norm`
    prologue (`input` is first RMS-normalized with that weight and `norm_eps`) and a `residual`
    epilogue (`result = residual + input * weight^T`), so that the normalized input and the
    product are never separate tensors.

    ```mlir
    %q = llm.linear %x, @layers.0.q_proj : tensor<16x64xf32> -> tensor<16x64xf32>
    %k = llm.linear %x, @layers.0.k_proj bias @layers.0.k_proj.bias
        : tensor<16x64xf32> -> tensor<16x32xf32>
    %h2 = llm.linear %a, @layers.0.o_proj residual %h : tensor<16x64xf32> -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$input, FlatSymbolRefAttr:$weight,
                       OptionalAttr<FlatSymbolRefAttr>:$bias,
                       OptionalAttr<FlatSymbolRefAttr>:$norm, OptionalAttr<F64Attr>:$norm_eps,
                       Optional<LLM_Activation>:$residual);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^)? (`norm` $norm^ `eps` $norm_eps)?
    (`residual` $residual^)? attr-dict `:` type($input) `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input,
                   "::mlir::FlatSymbolRefAttr":$weight, "::mlir::FlatSymbolRefAttr":$bias), [{
      build($_builder, $_state, result, input, weight, bias, /*norm=*/nullptr,
            /*norm_eps=*/nullptr, /*residual=*/nullptr);
    }]>
  ];
  let hasVerifier = 1;
}

def LLM_LinearGroupOp : LLM_Op<"linear_group",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>,
     DeclareOpInterfaceMethods<LLM_LinearOpInterface>]> {
  let summary = "several linears that read the same input";
  let description = [{
    `results[i] = input * weights[i]^T`: what llm-fuse-qkv makes of the Q, K and V
    projections. The input is normalized (optional `norm` prologue, as on llm.linear) and
    quantized once for all of them, and the targets run their rows as one parallel loop.

    ```mlir
    %q, %k, %v = llm.linear_group %x, [@layers.0.q_proj, @layers.0.k_proj, @layers.0.v_proj]
        : tensor<16x64xf32> -> tensor<16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$input, FlatSymbolRefArrayAttr:$weights,
                       OptionalAttr<FlatSymbolRefAttr>:$norm, OptionalAttr<F64Attr>:$norm_eps);
  let results = (outs Variadic<LLM_Activation>:$results);
  let assemblyFormat = [{
    $input `,` $weights (`norm` $norm^ `eps` $norm_eps)? attr-dict `:` type($input) `->`
    type($results)
  }];
  let hasVerifier = 1;
}

def LLM_SwiGLULinearOp : LLM_Op<"swiglu_linear",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>,
     DeclareOpInterfaceMethods<LLM_LinearOpInterface>]> {
  let summary = "silu(input * gate^T) * (input * up^T): the gate and up projections of an MLP";
  let description = [{
    What llm-fuse-gate-up makes of `llm.swiglu` over two linears of the same input. The
    targets compute a row of the gate and the same row of the up projection together and
    apply SwiGLU while both are in registers or L1, so neither product is a tensor. Optional
    `norm` prologue as on llm.linear.

    ```mlir
    %s = llm.swiglu_linear %x, @layers.0.gate_proj, @layers.0.up_proj
        : tensor<16x64xf32> -> tensor<16x172xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$input, FlatSymbolRefAttr:$gate, FlatSymbolRefAttr:$up,
                       OptionalAttr<FlatSymbolRefAttr>:$norm, OptionalAttr<F64Attr>:$norm_eps);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $input `,` $gate `,` $up (`norm` $norm^ `eps` $norm_eps)? attr-dict `:` type($input) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def LLM_RopeOp : LLM_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding (rotate-half layout)";
  let description = [{
    Rotates each head of `input` (tokens, heads * head_dim): row `i` is at position
    `position + i`; element `j` pairs with `j + head_dim/2` and turns by
    `(position + i) * inv_freq[j]`, the frequencies of `rope` (`#llm.rope`).

    ```mlir
    %q2 = llm.rope %q at %pos {head_dim = 8 : i64, rope = #llm.rope<theta = 1.000000e+04>}
        : tensor<16x64xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$input, Index:$position,
                       I64Attr:$head_dim, LLM_RopeAttr:$rope);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = "$input `at` $position attr-dict `:` type($input)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The rotary parameters, as llm.qkv_projection also carries them.
    ::mlir::llm::RopeParameters getRopeParameters();
  }];
}

def LLM_AttentionOp : LLM_Op<"attention",
    [MemoryEffects<[MemRead, MemWrite]>, AllTypesMatch<["query", "result"]>]> {
  let summary = "causal grouped-query attention over the layer's KV cache";
  let description = [{
    Stores the rows of `key` and `value` (tokens, kv_heads * head_dim) in KV-cache slot `layer`
    at positions `position ..`, then lets query row `i` (tokens, heads * head_dim) attend to
    cache positions `0 .. position + i` with scale `1/sqrt(head_dim)`. Query head `h` reads KV
    head `h / (heads / kv_heads)`. The cache write is why this op is not Pure.

    ```mlir
    %a = llm.attention %q, %k, %v at %pos
        {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64}
        : tensor<16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32> -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$query, LLM_Activation:$key, LLM_Activation:$value,
                       Index:$position, I64Attr:$layer, I64Attr:$num_heads,
                       I64Attr:$num_kv_heads, I64Attr:$head_dim);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value `at` $position attr-dict `:` type($query) `,` type($key) `,`
    type($value) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LLM_QKVProjectionOp : LLM_Op<"qkv_projection",
    [MemoryEffects<[MemWrite]>, DeclareOpInterfaceMethods<SymbolUserOpInterface>,
     DeclareOpInterfaceMethods<LLM_LinearOpInterface>]> {
  let summary = "Q, K and V projections with RoPE, K and V stored in the KV cache";
  let description = [{
    What llm-fuse-rope-kv makes of a Q/K/V `llm.linear_group`, the `llm.rope` of Q and K and
    the cache write of `llm.attention`: `result` is the rotated query
    `rope(input * query^T)`; `rope(input * key^T)` and `input * value^T` go straight to
    positions `position ..` of KV-cache slot `layer` (read by `llm.cached_attention`), so
    neither is a tensor. `rope` is llm.rope's. Optional `norm` prologue as on llm.linear.

    ```mlir
    %q = llm.qkv_projection %x, @layers.0.q_proj, @layers.0.k_proj, @layers.0.v_proj at %pos
        {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64,
         rope = #llm.rope<theta = 1.000000e+04>} : tensor<16x64xf32> -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$input, FlatSymbolRefAttr:$query, FlatSymbolRefAttr:$key,
                       FlatSymbolRefAttr:$value, Index:$position, I64Attr:$layer,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads, I64Attr:$head_dim,
                       LLM_RopeAttr:$rope,
                       OptionalAttr<FlatSymbolRefAttr>:$norm, OptionalAttr<F64Attr>:$norm_eps);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $input `,` $query `,` $key `,` $value `at` $position (`norm` $norm^ `eps` $norm_eps)?
    attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The rotary parameters, as llm.rope has them.
    ::mlir::llm::RopeParameters getRopeParameters();
  }];
}

def LLM_CachedAttentionOp : LLM_Op<"cached_attention",
    [MemoryEffects<[MemRead]>, AllTypesMatch<["query", "result"]>]> {
  let summary = "causal grouped-query attention over a KV cache that already holds the keys";
  let description = [{
    As llm.attention without the cache write: KV-cache slot `layer` already holds positions
    `0 .. position + tokens - 1` (written by `llm.qkv_projection`); query row `i` attends to
    positions `0 .. position + i`.

    ```mlir
    %a = llm.cached_attention %q at %pos
        {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64}
        : tensor<16x64xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$query, Index:$position, I64Attr:$layer,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads, I64Attr:$head_dim);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = "$query `at` $position attr-dict `:` type($query)";
  let hasVerifier = 1;
}

def LLM_SwiGLUOp : LLM_Op<"swiglu", [Pure, SameOperandsAndResultType]> {
  let summary = "silu(gate) * up";
  let description = [{
    ```mlir
    %s = llm.swiglu %gate, %up : tensor<16x172xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$gate, LLM_Activation:$up);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
}

def LLM_AddOp : LLM_Op<"add", [Pure, Commutative, SameOperandsAndResultType]> {
  let summary = "elementwise sum (the residual connection)";
  let description = [{
    ```mlir
    %h2 = llm.add %h, %o : tensor<16x64xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$lhs, LLM_Activation:$rhs);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

#endif // LLM_OPS_TD
