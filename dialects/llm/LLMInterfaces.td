//===- LLMInterfaces.td - llm dialect interfaces -----------*- tablegen -*-===//
//
// What the llm dialect asks of attributes defined elsewhere. A target owns its weight layouts
// (targets/<T>/IR): the dialect only knows that a layout names the kernels that read it, says
// which weights it can hold, and reorders a weight's blocks into itself.
//
//===----------------------------------------------------------------------===//
#ifndef LLM_INTERFACES_TD
#define LLM_INTERFACES_TD

include "mlir/IR/OpBase.td"

def LLM_WeightLayoutAttrInterface : AttrInterface<"WeightLayoutAttrInterface"> {
  let cppNamespace = "::mlir::llm";
  let description = [{
    How the blocks of a quantized weight (`!llm.qweight`) are ordered in memory when they are
    not stored row after row. A target's weight-packing pass chooses a layout; the blob writer
    calls `packBlocks` to reorder the blocks (never changes them, so the numbers stay the same),
    and the generated code calls the kernels named with `getKernelSuffix`. Only kernels written
    for a layout may read it.
  }];
  let methods = [
    InterfaceMethod<[{
        The suffix of the storage name that the kernels reading this layout carry after the
        scheme: `x4` in `llmk_<prefix>_linear_q4_0x4_rows`.
      }],
      "::llvm::StringRef", "getKernelSuffix">,
    InterfaceMethod<[{
        Checks that a weight of `scheme` and logical `shape` (rows, columns) can be stored in
        this layout (its rows fill whole groups, its blocks have the shape the layout moves).
      }],
      "::mlir::LogicalResult", "verifyWeight",
      (ins "::llvm::function_ref<::mlir::InFlightDiagnostic()>":$emitError,
           "::mlir::llm::QuantScheme":$scheme, "::llvm::ArrayRef<int64_t>":$shape)>,
    InterfaceMethod<[{
        Reorders `rows` rows of `rowBlocks` blocks of `blockBytes` bytes each, stored row after
        row in `in`, into this layout in `out` (the same size; the buffers do not overlap).
      }],
      "void", "packBlocks",
      (ins "const uint8_t *":$in, "int64_t":$rows, "int64_t":$rowBlocks,
           "int64_t":$blockBytes, "uint8_t *":$out)>,
  ];
}

def LLM_LinearOpInterface : OpInterface<"LinearOpInterface"> {
  let cppNamespace = "::mlir::llm";
  let description = [{
    An op that multiplies one input by one or more weight matrices (`llm.linear`,
    `llm.linear_group`, `llm.swiglu_linear`, `llm.qkv_projection`): what the fusions, the
    memory plan, the targets' tiling and packing passes and kernel selection have in common.
    The input may first be RMS-normalized (the `norm` prologue of llm-fuse-norm-into-linear).
  }];
  let methods = [
    InterfaceMethod<"The activations the weights multiply (normalized first under `norm`).",
      "::mlir::Value", "getInput", (ins), [{ return $_op.getInput(); }]>,
    InterfaceMethod<[{
        The weight matrices, in operand order (not a bias or the norm's weight).
      }],
      "::llvm::SmallVector<::mlir::FlatSymbolRefAttr>", "getMatrixWeights">,
    InterfaceMethod<"The weight of the RMSNorm prologue, or null without one.",
      "::mlir::FlatSymbolRefAttr", "getNormAttr", (ins), [{ return $_op.getNormAttr(); }]>,
    InterfaceMethod<"The epsilon of the RMSNorm prologue, or null without one.",
      "::mlir::FloatAttr", "getNormEpsAttr", (ins), [{ return $_op.getNormEpsAttr(); }]>,
    InterfaceMethod<"Gives the op an RMSNorm prologue.",
      "void", "setNormPrologue",
      (ins "::mlir::FlatSymbolRefAttr":$weight, "::mlir::FloatAttr":$eps), [{
        $_op.setNormAttr(weight);
        $_op.setNormEpsAttr(eps);
      }]>,
  ];
}

#endif // LLM_INTERFACES_TD
