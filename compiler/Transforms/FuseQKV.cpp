//===- FuseQKV.cpp - linears of one input as one llm.linear_group -----------===//
#include "compiler/Transforms/FusionUtils.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

#include <map>

namespace llmc {
#define GEN_PASS_DEF_LLMFUSEQKV
#include "compiler/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

struct FuseQKVPass : llmc::impl::LLMFuseQKVBase<FuseQKVPass> {
  void runOnOperation() override {
    // Values read by more than one plain linear, in program order.
    SmallVector<Value> inputs;
    llvm::DenseSet<Value> seen;
    getOperation().walk([&](llm::LinearOp op) {
      if (llmc::isPlainLinear(op) && seen.insert(op.getInput()).second)
        inputs.push_back(op.getInput());
    });
    for (Value input : inputs)
      fuseLinearsOf(input);
  }

  void fuseLinearsOf(Value input) {
    // Linears of `input` by input format; std::map keeps the rewrite order deterministic.
    std::map<std::string, SmallVector<llm::LinearOp>> byFormat;
    for (Operation *user : input.getUsers())
      if (auto linear = dyn_cast<llm::LinearOp>(user);
          linear && linear.getInput() == input && llmc::isPlainLinear(linear) &&
          linear->getBlock() == input.getParentBlock())
        byFormat[llmc::inputFormatOf(linear, linear.getWeightAttr())].push_back(linear);
    for (auto &[format, linears] : byFormat) {
      if (linears.size() < 2)
        continue;
      // Program order: the group takes the first linear's place and its weight order.
      llvm::sort(linears, [](llm::LinearOp a, llm::LinearOp b) {
        return a->isBeforeInBlock(b);
      });
      SmallVector<Attribute> weights;
      SmallVector<Type> types;
      SmallVector<Location> locs;
      for (llm::LinearOp linear : linears) {
        weights.push_back(linear.getWeightAttr());
        types.push_back(linear.getType());
        locs.push_back(linear.getLoc());
      }
      OpBuilder b(linears.front());
      auto group = b.create<llm::LinearGroupOp>(b.getFusedLoc(locs), types, input,
                                                b.getArrayAttr(weights), /*norm=*/nullptr,
                                                /*norm_eps=*/nullptr);
      for (auto [linear, result] : llvm::zip(linears, group.getResults())) {
        linear.replaceAllUsesWith(result);
        linear.erase();
      }
    }
  }
};

} // namespace
