//===- LLMOps.cpp - llm dialect operations and their verifiers -----------===//
//
// Verifiers check every shape relation the kernels rely on, so a malformed module is rejected
// with a message that names the mismatch instead of producing wrong code.
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/LLMOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::llm;

namespace {

/// Prints a shape as [a, b].
std::string shapeString(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

/// Resolves `name` to an llm.weight, or reports why it cannot.
FailureOr<WeightOp> lookupWeight(Operation *user, SymbolTableCollection &symbolTable,
                                 FlatSymbolRefAttr name, StringRef role) {
  auto weight = symbolTable.lookupNearestSymbolFrom<WeightOp>(user, name);
  if (!weight)
    return user->emitOpError() << role << " " << name << " does not name an llm.weight";
  return weight;
}

/// Checks that the weight has exactly `expected` as its shape.
LogicalResult checkWeightShape(Operation *user, WeightOp weight, StringRef role,
                               ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = weight.getWeightShape();
  if (actual == expected)
    return success();
  return user->emitOpError() << role << " @" << weight.getSymName() << " has shape "
                             << shapeString(actual) << " but this op needs "
                             << shapeString(expected);
}

/// Checks that two activations process the same number of tokens.
LogicalResult checkSameTokens(Operation *op, Type a, Type b, StringRef what) {
  if (cast<RankedTensorType>(a).getDimSize(0) == cast<RankedTensorType>(b).getDimSize(0))
    return success();
  return op->emitOpError() << what << " must have the same number of tokens (rows)";
}

LogicalResult checkStatic(Operation *op, ArrayRef<Type> types) {
  for (Type type : types)
    if (!cast<RankedTensorType>(type).hasStaticShape())
      return op->emitOpError() << "needs static shapes, got " << type;
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

ArrayRef<int64_t> WeightOp::getWeightShape() {
  if (QWeightType quantized = getQuantizedType())
    return quantized.getShape();
  return cast<RankedTensorType>(getType()).getShape();
}

LogicalResult WeightOp::verify() {
  if (getQuantizedType())
    return success();
  auto tensor = dyn_cast<RankedTensorType>(getType());
  if (!tensor || !tensor.hasStaticShape())
    return emitOpError() << "type must be a static tensor or !llm.qweight, got " << getType();
  Type element = tensor.getElementType();
  if (!element.isF32() && !element.isF16() && !element.isBF16())
    return emitOpError() << "element type must be f32, f16 or bf16, got " << element;
  return success();
}

//===----------------------------------------------------------------------===//
// EmbedOp
//===----------------------------------------------------------------------===//

LogicalResult EmbedOp::verify() {
  if (failed(checkStatic(*this, {getTokens().getType(), getType()})))
    return failure();
  if (getTokens().getType().getDimSize(0) != getType().getDimSize(0))
    return emitOpError() << "result must have one row per token";
  return success();
}

LogicalResult EmbedOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto table = lookupWeight(*this, symbolTable, getTableAttr(), "table");
  if (failed(table))
    return failure();
  ArrayRef<int64_t> shape = table->getWeightShape();
  int64_t hidden = getType().getDimSize(1);
  if (shape.size() != 2 || shape[1] != hidden)
    return emitOpError() << "table @" << table->getSymName() << " has shape "
                         << shapeString(shape) << " but this op needs [vocab, " << hidden << "]";
  return success();
}

//===----------------------------------------------------------------------===//
// RMSNormOp
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
  if (!(getEps().convertToDouble() > 0.0))
    return emitOpError() << "eps must be positive";
  return checkStatic(*this, {getType()});
}

LogicalResult RMSNormOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto weight = lookupWeight(*this, symbolTable, getWeightAttr(), "weight");
  if (failed(weight))
    return failure();
  if (weight->getQuantizedType())
    return emitOpError() << "weight @" << weight->getSymName() << " must not be quantized";
  return checkWeightShape(*this, *weight, "weight", {getType().getDimSize(1)});
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  if (failed(checkStatic(*this, {getInput().getType(), getType()})))
    return failure();
  return checkSameTokens(*this, getInput().getType(), getType(), "input and result");
}

