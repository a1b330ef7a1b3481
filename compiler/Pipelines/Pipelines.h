//===- Pipelines.h - the one place where pass order is fixed --------------===//
#ifndef LLMC_COMPILER_PIPELINES_PIPELINES_H
#define LLMC_COMPILER_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

#include <string>
#include <vector>

namespace llmc {

/// Targets llmc can emit code for.
const std::vector<std::string> &supportedTargets();

/// From an imported module to one the emitter accepts for `target`:
///   canonicalize -> llm-plan-memory
void buildCompilePipeline(mlir::OpPassManager &pm, const std::string &target);

/// Registers the passes and `llm-compile-pipeline` for llmc-opt.
void registerLLMPassesAndPipelines();

} // namespace llmc

#endif // LLMC_COMPILER_PIPELINES_PIPELINES_H
