//===- PackableWeights.cpp - which weights a packing pass may reorder ------===//
#include "targets/common/Transforms/PackableWeights.h"
#include "dialects/llm/LLMOps.h"
#include "targets/common/Transforms/Passes.h"

#include "llvm/ADT/SmallVector.h"

#include <algorithm>

using namespace mlir;

namespace llmc {
namespace {

/// The first of `groups` whose multiples all the parts that llm-split-rows cut `op`'s rows into
/// start at; 0 if none.
int64_t partAlignment(Operation *op, ArrayRef<int64_t> groups) {
  std::optional<int64_t> step = partStartStep(op);
  for (int64_t group : groups)
    if (step && *step % group == 0)
      return group;
  return 0;
}

} // namespace

llvm::DenseMap<StringAttr, int64_t> packableRowGroups(ModuleOp module,
                                                      ArrayRef<int64_t> groups,
                                                      bool embedReadsLayouts) {
  llvm::DenseMap<StringAttr, int64_t> alignment;
  module.walk([&](Operation *op) {
    // An embedding reads one row a token wherever its group lies.
    auto embed = dyn_cast<llm::EmbedOp>(op);
    if (embed && embedReadsLayouts)
      return;
    SmallVector<FlatSymbolRefAttr> matrices;
    if (auto linear = dyn_cast<llm::LinearOpInterface>(op))
      matrices = linear.getMatrixWeights();
    int64_t aligned = partAlignment(op, groups);
    op->getAttrDictionary().walk([&](FlatSymbolRefAttr ref) {
      int64_t here = llvm::is_contained(matrices, ref) ? aligned : 0;
      auto [it, inserted] = alignment.try_emplace(ref.getAttr(), here);
      if (!inserted)
        it->second = std::min(it->second, here);
    });
  });
  return alignment;
}

} // namespace llmc