LogicalResult LinearOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t in = getInput().getType().getDimSize(1);
  int64_t out = getType().getDimSize(1);
  auto weight = lookupWeight(*this, symbolTable, getWeightAttr(), "weight");
  if (failed(weight) || failed(checkWeightShape(*this, *weight, "weight", {out, in})))
    return failure();
  if (!getBiasAttr())
    return success();
  auto bias = lookupWeight(*this, symbolTable, getBiasAttr(), "bias");
  if (failed(bias))
    return failure();
  if (bias->getQuantizedType())
    return emitOpError() << "bias @" << bias->getSymName() << " must not be quantized";
  return checkWeightShape(*this, *bias, "bias", {out});
}

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  if (failed(checkStatic(*this, {getType()})))
    return failure();
  int64_t headDim = getHeadDim();
  if (headDim <= 0 || headDim % 2 != 0)
    return emitOpError() << "head_dim must be positive and even, got " << headDim;
  if (getType().getDimSize(1) % headDim != 0)
    return emitOpError() << "row size " << getType().getDimSize(1)
                         << " is not a multiple of head_dim " << headDim;
  if (!(getTheta().convertToDouble() > 0.0))
    return emitOpError() << "theta must be positive";
  if (getScaling() != RopeScalingKind::none && !(getFactor().convertToDouble() > 0.0))
    return emitOpError() << "scaling factor must be positive";
  if (getScaling() == RopeScalingKind::llama3) {
    if (getOriginalMaxPositions() <= 0)
      return emitOpError() << "llama3 scaling needs original_max_positions > 0";
    if (!(getLowFreqFactor().convertToDouble() < getHighFreqFactor().convertToDouble()))
      return emitOpError() << "llama3 scaling needs low_freq_factor < high_freq_factor";
  }
  return success();
}

SmallVector<double> RopeOp::computeInverseFrequencies() {
  int64_t headDim = getHeadDim();
  double theta = getTheta().convertToDouble();
  double factor = getFactor().convertToDouble();
  SmallVector<double> invFreq;
  for (int64_t j = 0; j < headDim / 2; ++j) {
    double freq = 1.0 / std::pow(theta, double(2 * j) / double(headDim));
    switch (getScaling()) {
    case RopeScalingKind::none:
      break;
    case RopeScalingKind::linear:
      freq /= factor;
      break;
    case RopeScalingKind::llama3: {
      // Llama 3.1: keep high frequencies, divide low ones by `factor`, blend in between.
      double lowFactor = getLowFreqFactor().convertToDouble();
      double highFactor = getHighFreqFactor().convertToDouble();
      double original = double(getOriginalMaxPositions());
      double wavelength = 2.0 * M_PI / freq;
      if (wavelength > original / lowFactor) {
        freq /= factor;
      } else if (wavelength >= original / highFactor) {
        double smooth = (original / wavelength - lowFactor) / (highFactor - lowFactor);
        freq = (1.0 - smooth) * freq / factor + smooth * freq;
      }
      break;
    }
    }
    invFreq.push_back(freq);
  }
  return invFreq;
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  if (failed(checkStatic(*this, {getQuery().getType(), getKey().getType(),
                                 getValue().getType()})))
    return failure();
  int64_t heads = getNumHeads(), kvHeads = getNumKvHeads(), headDim = getHeadDim();
  if (heads <= 0 || kvHeads <= 0 || headDim <= 0)
    return emitOpError() << "num_heads, num_kv_heads and head_dim must be positive";
  if (heads % kvHeads != 0)
    return emitOpError() << "num_heads " << heads << " is not a multiple of num_kv_heads "
                         << kvHeads;
  if (getLayer() < 0)
    return emitOpError() << "layer must be non-negative";
  if (getQuery().getType().getDimSize(1) != heads * headDim)
    return emitOpError() << "query rows have " << getQuery().getType().getDimSize(1)
                         << " elements but num_heads * head_dim = " << heads * headDim;
  for (Value kv : {getKey(), getValue()}) {
    auto type = cast<RankedTensorType>(kv.getType());
    if (type.getDimSize(1) != kvHeads * headDim)
      return emitOpError() << "key/value rows have " << type.getDimSize(1)
                           << " elements but num_kv_heads * head_dim = " << kvHeads * headDim;
    if (failed(checkSameTokens(*this, getQuery().getType(), type, "query, key and value")))
      return failure();
  }
  return success();
}

#define GET_OP_CLASSES
#include "dialects/llm/LLMOps.cpp.inc"
