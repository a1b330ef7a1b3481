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

void copyNormPrologue(llm::LinearOpInterface from, llm::LinearOpInterface to) {
  if (from.getNormAttr())
    to.setNormPrologue(from.getNormAttr(), from.getNormEpsAttr());
}

} // namespace llmc
