//===- FuseRopeKV.cpp - RoPE and the KV-cache write at the projection -------===//
#include "compiler/Transforms/FusionUtils.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace llmc {
#define GEN_PASS_DEF_LLMFUSEROPEKV
#include "compiler/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

/// The llm.rope that is the only user of `value`, or null.
llm::RopeOp soleRope(Value value) {
  if (!value.hasOneUse())
    return nullptr;
  return dyn_cast<llm::RopeOp>(*value.getUsers().begin());
}

struct FuseRopeKVPass : llmc::impl::LLMFuseRopeKVBase<FuseRopeKVPass> {
  void runOnOperation() override {
    SmallVector<llm::AttentionOp> candidates;
    getOperation().walk([&](llm::AttentionOp op) { candidates.push_back(op); });
    for (llm::AttentionOp attention : candidates)
      fuse(attention);
  }

  /// attention(rope(q), rope(k), v) with q, k, v one linear_group's results, used only there.
  void fuse(llm::AttentionOp attention) {
    auto queryRope = attention.getQuery().getDefiningOp<llm::RopeOp>();
    auto keyRope = attention.getKey().getDefiningOp<llm::RopeOp>();
    auto group = attention.getValue().getDefiningOp<llm::LinearGroupOp>();
    if (!queryRope || !keyRope || !group || group.getNumResults() != 3)
      return;
    Value q = group.getResult(0), k = group.getResult(1), v = group.getResult(2);
    if (soleRope(q) != queryRope || soleRope(k) != keyRope || !v.hasOneUse() ||
        !queryRope->hasOneUse() || !keyRope->hasOneUse() ||
        queryRope.getPosition() != attention.getPosition() ||
        keyRope.getPosition() != attention.getPosition())
      return;
    llm::RopeParameters rope = queryRope.getRopeParameters();
    if (!(rope == keyRope.getRopeParameters()) || rope.headDim != int64_t(attention.getHeadDim()))
      return;

    ArrayAttr weights = group.getWeights();
    OpBuilder b(attention);
    auto projection = b.create<llm::QKVProjectionOp>(
        b.getFusedLoc({queryRope.getLoc(), group.getLoc()}), queryRope.getType(),
        group.getInput(), cast<FlatSymbolRefAttr>(weights[0]),
        cast<FlatSymbolRefAttr>(weights[1]), cast<FlatSymbolRefAttr>(weights[2]),
        attention.getPosition(), attention.getLayerAttr(), attention.getNumHeadsAttr(),
        attention.getNumKvHeadsAttr(), attention.getHeadDimAttr(), queryRope.getRopeAttr(),
        /*norm=*/nullptr, /*norm_eps=*/nullptr);
    llmc::copyNormPrologue(group, projection);
    auto cached = b.create<llm::CachedAttentionOp>(
        attention.getLoc(), attention.getType(), projection.getResult(),
        attention.getPosition(), attention.getLayerAttr(), attention.getNumHeadsAttr(),
        attention.getNumKvHeadsAttr(), attention.getHeadDimAttr());
    attention.replaceAllUsesWith(cached.getResult());
    attention.erase();
    queryRope.erase();
    keyRope.erase();
    group.erase();
  }
};

} // namespace
