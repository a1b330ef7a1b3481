//===- ModelCode.cpp - state shared by the writers of model.cpp -----------===//
#include "compiler/Emitter/ModelCode.h"
#include "compiler/Emitter/CppText.h"

using namespace mlir;

namespace llmc {

std::string ModelCode::weightRef(FlatSymbolRefAttr symbol) const {
  return "m->w." + weightMember.lookup(symbol.getValue());
}

std::string ModelCode::schemeOf(llm::WeightOp weight) {
  if (llm::QWeightType quantized = weight.getQuantizedType())
    return llm::stringifyQuantScheme(quantized.getScheme()).str();
  Type element = cast<RankedTensorType>(weight.getType()).getElementType();
  return element.isF16() ? "f16" : element.isBF16() ? "bf16" : "f32";
}

bool ModelCode::isFloatStorage(StringRef storage) {
  return storage == "f32" || storage == "f16" || storage == "bf16";
}

std::string ModelCode::storageOf(llm::WeightOp weight) {
  // Weights in a target's layout have their own kernels, named after the storage:
  // ..._linear_q4_0x4_rows.
  llm::QWeightType quantized = weight.getQuantizedType();
  if (!quantized || !quantized.getLayout())
    return schemeOf(weight);
  return schemeOf(weight) + quantized.getLayout().getKernelSuffix().str();
}

bool ModelCode::isPacked(llm::WeightOp weight) {
  llm::QWeightType quantized = weight.getQuantizedType();
  return quantized && quantized.getLayout();
}

bool ModelCode::isPacked(FlatSymbolRefAttr symbol) {
  return isPacked(module.lookupSymbol<llm::WeightOp>(symbol));
}

std::string ModelCode::storage(FlatSymbolRefAttr symbol) {
  return storageOf(module.lookupSymbol<llm::WeightOp>(symbol));
}

std::string ModelCode::elementwiseKernel(StringRef op) const {
  if (llvm::is_contained(target().elementwiseKernels, op))
    return ("llmk_" + target().kernelPrefix + "_" + op + "_f32").str();
  return ("llmk_" + op + "_f32").str();
}

FailureOr<int64_t> ModelCode::requiredAttr(Operation *op, StringRef name, StringRef pass) {
  if (auto attr = op->getAttrOfType<IntegerAttr>(name))
    return attr.getInt();
  return op->emitError() << "has no '" << name << "': run " << pass << " first";
}

std::string ModelCode::freshName(StringRef name) {
  std::string base = cppIdentifier(name);
  int &uses = usedNames[base];
  ++uses;
  return uses == 1 ? base : base + "_" + std::to_string(uses);
}

} // namespace llmc
