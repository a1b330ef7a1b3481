//===- PackWeights.cpp - interleave the rows of the x86 linears' weights --===//
//
// The x86 microkernels compute a tile of up to 4 weight rows at once. In the row layout those
// are 4 streams a row's length apart; interleaved, a tile (and a thread's whole row range) is one
// contiguous stream, which the hardware prefetchers follow without ramping up per row. Only the
// layout changes: the blocks, and so the results, are the same.
//
//===----------------------------------------------------------------------===//
#include "targets/x86/Transforms/Passes.h"
#include "dialects/llm/LLMOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

namespace llmc {
#define GEN_PASS_DEF_LLMX86PACKWEIGHTS
#include "targets/x86/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

constexpr int64_t kInterleavedRows = 4; // LLMRT_INTERLEAVE_ROWS

/// The weights that `op` multiplies by as matrices (not its bias or norm weights).
SmallVector<FlatSymbolRefAttr> matrixWeights(Operation *op) {
  if (auto linear = dyn_cast<llm::LinearOp>(op))
    return {linear.getWeightAttr()};
  if (auto group = dyn_cast<llm::LinearGroupOp>(op))
    return llvm::to_vector(group.getWeights().getAsRange<FlatSymbolRefAttr>());
  if (auto swiglu = dyn_cast<llm::SwiGLULinearOp>(op))
    return {swiglu.getGateAttr(), swiglu.getUpAttr()};
  if (auto qkv = dyn_cast<llm::QKVProjectionOp>(op))
    return {qkv.getQueryAttr(), qkv.getKeyAttr(), qkv.getValueAttr()};
  return {};
}

/// Whether llm-x86-tile cut `op`'s rows into parts that start at multiples of the group.
bool splitIntoGroups(Operation *op) {
  auto perPart = op->getAttrOfType<IntegerAttr>(llmc::kRowsPerPartAttr);
  return perPart && perPart.getInt() % kInterleavedRows == 0;
}

struct X86PackWeightsPass : llmc::impl::LLMX86PackWeightsBase<X86PackWeightsPass> {
  using LLMX86PackWeightsBase::LLMX86PackWeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::SmallVector<llm::QuantScheme> onlySchemes;
    for (const std::string &name : schemes) {
      std::optional<llm::QuantScheme> scheme = llm::symbolizeQuantScheme(name);
      if (!scheme) {
        module.emitError() << "llm-x86-pack-weights: unknown scheme '" << name << "'";
        return signalPassFailure();
      }
      onlySchemes.push_back(*scheme);
    }
    // A weight is packed when every reference to it is a matrix operand of a linear split into
    // whole groups: any other reader (llm.embed's table, a norm, a bias, an unsplit linear that
    // would run the generic kernel) needs the row layout.
    llvm::DenseMap<StringAttr, bool> packable;
    module.walk([&](Operation *op) {
      SmallVector<FlatSymbolRefAttr> matrices = matrixWeights(op);
      bool split = splitIntoGroups(op);
      op->getAttrDictionary().walk([&](FlatSymbolRefAttr ref) {
        bool ok = split && llvm::is_contained(matrices, ref);
        auto [it, inserted] = packable.try_emplace(ref.getAttr(), ok);
        if (!inserted)
          it->second = it->second && ok;
      });
    });
    for (auto weight : module.getOps<llm::WeightOp>()) {
      llm::QWeightType quantized = weight.getQuantizedType();
      if (!quantized || quantized.getLayout() != llm::WeightLayout::rows ||
          quantized.getNumRows() % kInterleavedRows != 0 ||
          (!onlySchemes.empty() && !llvm::is_contained(onlySchemes, quantized.getScheme())) ||
          !packable.lookup(weight.getSymNameAttr()))
        continue;
      weight.setType(llm::QWeightType::get(&getContext(), quantized.getScheme(),
                                           quantized.getShape(), quantized.getBlock(),
                                           llm::WeightLayout::interleave4));
    }
  }
};

} // namespace
