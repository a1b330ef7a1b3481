//===- FuseResidual.cpp - the residual add as a linear's epilogue -----------===//
#include "compiler/Transforms/FusionUtils.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace llmc {
#define GEN_PASS_DEF_LLMFUSERESIDUAL
#include "compiler/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

/// Whether `value` is available where `op` runs: a block argument or defined before it.
bool definedBefore(Value value, Operation *op) {
  Operation *def = value.getDefiningOp();
  if (!def)
    return value.getParentBlock() == op->getBlock();
  return def->getBlock() == op->getBlock() && def->isBeforeInBlock(op);
}

struct FuseResidualPass : llmc::impl::LLMFuseResidualBase<FuseResidualPass> {
  void runOnOperation() override {
    SmallVector<llm::AddOp> candidates;
    getOperation().walk([&](llm::AddOp op) { candidates.push_back(op); });
    for (llm::AddOp add : candidates)
      fuse(add);
  }

  static void fuse(llm::AddOp add) {
    for (auto [productIndex, residualIndex] : {std::pair(1, 0), std::pair(0, 1)}) {
      Value product = add->getOperand(productIndex), residual = add->getOperand(residualIndex);
      auto linear = product.getDefiningOp<llm::LinearOp>();
      // The product must not be needed by itself, and the residual must exist when the
      // linear runs (the linear takes the add's place in the residual stream).
      if (!linear || !product.hasOneUse() || linear.getResidual() ||
          !definedBefore(residual, linear))
        continue;
      OpBuilder b(linear);
      auto fused = b.create<llm::LinearOp>(add.getLoc(), add.getType(), linear.getInput(),
                                           linear.getWeightAttr(), linear.getBiasAttr(),
                                           linear.getNormAttr(), linear.getNormEpsAttr(),
                                           residual);
      add.replaceAllUsesWith(fused.getResult());
      add.erase();
      linear.erase();
      return;
    }
  }
};

} // namespace
