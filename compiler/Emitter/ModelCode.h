//===- ModelCode.h - state shared by the writers of model.cpp ---*- C++ -*-===//
//
// model.cpp is written by ModelSources.cpp (structure, simple ops, the C API) and
// LinearSources.cpp (the linear ops and attention, whose code depends on the target: thread
// parts, prologues, epilogues). This is what both need: the module, the target, the names
// given to weights and values so far, and the KV-cache layout.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_EMITTER_MODELCODE_H
#define LLMC_COMPILER_EMITTER_MODELCODE_H

#include "compiler/Emitter/Emitter.h"
#include "dialects/llm/LLMOps.h"
#include "targets/common/TargetBackend.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>

namespace llmc {

/// The KV cache: one (context, kv_dim) slab per attention layer, keys and values apart.
struct KVCacheLayout {
  int64_t contextLength = 0;
  std::map<int64_t, int64_t> layerOffset; ///< layer -> float offset in key_cache/value_cache
  std::map<int64_t, int64_t> layerKVDim;
  int64_t totalFloats = 0;
};

class ModelCode {
public:
  ModelCode(mlir::ModuleOp module, const EmitOptions &options, const KVCacheLayout &kv,
            llvm::raw_ostream &os)
      : module(module), options(options), kv(kv), os(os) {}

  const TargetDescription &target() const { return *options.targetInfo; }

  /// The C++ expression for an activation value.
  std::string valueName(mlir::Value value) const { return valueNames.lookup(value); }
  /// "w.layers_0_q_proj" (each function binds w to the model's Weights)
  std::string weightRef(mlir::FlatSymbolRefAttr symbol) const;
  /// Columns of a (tokens, columns) activation.
  static int64_t columns(mlir::Value v) {
    return mlir::cast<mlir::RankedTensorType>(v.getType()).getDimSize(1);
  }
  /// The kernel llm-select-kernels chose for a single-kernel op, or an error.
  mlir::FailureOr<std::string> kernelOf(mlir::Operation *op);
  /// An entry of the `llm.kernels` dictionary of a linear op (norm, quantize, epilogue), or an
  /// empty string when it has none; an error when the op was never given kernels.
  mlir::FailureOr<std::string> kernelEntry(mlir::Operation *op, llvm::StringRef entry);
  /// The row-range kernels of a linear op, one per matrix weight.
  mlir::FailureOr<llvm::SmallVector<std::string>> rowKernels(mlir::Operation *op);
  /// An integer attribute the pipeline must have set on `op`, or an error naming the pass.
  mlir::FailureOr<int64_t> requiredAttr(mlir::Operation *op, llvm::StringRef name,
                                        llvm::StringRef pass);
  /// A fresh C++ identifier for `name` ("layers.0.q_proj" -> layers_0_q_proj, then _2, ...).
  std::string freshName(llvm::StringRef name);

  mlir::ModuleOp module;
  const EmitOptions &options;
  const KVCacheLayout &kv;
  llvm::raw_ostream &os;
  llvm::StringMap<std::string> weightMember;
  llvm::DenseMap<mlir::Value, std::string> valueNames;
  llvm::StringMap<int> usedNames;
  llvm::DenseMap<mlir::Operation *, std::string> ropeTableOf;
};

/// Writes the code of a linear op (llm.linear, llm.linear_group, llm.swiglu_linear,
/// llm.qkv_projection) or an attention op (llm.attention, llm.cached_attention) whose results
/// are already named. Returns std::nullopt for any other op.
std::optional<mlir::LogicalResult> writeLinearOrAttention(ModelCode &code, mlir::Operation &op);

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_MODELCODE_H
