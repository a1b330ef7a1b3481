//===- Pipelines.cpp - the one place where pass order is fixed -----------===//
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace llmc {

const std::vector<std::string> &supportedTargets() {
  static const std::vector<std::string> targets = {"generic"};
  return targets;
}

void buildCompilePipeline(mlir::OpPassManager &pm, const std::string &target) {
  (void)target; // the generic target has no target-specific passes yet
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(createLLMPlanMemory());
}

void registerLLMPassesAndPipelines() {
  registerLLMPasses();
  mlir::PassPipelineRegistration<>(
      "llm-compile-pipeline", "the llmc compile pipeline for the generic target",
      [](mlir::OpPassManager &pm) { buildCompilePipeline(pm, "generic"); });
}

} // namespace llmc
