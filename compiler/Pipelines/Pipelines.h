//===- Pipelines.h - the one place where pass order is fixed --------------===//
#ifndef LLMC_COMPILER_PIPELINES_PIPELINES_H
#define LLMC_COMPILER_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

#include <string>
#include <vector>

namespace llmc {

/// Targets llmc can emit code for.
const std::vector<std::string> &supportedTargets();

struct PipelineOptions {
  std::string target = "generic";
  std::string quant;                       ///< default scheme; empty: keep as imported
  std::vector<std::string> quantOverrides; ///< PATTERN=SCHEME, first match wins
};

/// From an imported module to one the emitter accepts for `options.target`:
///   llm-quantize -> canonicalize -> llm-plan-memory
void buildCompilePipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// Registers the passes and `llm-compile-pipeline` for llmc-opt.
void registerLLMPassesAndPipelines();

} // namespace llmc

#endif // LLMC_COMPILER_PIPELINES_PIPELINES_H
