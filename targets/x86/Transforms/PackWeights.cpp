//===- PackWeights.cpp - reorder the blocks of the x86 linears' weights ---===//
//
// The x86 microkernels compute a tile of up to 4 weight rows at once. In the row layout those
// are 4 streams a row's length apart; interleaved, a tile (and a thread's whole row range) is one
// contiguous stream, which the hardware prefetchers follow without ramping up per row. Only the
// layout changes: the blocks, and so the results, are the same. The kernels' panels (8 rows on
// AVX2, 16 on AVX-512, quants transposed into one 32-bit lane per row) can also be stored as
// such (panel8, panel16): no reduction across lanes per block, half the instructions of the row
// tiles per weight byte.
//
//===----------------------------------------------------------------------===//
#include "targets/x86/Transforms/Passes.h"
#include "targets/common/Transforms/Passes.h"
#include "dialects/llm/LLMOps.h"
#include "targets/common/Transforms/PackableWeights.h"
#include "targets/x86/IR/X86Dialect.h"
#include "targets/x86/weight_layouts.h"

#include "llvm/ADT/DenseMap.h"

namespace llmc {
#define GEN_PASS_DEF_LLMX86PACKWEIGHTS
#include "targets/x86/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

/// The schemes named in a pass option, or an error naming the unknown one.
FailureOr<SmallVector<llm::QuantScheme>> parseSchemes(ModuleOp module,
                                                      ArrayRef<std::string> names) {
  SmallVector<llm::QuantScheme> out;
  for (const std::string &name : names) {
    std::optional<llm::QuantScheme> scheme = llm::symbolizeQuantScheme(name);
    if (!scheme)
      return module.emitError() << "llm-x86-pack-weights: unknown scheme '" << name << "'";
    out.push_back(*scheme);
  }
  return out;
}

struct X86PackWeightsPass : llmc::impl::LLMX86PackWeightsBase<X86PackWeightsPass> {
  using LLMX86PackWeightsBase::LLMX86PackWeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<SmallVector<llm::QuantScheme>> onlySchemes = parseSchemes(module, schemes);
    FailureOr<SmallVector<llm::QuantScheme>> panelled = parseSchemes(module, panelSchemes);
    if (failed(onlySchemes) || failed(panelled))
      return signalPassFailure();
    auto emitError = [&] { return module.emitError() << "llm-x86-pack-weights: "; };
    auto panel = llmc::x86::PanelAttr::getChecked(emitError, &getContext(), int64_t(panelRows));
    if (!panel)
      return signalPassFailure();
    auto interleave = llmc::x86::Interleave4Attr::get(&getContext());
    for (llm::QuantScheme scheme : *panelled) {
      // A panel of whole panels of one row: the scheme check alone.
      if (failed(panel.verifyWeight(emitError, scheme, {int64_t(panelRows), 1})))
        return signalPassFailure();
    }
    // A weight is packed when every reference to it is a matrix operand of a linear split into
    // whole groups (packableRowGroups); alignment: that group size, 0 to keep the rows.
    llvm::DenseMap<StringAttr, int64_t> alignment =
        llmc::packableRowGroups(module, {panelRows, llmc::x86::kInterleaveRows});
    for (auto weight : module.getOps<llm::WeightOp>()) {
      llm::QWeightType quantized = weight.getQuantizedType();
      if (!quantized || quantized.getLayout())
        continue;
      int64_t rows = quantized.getNumRows(), aligned = alignment.lookup(weight.getSymNameAttr());
      llm::QuantScheme scheme = quantized.getScheme();
      llm::WeightLayoutAttrInterface layout;
      if (llvm::is_contained(*panelled, scheme) && rows % panelRows == 0 &&
          aligned % panelRows == 0 && aligned > 0)
        layout = panel;
      else if ((onlySchemes->empty() || llvm::is_contained(*onlySchemes, scheme)) &&
               rows % llmc::x86::kInterleaveRows == 0 && aligned > 0)
        layout = interleave;
      if (layout)
        weight.setType(llm::QWeightType::get(&getContext(), scheme, quantized.getShape(),
                                             quantized.getBlock(), layout));
    }
  }
};

} // namespace
