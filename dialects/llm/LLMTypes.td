//===- LLMTypes.td - llm dialect types ---------------------*- tablegen -*-===//
#ifndef LLM_TYPES_TD
#define LLM_TYPES_TD

include "dialects/llm/LLMAttrs.td"
include "mlir/IR/AttrTypeBase.td"

def LLM_QWeightType : TypeDef<LLM_Dialect, "QWeight"> {
  let mnemonic = "qweight";
  let summary = "a block-quantized weight matrix";
  let description = [{
    A weight of logical shape `shape` (rows, columns) stored in blocks of `block` consecutive
    elements of a row, each block with its own scale(s), in the layout of the GGUF type of the
    same name (so GGUF tensors import without requantizing). `layout = rows` means rows are
    stored one after another, each as ceil(columns / block) blocks; a row whose length is not a
    multiple of the block is zero-padded to whole blocks. `layout = interleave4` (set by
    `llm-x86-pack-weights`; rows a multiple of 4) keeps the same blocks but stores each group of
    4 consecutive rows with their blocks interleaved: block b of the group's rows 0..3 together
    (runtime/quant_format.h, `llmrt_interleave_rows4`), so that a kernel computing 4 rows at once
    reads one contiguous run of memory. `layout = panel8` and `panel16` (q8_0 and q4_0; rows a
    multiple of 8 or 16) store each group of 8 or 16 rows block column by block column, the
    rows' scales and then their quants transposed in 4-byte words (`llmrt_pack_panels`): the
    x86-avx2 and x86-avx512 kernels' panels, read in place. Only kernels written for a layout
    may read it.

    ```mlir
    llm.weight @layers.0.q_proj : !llm.qweight<q4_0, [64, 64], block = 32, layout = rows>
    ```
  }];
  let parameters = (ins EnumParameter<LLM_QuantScheme>:$scheme,
                        ArrayRefParameter<"int64_t">:$shape,
                        "int64_t":$block,
                        EnumParameter<LLM_WeightLayout>:$layout);
  let assemblyFormat = [{
    `<` $scheme `,` `[` $shape `]` `,` `block` `=` $block `,` `layout` `=` $layout `>`
  }];
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilder<(ins "QuantScheme":$scheme, "::llvm::ArrayRef<int64_t>":$shape), [{
      return $_get($_ctxt, scheme, shape, quantBlockSize(scheme), WeightLayout::rows);
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
