//===- Tile.cpp - thread split of the x86 targets' linears ----------------===//
#include "targets/x86/Transforms/Passes.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/IR/Builders.h"

#include <algorithm>

namespace llmc {
#define GEN_PASS_DEF_LLMX86TILE
#include "targets/x86/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

/// Rows the microkernels process together; a part is a multiple of it.
constexpr int64_t kRowTile = 4;
/// A part streams at least this many rows (for a 2048-wide q4_0 weight: 18 KiB).
constexpr int64_t kMinRowsPerPart = 16;

struct X86TilePass : llmc::impl::LLMX86TileBase<X86TilePass> {
  using LLMX86TileBase::LLMX86TileBase;

  void runOnOperation() override {
    if (cores < 1) {
      getOperation().emitError() << "llm-x86-tile needs cores >= 1";
      return signalPassFailure();
    }
    Builder builder(&getContext());
    getOperation().walk([&](llm::LinearOp linear) {
      int64_t rows = linear.getType().getDimSize(1);
      int64_t wanted = (rows + 2 * cores - 1) / (2 * cores);
      int64_t perPart = std::max(kMinRowsPerPart, (wanted + kRowTile - 1) / kRowTile * kRowTile);
      perPart = std::min(perPart, rows);
      int64_t parts = (rows + perPart - 1) / perPart;
      linear->setAttr(llmc::kRowPartsAttr, builder.getI64IntegerAttr(parts));
      linear->setAttr(llmc::kRowsPerPartAttr, builder.getI64IntegerAttr(perPart));
    });
  }
};

} // namespace
