//===- PlanMemory.cpp - static arena placement for activations -----------===//
//
// Functions of a model run one at a time, so each is planned from offset 0 and the arena is as
// large as the largest plan. Within a function the code is straight-line: a value is live from
// its defining op to its last user (to the end when returned), and a buffer is reused once its
// value is dead. An op's results and scratch never share bytes with its operands or with each
// other, so kernels need not handle aliasing.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <algorithm>

namespace llmc {
#define GEN_PASS_DEF_LLMPLANMEMORY
#include "compiler/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

constexpr int64_t kAlignment = llmc::kArenaAlignment;

int64_t alignUp(int64_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

/// A block of the arena and the index of the last op that reads it.
struct Allocation {
  int64_t offset;
  int64_t bytes;
  int64_t lastUse;
};

/// First-fit allocator over the arena for one function.
class ArenaPlanner {
public:
  /// Releases every block whose last use came before op `opIndex`.
  void releaseDeadBefore(int64_t opIndex) {
    llvm::erase_if(live, [&](const Allocation &a) { return a.lastUse < opIndex; });
  }

  /// Places `bytes` in the lowest gap that fits and returns its offset.
  int64_t allocate(int64_t bytes, int64_t lastUse) {
    bytes = alignUp(bytes);
    llvm::sort(live, [](const Allocation &a, const Allocation &b) { return a.offset < b.offset; });
    int64_t offset = 0;
    for (const Allocation &a : live) {
      if (a.offset - offset >= bytes)
        break;
      offset = std::max(offset, a.offset + a.bytes);
    }
    live.push_back({offset, bytes, lastUse});
    peak = std::max(peak, offset + bytes);
    return offset;
  }

  int64_t peakBytes() const { return peak; }

private:
  std::vector<Allocation> live;
  int64_t peak = 0;
};

struct PlanMemoryPass : llmc::impl::LLMPlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto context = module->getAttrOfType<IntegerAttr>(llmc::kContextLengthAttr);
    if (!context || context.getInt() <= 0) {
      module.emitError() << "llm-plan-memory needs a positive '" << llmc::kContextLengthAttr
                         << "' on the module";
      return signalPassFailure();
    }
    int64_t arenaBytes = 0;
    for (auto func : module.getOps<func::FuncOp>()) {
      FailureOr<int64_t> bytes = planFunction(func, context.getInt());
      if (failed(bytes))
        return signalPassFailure();
      arenaBytes = std::max(arenaBytes, *bytes);
    }
    Builder builder(module.getContext());
    module->setAttr(llmc::kArenaBytesAttr, builder.getI64IntegerAttr(arenaBytes));
  }

  /// The quantized type of `weight`, or null when it is float.
  static llm::QWeightType quantizedType(Operation *user, FlatSymbolRefAttr weight) {
    auto op = SymbolTable::lookupNearestSymbolFrom<llm::WeightOp>(user, weight);
    return op ? op.getQuantizedType() : llm::QWeightType();
  }

  /// Reserves the scratch an op uses while it runs: the attention scores (one context-long
  /// row per parallel part), a linear op's normalized input (norm prologue), its input
  /// quantized to int8 blocks, and the up projection of llm.swiglu_linear.
  static void planScratch(Operation &op, int64_t opIndex, int64_t contextLength,
                          ArenaPlanner &planner) {
    Builder builder(op.getContext());
    auto place = [&](StringRef attr, int64_t bytes) {
      op.setAttr(attr, builder.getI64IntegerAttr(planner.allocate(bytes, opIndex)));
    };
    if (isa<llm::AttentionOp, llm::CachedAttentionOp>(op)) {
      auto parts = op.getAttrOfType<IntegerAttr>(llmc::kRowPartsAttr);
      place(llmc::kScoresOffsetAttr,
            (parts ? parts.getInt() : 1) * contextLength * int64_t(sizeof(float)));
      return;
    }
    auto linear = dyn_cast<llm::LinearOpInterface>(op);
    if (!linear)
      return;
    auto input = cast<RankedTensorType>(linear.getInput().getType());
    int64_t rows = input.getDimSize(0);
    if (linear.getNormAttr())
      place(llmc::kNormOffsetAttr, input.getNumElements() * int64_t(sizeof(float)));
    int64_t quantizedBytes = 0;
    for (FlatSymbolRefAttr weight : linear.getMatrixWeights())
      if (llm::QWeightType quantized = quantizedType(&op, weight))
        quantizedBytes = std::max(quantizedBytes, quantized.getActivationScratchBytes(rows));
    if (quantizedBytes > 0)
      place(llmc::kScratchOffsetAttr, quantizedBytes);
    if (auto swiglu = dyn_cast<llm::SwiGLULinearOp>(op))
      place(llmc::kProductOffsetAttr,
            swiglu.getType().getNumElements() * int64_t(sizeof(float)));
  }

  FailureOr<int64_t> planFunction(func::FuncOp func, int64_t contextLength) {
    if (!func.getBody().hasOneBlock()) {
      func.emitError() << "llm-plan-memory expects straight-line functions (one block)";
      return failure();
    }
    Block &body = func.getBody().front();
    llvm::DenseMap<Operation *, int64_t> order;
    int64_t index = 0;
    for (Operation &op : body)
      order[&op] = index++;
    const int64_t end = index;

    Builder builder(func.getContext());
    ArenaPlanner planner;
    for (Operation &op : body) {
      int64_t opIndex = order[&op];
      planner.releaseDeadBefore(opIndex);
      planScratch(op, opIndex, contextLength, planner);
      SmallVector<int64_t> offsets;
      for (Value result : op.getResults()) {
        auto type = dyn_cast<RankedTensorType>(result.getType());
        if (!type || !type.hasStaticShape() || !type.getElementType().isF32()) {
          op.emitError() << "llm-plan-memory can only place static f32 tensors, got "
                         << result.getType();
          return failure();
        }
        int64_t lastUse = opIndex;
        for (Operation *user : result.getUsers())
          lastUse = std::max(lastUse, isa<func::ReturnOp>(user) ? end : order[user]);
        int64_t bytes = type.getNumElements() * int64_t(sizeof(float));
        offsets.push_back(planner.allocate(bytes, lastUse));
      }
      // One result: llm.arena_offset; several (llm.linear_group): llm.arena_offsets.
      if (offsets.size() == 1)
        op.setAttr(llmc::kArenaOffsetAttr, builder.getI64IntegerAttr(offsets[0]));
      else if (!offsets.empty())
        op.setAttr(llmc::kArenaOffsetsAttr, builder.getDenseI64ArrayAttr(offsets));
    }
    return planner.peakBytes();
  }
};

} // namespace
