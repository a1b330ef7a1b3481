//===- LLMTypes.td - llm dialect types ---------------------*- tablegen -*-===//
#ifndef LLM_TYPES_TD
#define LLM_TYPES_TD

include "dialects/llm/LLMAttrs.td"
include "dialects/llm/LLMInterfaces.td"
include "mlir/IR/AttrTypeBase.td"

def LLM_QWeightType : TypeDef<LLM_Dialect, "QWeight"> {
  let mnemonic = "qweight";
  let summary = "a block-quantized weight matrix";
  let description = [{
    A weight of logical shape `shape` (rows, columns) stored in blocks of `block` consecutive
    elements of a row, each block with its own scale(s), in the layout of the GGUF type of the
    same name (so GGUF tensors import without requantizing). Without `layout`, rows are stored
    one after another, each as ceil(columns / block) blocks; a row whose length is not a
    multiple of the block is zero-padded to whole blocks. With `layout`, an attribute that a
    target defines (`WeightLayoutAttrInterface`, in targets/<T>/IR) and its weight-packing
    pass sets, the same blocks are stored in that target's order; only kernels written for the
    layout may read it.

    ```mlir
    llm.weight @layers.0.q_proj : !llm.qweight<q4_0, [64, 64], block = 32>
    ```
  }];
  let parameters = (ins EnumParameter<LLM_QuantScheme>:$scheme,
                        ArrayRefParameter<"int64_t">:$shape,
                        "int64_t":$block,
                        OptionalParameter<"::mlir::llm::WeightLayoutAttrInterface">:$layout);
  let assemblyFormat = [{
    `<` $scheme `,` `[` $shape `]` `,` `block` `=` $block (`,` `layout` `=` $layout^)? `>`
  }];
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilder<(ins "QuantScheme":$scheme, "::llvm::ArrayRef<int64_t>":$shape), [{
      return $_get($_ctxt, scheme, shape, quantBlockSize(scheme),
                   WeightLayoutAttrInterface());
    }]>
  ];
  let extraClassDeclaration = [{
    /// Bytes of one block of this scheme.
    int64_t getBlockBytes() const { return quantBlockBytes(getScheme()); }
    /// Bytes of one stored row: whole blocks.
    int64_t getRowBytes() const {
      return (getShape().back() + getBlock() - 1) / getBlock() * getBlockBytes();
    }
    int64_t getNumRows() const;
    /// Bytes the int8 activations of `tokens` input rows take once quantized for this
    /// scheme's integer dot products: q8_0 blocks (34 bytes per 32) for q8_0 and q4_0, q8_1
    /// (36 per 32) for q4_1, q8_K (292 per 256) for the k-quants; rows padded like weights.
    int64_t getActivationScratchBytes(int64_t tokens) const;
    /// The block type the activations are quantized to: "q8_0", "q8_1" or "q8_k". Weights
    /// with the same format can share one quantized copy of their input.
    ::llvm::StringRef getActivationFormat() const;
    int64_t getNumElements() const { return getNumRows() * getShape().back(); }
  }];
}

#endif // LLM_TYPES_TD
