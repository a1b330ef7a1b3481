//===- LLMOps.td - llm dialect operations ------------------*- tablegen -*-===//
#ifndef LLM_OPS_TD
#define LLM_OPS_TD

include "dialects/llm/LLMDialect.td"
include "dialects/llm/LLMAttrs.td"
include "dialects/llm/LLMTypes.td"
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
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "matrix product with a weight in (out, in) layout, optional bias";
  let description = [{
    `result = input * weight^T (+ bias)`: weight (out_features, in_features) as PyTorch's
    nn.Linear stores it; bias (out_features).

    ```mlir
    %q = llm.linear %x, @layers.0.q_proj : tensor<16x64xf32> -> tensor<16x64xf32>
    %k = llm.linear %x, @layers.0.k_proj bias @layers.0.k_proj.bias
        : tensor<16x64xf32> -> tensor<16x32xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$input, FlatSymbolRefAttr:$weight,
                       OptionalAttr<FlatSymbolRefAttr>:$bias);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LLM_RopeOp : LLM_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding (rotate-half layout)";
  let description = [{
    Rotates each head of `input` (tokens, heads * head_dim): row `i` is at position
    `position + i`; element `j` pairs with `j + head_dim/2` and turns by
    `(position + i) * inv_freq[j]`, where `inv_freq[j] = theta^(-2j/head_dim)` rescaled as
    `scaling` says (`linear`: divided by `factor`; `llama3`: Llama 3.1's smooth interpolation
    between low and high frequencies around `original_max_positions`).

    ```mlir
    %q2 = llm.rope %q at %pos {head_dim = 8 : i64, theta = 1.0e+04 : f64} : tensor<16x64xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$input, Index:$position,
                       I64Attr:$head_dim, F64Attr:$theta,
                       DefaultValuedAttr<LLM_RopeScalingKindAttr,
                                         "::mlir::llm::RopeScalingKind::none">:$scaling,
                       DefaultValuedAttr<F64Attr, "1.0">:$factor,
                       DefaultValuedAttr<F64Attr, "1.0">:$low_freq_factor,
                       DefaultValuedAttr<F64Attr, "4.0">:$high_freq_factor,
                       DefaultValuedAttr<I64Attr, "0">:$original_max_positions);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = "$input `at` $position attr-dict `:` type($input)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// inv_freq[j] for j < head_dim / 2, in double precision, scaling applied.
    ::llvm::SmallVector<double> computeInverseFrequencies();
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
