//===- FuseNormIntoLinear.cpp - RMSNorm as the prologue of its linears ---===//
#include "compiler/Transforms/FusionUtils.h"
#include "compiler/Transforms/Passes.h"

namespace llmc {
#define GEN_PASS_DEF_LLMFUSENORMINTOLINEAR
#include "compiler/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

struct FuseNormIntoLinearPass
    : llmc::impl::LLMFuseNormIntoLinearBase<FuseNormIntoLinearPass> {
  void runOnOperation() override {
    SmallVector<llm::RMSNormOp> candidates;
    getOperation().walk([&](llm::RMSNormOp op) { candidates.push_back(op); });
    for (llm::RMSNormOp norm : candidates)
      if (canFold(norm))
        fold(norm);
  }

  /// Every use is operand 0 (the input) of a linear op without a prologue.
  static bool canFold(llm::RMSNormOp norm) {
    if (norm->use_empty())
      return false;
    for (OpOperand &use : norm->getUses()) {
      auto linear = dyn_cast<llm::LinearOpInterface>(use.getOwner());
      if (use.getOperandNumber() != 0 || !linear || linear.getNormAttr())
        return false;
    }
    return true;
  }

  static void fold(llm::RMSNormOp norm) {
    for (Operation *user : llvm::to_vector(norm->getUsers()))
      cast<llm::LinearOpInterface>(user).setNormPrologue(norm.getWeightAttr(), norm.getEpsAttr());
    norm.replaceAllUsesWith(norm.getInput());
    norm.erase();
  }
};

} // namespace
