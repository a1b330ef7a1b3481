//===- Pipelines.h - the one place where pass order is fixed --------------===//
#ifndef LLMC_COMPILER_PIPELINES_PIPELINES_H
#define LLMC_COMPILER_PIPELINES_PIPELINES_H

#include "dialects/llm/LLMDialect.h"

#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>
#include <vector>

namespace llmc {

struct PipelineOptions {
  std::string target = "generic";
  std::string quant;                       ///< default scheme; empty: keep as imported
  std::vector<std::string> quantOverrides; ///< PATTERN=SCHEME, first match wins
  int64_t cores = 0;                       ///< threads to plan for; 0: the target's default
  bool fuse = true;                        ///< run the fusion passes
  std::optional<bool> packWeights;         ///< the target's weight layouts for every scheme,
                                           ///< none, or (unset) the target's choice
  WeightsMode weightsMode = WeightsMode::Mapped; ///< how the program holds its weights
  uint64_t weightsBudget = 0;              ///< streamed: the weight buffer's bytes
};

/// From an imported module to one the emitter accepts for `options.target` (a name from
/// the registry in targets/Targets.h):
///   llm-quantize -> canonicalize
///   -> llm-fuse-gate-up -> llm-fuse-qkv -> llm-fuse-rope-kv -> llm-fuse-norm-into-linear
///   -> llm-fuse-residual
///   -> the target's passes (TargetBackend::buildPipeline: tiling, weight layouts)
///   -> llm-select-kernels (from the target's kernel table) -> llm-plan-memory
///   -> llm-plan-weights (the weights mode; streamed: the units each op's weights are read in)
/// The fusions run after quantization because which linears may share a quantized input
/// depends on their schemes; SwiGLU before QKV so that gate and up pair with each other rather
/// than join the group of their input; norm and residual last, onto the grouped ops.
void buildCompilePipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// Registers the passes (every target's too) and `llm-compile-pipeline` for llmc-opt.
void registerLLMPassesAndPipelines();

} // namespace llmc

#endif // LLMC_COMPILER_PIPELINES_PIPELINES_H
