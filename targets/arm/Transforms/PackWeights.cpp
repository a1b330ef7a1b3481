//===- PackWeights.cpp - reorder the blocks of the ARM linears' weights ---===//
//
// Stored as the instructions take them, a group of rows' blocks feed sdot with a lane per row
// (#arm.rows4x4: no reduction across lanes per block, one contiguous stream per tile, the row
// kernels' results) or smmla with a 2x8 matrix per row pair (#arm.rows2x8: 2 rows times 2
// tokens per instruction, a block's products in one lane).
//
//===----------------------------------------------------------------------===//
#include "targets/arm/Transforms/Passes.h"
#include "dialects/llm/LLMOps.h"
#include "targets/arm/IR/ArmDialect.h"
#include "targets/arm/weight_layouts.h"
#include "targets/common/Transforms/PackableWeights.h"

namespace llmc {
#define GEN_PASS_DEF_LLMARMPACKWEIGHTS
#include "targets/arm/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

struct ArmPackWeightsPass : llmc::impl::LLMArmPackWeightsBase<ArmPackWeightsPass> {
  using LLMArmPackWeightsBase::LLMArmPackWeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llm::WeightLayoutAttrInterface target;
    if (layout == "rows4x4")
      target = llmc::arm::Rows4x4Attr::get(&getContext());
    else if (layout == "rows2x8")
      target = llmc::arm::Rows2x8Attr::get(&getContext());
    else {
      module.emitError() << "llm-arm-pack-weights: unknown layout '" << layout
                         << "' (rows4x4 or rows2x8)";
      return signalPassFailure();
    }
    const int64_t groupRows = llmc::arm::layoutGroupRows(layout);
    // Both layouts have embedding kernels (kernels_arm_embed.h): a table the classifier shares
    // is packed with it.
    llvm::DenseMap<StringAttr, int64_t> alignment =
        llmc::packableRowGroups(module, {groupRows}, /*embedReadsLayouts=*/true);
    for (auto weight : module.getOps<llm::WeightOp>()) {
      llm::QWeightType quantized = weight.getQuantizedType();
      if (!quantized || quantized.getLayout() || alignment.lookup(weight.getSymNameAttr()) == 0)
        continue;
      llm::QuantScheme scheme = quantized.getScheme();
      if (quantized.getNumRows() % groupRows != 0 ||
          (scheme != llm::QuantScheme::q8_0 && scheme != llm::QuantScheme::q4_0))
        continue;
      weight.setType(llm::QWeightType::get(&getContext(), scheme, quantized.getShape(),
                                           quantized.getBlock(), target));
    }
  }
};

} // namespace

int64_t llmc::arm::layoutGroupRows(llvm::StringRef layout) {
  if (layout == "rows4x4")
    return kRows4x4;
  if (layout == "rows2x8")
    return kRows2x8;
  return 0;
}
