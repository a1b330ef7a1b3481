//===- PlanWeights.cpp - how the program holds its weights ----------------===//
//
// The weights mode and, for streamed weights, the stream units are decisions the emitter
// prints; recording them here puts them in the IR, where llmc-opt and lit can see them.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/StreamUnits.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/IR/Builders.h"

#include <cstdint>

namespace llmc {
#define GEN_PASS_DEF_LLMPLANWEIGHTS
#include "compiler/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

struct PlanWeightsPass : llmc::impl::LLMPlanWeightsBase<PlanWeightsPass> {
  using LLMPlanWeightsBase::LLMPlanWeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<llmc::WeightsMode> weightsMode = llmc::parseWeightsMode(mode);
    if (!weightsMode) {
      module.emitError() << "llm-plan-weights: unknown mode '" << mode
                         << "' (mapped, embedded, streamed)";
      return signalPassFailure();
    }
    bool streamed = *weightsMode == llmc::WeightsMode::Streamed;
    if (streamed != (budget > 0) || budget > uint64_t(INT64_MAX)) {
      module.emitError() << "llm-plan-weights: "
                         << (!streamed ? "a budget is for mode=streamed"
                                       : "mode=streamed needs a budget of 1 to 2^63-1 bytes");
      return signalPassFailure();
    }
    Builder builder(module.getContext());
    module->setAttr(llmc::kWeightsModeAttr, builder.getStringAttr(mode));
    if (streamed && failed(recordStreamUnits(module)))
      return signalPassFailure();
  }

  /// The budget, the unit table, and on each op that reads layer weights their unit: only one
  /// unit is sure to be in memory during a kernel call.
  LogicalResult recordStreamUnits(ModuleOp module) {
    Builder builder(module.getContext());
    std::vector<int64_t> starts = llmc::streamUnitStarts(module);
    llmc::StreamUnits units = llmc::streamUnitsAt(module, starts);
    module->setAttr(llmc::kWeightsBudgetAttr, builder.getI64IntegerAttr(int64_t(budget)));
    module->setAttr(llmc::kStreamUnitsAttr, builder.getDenseI64ArrayAttr(starts));
    WalkResult walk = module.walk([&](Operation *op) {
      std::optional<uint32_t> unit;
      FlatSymbolRefAttr stray;
      // Nested too: llm.linear_group names its weights in an array.
      op->getAttrDictionary().walk([&](FlatSymbolRefAttr ref) {
        auto it = units.unitOfWeight.find(ref.getValue());
        if (it == units.unitOfWeight.end())
          return;
        if (unit && *unit != it->second)
          stray = ref;
        unit = it->second;
      });
      if (stray) {
        op->emitError() << "reads weight " << stray
                        << " of another layer than its other weights: streamed weights need "
                           "each op's weights in one layer";
        return WalkResult::interrupt();
      }
      if (unit)
        op->setAttr(llmc::kStreamUnitAttr, builder.getI64IntegerAttr(*unit));
      return WalkResult::advance();
    });
    return failure(walk.wasInterrupted());
  }
};

} // namespace
