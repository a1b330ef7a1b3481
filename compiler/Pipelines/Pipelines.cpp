//===- Pipelines.cpp - the one place where pass order is fixed -----------===//
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Transforms/Passes.h"
#include "targets/common/TargetInfo.h"
#include "targets/x86/Transforms/Passes.h"

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
  const TargetInfo *target = lookupTarget(options.target);
  assert(target && "the caller checks the target name");
  if (target->usesX86Passes()) {
    LLMX86TileOptions tile;
    tile.cores = options.cores > 0 ? options.cores : target->defaultCores;
    pm.addPass(createLLMX86Tile(tile));
    // --pack-weights: every scheme; unset: the target's measured choice.
    LLMX86PackWeightsOptions pack;
    pack.panelSchemes = target->panelSchemes;
    pack.panelRows = target->panelRows;
    if (options.packWeights.value_or(false)) {
      pm.addPass(createLLMX86PackWeights(pack));
    } else if (!options.packWeights.has_value() && !target->packedSchemes.empty()) {
      pack.schemes = target->packedSchemes;
      pm.addPass(createLLMX86PackWeights(pack));
    }
  }
  pm.addPass(createLLMPlanMemory());
}

void registerLLMPassesAndPipelines() {
  registerLLMPasses();
  registerLLMX86Passes();
  mlir::PassPipelineRegistration<>(
      "llm-compile-pipeline", "the llmc compile pipeline for the generic target",
      [](mlir::OpPassManager &pm) { buildCompilePipeline(pm, PipelineOptions()); });
}

} // namespace llmc
