//===- PlanMemory.cpp - static arena placement for activations -----------===//
//
// Functions of a model run one at a time, so each is planned from offset 0 and the arena is as
// large as the largest plan. Within a function the code is straight-line: a value is live from
// its defining op to its last user (to the end when returned), and a buffer is reused once its
// value is dead. An op's result never shares bytes with its operands, so kernels need not
// handle aliasing.
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

constexpr int64_t kAlignment = 64;

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

  /// The quantized type of a linear's weight, or null when it is float.
  static llm::QWeightType weightType(llm::LinearOp linear) {
    auto weight =
        SymbolTable::lookupNearestSymbolFrom<llm::WeightOp>(linear, linear.getWeightAttr());
    return weight ? weight.getQuantizedType() : llm::QWeightType();
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
      if (auto attention = dyn_cast<llm::AttentionOp>(op)) {
        int64_t scores = planner.allocate(contextLength * int64_t(sizeof(float)), opIndex);
        op.setAttr(llmc::kScoresOffsetAttr, builder.getI64IntegerAttr(scores));
      }
      if (auto linear = dyn_cast<llm::LinearOp>(op))
        if (llm::QWeightType quantized = weightType(linear)) {
          // The input rows, quantized to int8 blocks once per call.
          int64_t rows = linear.getInput().getType().getDimSize(0);
          int64_t scratch = planner.allocate(quantized.getActivationScratchBytes(rows), opIndex);
          op.setAttr(llmc::kScratchOffsetAttr, builder.getI64IntegerAttr(scratch));
        }
      if (op.getNumResults() == 0)
        continue;
      if (op.getNumResults() != 1) {
        op.emitError() << "llm-plan-memory expects ops with at most one result";
        return failure();
      }
      Value result = op.getResult(0);
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
      op.setAttr(llmc::kArenaOffsetAttr,
                 builder.getI64IntegerAttr(planner.allocate(bytes, lastUse)));
    }
    return planner.peakBytes();
  }
};

} // namespace
