//===- FuseGateUp.cpp - gate and up projections with SwiGLU --------------===//
#include "compiler/Transforms/FusionUtils.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace llmc {
#define GEN_PASS_DEF_LLMFUSEGATEUP
#include "compiler/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

struct FuseGateUpPass : llmc::impl::LLMFuseGateUpBase<FuseGateUpPass> {
  void runOnOperation() override {
    SmallVector<llm::SwiGLUOp> candidates;
    getOperation().walk([&](llm::SwiGLUOp op) { candidates.push_back(op); });
    for (llm::SwiGLUOp swiglu : candidates) {
      auto gate = swiglu.getGate().getDefiningOp<llm::LinearOp>();
      auto up = swiglu.getUp().getDefiningOp<llm::LinearOp>();
      // Each projection must feed only this SwiGLU: the fused op does not produce them.
      if (!gate || !up || gate == up || !gate->hasOneUse() || !up->hasOneUse() ||
          !llmc::isPlainLinear(gate) || !llmc::isPlainLinear(up) ||
          gate.getInput() != up.getInput() ||
          llmc::inputFormatOf(gate, gate.getWeightAttr()) !=
              llmc::inputFormatOf(up, up.getWeightAttr()))
        continue;
      OpBuilder b(swiglu);
      auto fused = b.create<llm::SwiGLULinearOp>(
          swiglu.getLoc(), swiglu.getType(), gate.getInput(), gate.getWeightAttr(),
          up.getWeightAttr(), /*norm=*/nullptr, /*norm_eps=*/nullptr);
      swiglu.replaceAllUsesWith(fused.getResult());
      swiglu.erase();
      gate.erase();
      up.erase();
    }
  }
};

} // namespace
