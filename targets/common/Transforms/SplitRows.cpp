//===- SplitRows.cpp - thread split of a threaded target's linears --------===//
#include "targets/common/Transforms/Passes.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/IR/Builders.h"

#include <algorithm>
#include <numeric>

namespace llmc {
#define GEN_PASS_DEF_LLMSPLITROWS
#include "targets/common/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

/// Rows per part for `rows` output rows in all, for `cores` threads: at least `minRows`, a
/// multiple of `unit`.
int64_t rowsPerPart(int64_t rows, int64_t cores, int64_t minRows, int64_t unit) {
  int64_t wanted = std::max(minRows, (rows + 2 * cores - 1) / (2 * cores));
  return std::min((wanted + unit - 1) / unit * unit, (rows + unit - 1) / unit * unit);
}

int64_t rowsOf(Value v) { return cast<RankedTensorType>(v.getType()).getDimSize(1); }

struct SplitRowsPass : llmc::impl::LLMSplitRowsBase<SplitRowsPass> {
  using LLMSplitRowsBase::LLMSplitRowsBase;

  void runOnOperation() override {
    if (cores < 1 || rowTile < 1 || minRowsPerPart < 1) {
      getOperation().emitError()
          << "llm-split-rows needs cores, row-tile and min-rows-per-part >= 1";
      return signalPassFailure();
    }
    getOperation().walk([&](Operation *op) {
      if (isa<llm::LinearOp, llm::SwiGLULinearOp>(op)) {
        int64_t rows = rowsOf(op->getResult(0));
        split(op, {rows}, rowsPerPart(rows, cores, minRowsPerPart, rowTile));
      } else if (auto group = dyn_cast<llm::LinearGroupOp>(op)) {
        SmallVector<int64_t> rows = llvm::map_to_vector(group.getResults(), rowsOf);
        split(op, rows, rowsPerPart(sum(rows), cores, minRowsPerPart, rowTile));
      } else if (auto qkv = dyn_cast<llm::QKVProjectionOp>(op)) {
        int64_t headDim = qkv.getHeadDim();
        int64_t kvRows = qkv.getNumKvHeads() * headDim;
        SmallVector<int64_t> rows = {rowsOf(qkv.getResult()), kvRows, kvRows};
        split(op, rows, rowsPerPart(sum(rows), cores, minRowsPerPart,
                                    std::lcm(int64_t(rowTile), headDim)));
      } else if (auto attention = dyn_cast<llm::CachedAttentionOp>(op)) {
        int64_t heads = attention.getNumHeads();
        split(op, {heads}, std::max<int64_t>(1, (heads + 2 * cores - 1) / (2 * cores)));
      }
    });
  }

  static int64_t sum(ArrayRef<int64_t> values) {
    int64_t total = 0;
    for (int64_t v : values)
      total += v;
    return total;
  }

  /// Cuts each of `rows` into parts of `perPart` and records the total.
  static void split(Operation *op, ArrayRef<int64_t> rows, int64_t perPart) {
    int64_t parts = 0;
    for (int64_t r : rows)
      parts += (r + perPart - 1) / perPart;
    Builder builder(op->getContext());
    op->setAttr(llmc::kRowPartsAttr, builder.getI64IntegerAttr(parts));
    op->setAttr(llmc::kRowsPerPartAttr, builder.getI64IntegerAttr(perPart));
  }
};

} // namespace

void llmc::addSplitRows(mlir::OpPassManager &pm, const TargetPipelineOptions &options,
                        const RowSplitTuning &tuning) {
  LLMSplitRowsOptions split;
  split.cores = options.cores > 0 ? options.cores : tuning.defaultCores;
  split.rowTile = tuning.rowTile;
  split.minRowsPerPart = tuning.minRowsPerPart;
  pm.addPass(createLLMSplitRows(split));
}
