//===- Pipelines.cpp - the one place where pass order is fixed -----------===//
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Transforms/Passes.h"
#include "targets/Targets.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace llmc {

void buildCompilePipeline(mlir::OpPassManager &pm, const PipelineOptions &options) {
  LLMQuantizeOptions quantize;
  quantize.scheme = options.quant;
  quantize.overrides = options.quantOverrides;
  pm.addPass(createLLMQuantize(quantize));
  pm.addPass(mlir::createCanonicalizerPass());
  if (options.fuse) {
    mlir::OpPassManager &funcs = pm.nest<mlir::func::FuncOp>();
    funcs.addPass(createLLMFuseGateUp());
    funcs.addPass(createLLMFuseQKV());
    funcs.addPass(createLLMFuseRopeKV());
    funcs.addPass(createLLMFuseNormIntoLinear());
    funcs.addPass(createLLMFuseResidual());
  }
  const TargetBackend *target = lookupTarget(options.target);
  assert(target && "the caller checks the target name");
  target->buildPipeline(pm, {options.cores, options.packWeights});
  LLMSelectKernelsOptions select;
  select.prefix = target->getDescription().kernelPrefix;
  select.kernels = target->getDescription().kernels;
  pm.addPass(createLLMSelectKernels(select));
  pm.addPass(createLLMPlanMemory());
  LLMPlanWeightsOptions weights;
  weights.mode = weightsModeName(options.weightsMode).str();
  weights.budget = options.weightsBudget;
  pm.addPass(createLLMPlanWeights(weights));
}

void registerLLMPassesAndPipelines() {
  registerLLMPasses();
  registerTargetPasses();
  mlir::PassPipelineRegistration<>(
      "llm-compile-pipeline", "the llmc compile pipeline for the generic target",
      [](mlir::OpPassManager &pm) { buildCompilePipeline(pm, PipelineOptions()); });
}

} // namespace llmc
