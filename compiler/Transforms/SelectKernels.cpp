//===- SelectKernels.cpp - which kernel of the ABI each op becomes --------===//
//
// Every target implements a subset of one kernel ABI (targets/common/kernels_abi.h) and the
// generic target implements all of it, so choosing a kernel is a lookup: the target's own name
// if its table has it, else the generic one. Recording the choice on the ops keeps it where lit
// can see it; the emitter prints the names it finds.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSet.h"

namespace llmc {
#define GEN_PASS_DEF_LLMSELECTKERNELS
#include "compiler/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

struct SelectKernelsPass : llmc::impl::LLMSelectKernelsBase<SelectKernelsPass> {
  using LLMSelectKernelsBase::LLMSelectKernelsBase;

  void runOnOperation() override {
    for (const std::string &kernel : kernels)
      available.insert(kernel);
    WalkResult result = getOperation().walk([&](Operation *op) {
      return failed(select(op)) ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

private:
  /// The target's kernel for an ABI entry ("linear_q4_0_rows"), else the generic one.
  std::string kernelFor(StringRef entry) const {
    std::string own = "llmk_" + prefix + "_" + entry.str();
    return available.contains(own) ? own : "llmk_generic_" + entry.str();
  }

  /// Whether `weight` is stored in a layout other than rows, which only the kernels written for
  /// that layout read (no generic twin).
  static bool isPacked(llm::WeightOp weight) {
    llm::QWeightType quantized = weight.getQuantizedType();
    return quantized && quantized.getLayout();
  }

  /// The weight `symbol` names, or an error on `user`.
  static FailureOr<llm::WeightOp> weightOf(Operation *user, FlatSymbolRefAttr symbol) {
    if (auto weight = SymbolTable::lookupNearestSymbolFrom<llm::WeightOp>(user, symbol))
      return weight;
    return user->emitError() << "names no llm.weight " << symbol;
  }

  LogicalResult select(Operation *op) {
    Builder b(op->getContext());
    auto setKernel = [&](StringRef entry) {
      op->setAttr(llmc::kKernelAttr, b.getStringAttr(kernelFor(entry)));
      return success();
    };
    if (auto embed = dyn_cast<llm::EmbedOp>(op)) {
      FailureOr<llm::WeightOp> table = weightOf(op, embed.getTableAttr());
      if (failed(table))
        return failure();
      std::string entry = "embed_" + table->getStorageName();
      if (isPacked(*table) && !available.contains("llmk_" + prefix + "_" + entry))
        return op->emitError() << "table " << embed.getTableAttr() << " is stored as "
                               << table->getStorageName()
                               << ", which no embedding kernel of the target (prefix " << prefix
                               << ") reads";
      return setKernel(entry);
    }
    if (isa<llm::RMSNormOp>(op))
      return setKernel("rms_norm_f32");
    if (isa<llm::RopeOp>(op))
      return setKernel("rope_f32");
    if (isa<llm::SwiGLUOp>(op))
      return setKernel("swiglu_f32");
    if (isa<llm::AddOp>(op))
      return setKernel("add_f32");
    if (isa<llm::AttentionOp>(op))
      return setKernel("attention_f32");
    if (isa<llm::CachedAttentionOp>(op))
      return setKernel("attend_f32");
    if (auto linear = dyn_cast<llm::LinearOpInterface>(op))
      return selectLinear(linear);
    return success();
  }

  /// The prologue, one row-range kernel per weight, and the epilogue of a linear op.
  LogicalResult selectLinear(llm::LinearOpInterface linear) {
    Operation *op = linear;
    SmallVector<FlatSymbolRefAttr> weights = linear.getMatrixWeights();
    Builder b(op->getContext());
    SmallVector<NamedAttribute> entries;
    if (linear.getNormAttr())
      entries.push_back(
          b.getNamedAttr(llmc::kKernelNorm, b.getStringAttr(kernelFor("rms_norm_f32"))));
    SmallVector<Attribute> rows;
    std::string format;
    for (FlatSymbolRefAttr symbol : weights) {
      FailureOr<llm::WeightOp> weight = weightOf(op, symbol);
      if (failed(weight))
        return failure();
      std::string storage = weight->getStorageName();
      std::string kernel = kernelFor("linear_" + storage + "_rows");
      llm::QWeightType quantized = weight->getQuantizedType();
      if (quantized && format.empty())
        format = quantized.getActivationFormat().str();
      if (isPacked(*weight) && !available.contains(kernel))
        return op->emitError() << "weight " << symbol << " is stored as " << storage
                               << ", which no kernel of the target (prefix " << prefix << ") reads";
      rows.push_back(b.getStringAttr(kernel));
    }
    // The fusions group weights whose activations share a format: the first one's is all's.
    if (!format.empty())
      entries.push_back(b.getNamedAttr(llmc::kKernelQuantize,
                                       b.getStringAttr(kernelFor("quantize_" + format))));
    entries.push_back(b.getNamedAttr(llmc::kKernelRows, b.getArrayAttr(rows)));
    StringRef epilogue;
    if (auto plain = dyn_cast<llm::LinearOp>(op); plain && plain.getResidual())
      epilogue = "add_f32";
    else if (isa<llm::SwiGLULinearOp>(op))
      epilogue = "swiglu_f32";
    else if (isa<llm::QKVProjectionOp>(op))
      epilogue = "rope_f32";
    if (!epilogue.empty())
      entries.push_back(
          b.getNamedAttr(llmc::kKernelEpilogue, b.getStringAttr(kernelFor(epilogue))));
    op->setAttr(llmc::kKernelsAttr, b.getDictionaryAttr(entries));
    return success();
  }

  llvm::StringSet<> available;
};

} // namespace
