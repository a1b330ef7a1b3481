//===- FusionUtils.cpp - what the fusion passes share ---------------------===//
#include "compiler/Transforms/FusionUtils.h"

using namespace mlir;

namespace llmc {

std::string inputFormatOf(Operation *user, FlatSymbolRefAttr weight) {
  auto op = SymbolTable::lookupNearestSymbolFrom<llm::WeightOp>(user, weight);
  if (!op || !op.getQuantizedType())
    return "f32";
  return op.getQuantizedType().getActivationFormat().str();
}

bool isPlainLinear(llm::LinearOp op) {
  return !op.getBiasAttr() && !op.getNormAttr() && !op.getResidual();
}

bool acceptsNormPrologue(Operation *op) {
  return isa<llm::LinearOp, llm::LinearGroupOp, llm::SwiGLULinearOp, llm::QKVProjectionOp>(op);
}

void copyNormPrologue(Operation *from, Operation *to) {
  for (StringRef name : {"norm", "norm_eps"})
    if (Attribute value = from->getAttr(name))
      to->setAttr(name, value);
}

} // namespace llmc
