//===- SplitRows.cpp - thread split of a threaded target's linears --------===//
#include "targets/common/Transforms/Passes.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/IR/Builders.h"

#include <algorithm>
#include <cmath>
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

/// `units` cut into one share per core in proportion to `speeds`: each core's exact share
/// rounded down, then the units left over one each to the cores that lost most by rounding
/// (the lower core first on ties), so the result is the same on every run.
SmallVector<int64_t> proportionalShares(int64_t units, ArrayRef<double> speeds) {
  double total = 0;
  for (double speed : speeds)
    total += speed;
  SmallVector<int64_t> shares;
  SmallVector<std::pair<double, size_t>> remainders;
  int64_t given = 0;
  for (auto [core, speed] : llvm::enumerate(speeds)) {
    double exact = double(units) * speed / total;
    int64_t share = std::min(units - given, int64_t(std::floor(exact)));
    shares.push_back(share);
    remainders.push_back({exact - double(share), core});
    given += share;
  }
  llvm::sort(remainders, [](auto a, auto b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (size_t i = 0; given < units; ++i, ++given)
    ++shares[remainders[i % remainders.size()].second];
  return shares;
}

/// The static split of `rows` (one entry per weight, each cut in units of `unit`) over cores
/// of `speeds`: the weights' units laid end to end and cut in proportion to speed, so a core's
/// share may cover the end of one weight and the start of the next. Returns each weight's
/// rows per core, weight after weight.
SmallVector<int64_t> staticPartRows(ArrayRef<int64_t> rows, int64_t unit,
                                    ArrayRef<double> speeds) {
  int64_t units = 0;
  for (int64_t r : rows)
    units += (r + unit - 1) / unit;
  SmallVector<int64_t> shares = proportionalShares(units, speeds);
  SmallVector<int64_t> partRows;
  int64_t weightStart = 0; // the weight's first unit among all weights'
  for (int64_t r : rows) {
    int64_t weightUnits = (r + unit - 1) / unit, coreStart = 0;
    auto rowAt = [&](int64_t at) {
      return std::min(r, std::clamp(at - weightStart, int64_t(0), weightUnits) * unit);
    };
    for (int64_t share : shares) {
      partRows.push_back(rowAt(coreStart + share) - rowAt(coreStart));
      coreStart += share;
    }
    weightStart += weightUnits;
  }
  return partRows;
}

/// What an op splits: its weights' rows (attention: its query heads), cut in multiples of
/// `unit`, and the fewest rows a dynamic part should have.
struct RowsToSplit {
  SmallVector<int64_t> rows;
  int64_t unit;
  int64_t minRows;
};

int64_t sum(ArrayRef<int64_t> values) {
  int64_t total = 0;
  for (int64_t v : values)
    total += v;
  return total;
}

struct SplitRowsPass : llmc::impl::LLMSplitRowsBase<SplitRowsPass> {
  using LLMSplitRowsBase::LLMSplitRowsBase;

  void runOnOperation() override {
    if (cores < 1 || rowTile < 1 || minRowsPerPart < 1) {
      getOperation().emitError()
          << "llm-split-rows needs cores, row-tile and min-rows-per-part >= 1";
      return signalPassFailure();
    }
    auto speeds = getOperation()->getAttrOfType<DenseF64ArrayAttr>(llmc::kCoresAttr);
    Builder builder(&getContext());
    getOperation().walk([&](Operation *op) {
      std::optional<RowsToSplit> split = rowsToSplit(op);
      if (!split)
        return;
      if (speeds) {
        // One part per core, in proportion to its speed. min-rows-per-part does not apply:
        // every thread is woken for every loop anyway, so a small part costs no extra dispatch.
        op->setAttr(llmc::kRowPartsAttr, builder.getI64IntegerAttr(int64_t(speeds.size())));
        op->setAttr(llmc::kPartRowsAttr, builder.getDenseI64ArrayAttr(staticPartRows(
                                             split->rows, split->unit, speeds.asArrayRef())));
        return;
      }
      int64_t perPart = rowsPerPart(sum(split->rows), cores, split->minRows, split->unit);
      int64_t parts = 0;
      for (int64_t r : split->rows)
        parts += (r + perPart - 1) / perPart;
      op->setAttr(llmc::kRowPartsAttr, builder.getI64IntegerAttr(parts));
      op->setAttr(llmc::kRowsPerPartAttr, builder.getI64IntegerAttr(perPart));
    });
  }

  /// The rows `op` splits, if it is an op the pass splits. A SwiGLU's gate and up rows are
  /// split alike, as one; a QKV projection's parts are whole heads.
  std::optional<RowsToSplit> rowsToSplit(Operation *op) {
    if (isa<llm::LinearOp, llm::SwiGLULinearOp>(op))
      return RowsToSplit{{rowsOf(op->getResult(0))}, rowTile, minRowsPerPart};
    if (auto group = dyn_cast<llm::LinearGroupOp>(op))
      return RowsToSplit{llvm::map_to_vector(group.getResults(), rowsOf), rowTile,
                         minRowsPerPart};
    if (auto qkv = dyn_cast<llm::QKVProjectionOp>(op)) {
      int64_t kvRows = qkv.getNumKvHeads() * qkv.getHeadDim();
      return RowsToSplit{{rowsOf(qkv.getResult()), kvRows, kvRows},
                         std::lcm(int64_t(rowTile), int64_t(qkv.getHeadDim())), minRowsPerPart};
    }
    if (auto attention = dyn_cast<llm::CachedAttentionOp>(op))
      return RowsToSplit{{int64_t(attention.getNumHeads())}, 1, 1};
    return std::nullopt;
  }
};

} // namespace

void llmc::addSplitRows(mlir::OpPassManager &pm, const TargetPipelineOptions &options,
                        const CpuModel &cpu) {
  LLMSplitRowsOptions split;
  split.cores = options.cores > 0 ? options.cores : cpu.defaultCores;
  split.rowTile = cpu.rowTile;
  split.minRowsPerPart = cpu.minRowsPerPart;
  pm.addPass(createLLMSplitRows(split));
}

std::optional<int64_t> llmc::partStartStep(Operation *op) {
  if (auto perPart = op->getAttrOfType<IntegerAttr>(kRowsPerPartAttr))
    return perPart.getInt();
  auto partRows = op->getAttrOfType<DenseI64ArrayAttr>(kPartRowsAttr);
  auto parts = op->getAttrOfType<IntegerAttr>(kRowPartsAttr);
  if (!partRows || !parts)
    return std::nullopt;
  int64_t step = 0;
  ArrayRef<int64_t> all = partRows.asArrayRef();
  for (size_t weight = 0; weight < all.size(); weight += size_t(parts.getInt())) {
    int64_t start = 0;
    for (int64_t rows : all.slice(weight, size_t(parts.getInt()))) {
      step = std::gcd(step, start);
      start += rows;
    }
  }
  return step;
}
