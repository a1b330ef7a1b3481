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

void buildCompilePipeline(mlir::OpPassManager &pm, const PipelineOptions &options) {
  LLMQuantizeOptions quantize;
  quantize.scheme = options.quant;
  quantize.overrides = options.quantOverrides;
  pm.addPass(createLLMQuantize(quantize));
  pm.addPass(mlir::createCanonicalizerPass());
  // The generic target has no target-specific passes yet; x86/ARM tiling and packing go here.
  pm.addPass(createLLMPlanMemory());
}

void registerLLMPassesAndPipelines() {
  registerLLMPasses();
  mlir::PassPipelineRegistration<>(
      "llm-compile-pipeline", "the llmc compile pipeline for the generic target",
      [](mlir::OpPassManager &pm) { buildCompilePipeline(pm, PipelineOptions()); });
}

} // namespace llmc
