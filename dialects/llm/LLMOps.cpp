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

/// The `norm` prologue of the linear ops: a weight and a positive eps, both or neither.
LogicalResult checkNormPrologue(Operation *op, FlatSymbolRefAttr norm, FloatAttr eps) {
  if (bool(norm) != bool(eps))
    return op->emitOpError() << "norm and norm_eps go together";
  if (eps && !(eps.getValueAsDouble() > 0.0))
    return op->emitOpError() << "norm_eps must be positive";
  return success();
}

/// The norm prologue's weight: a float vector of the input's row size.
LogicalResult checkNormWeight(Operation *op, SymbolTableCollection &symbolTable,
                              FlatSymbolRefAttr norm, int64_t inputColumns) {
  if (!norm)
    return success();
  auto weight = lookupWeight(op, symbolTable, norm, "norm");
  if (failed(weight))
    return failure();
  if (weight->getQuantizedType())
    return op->emitOpError() << "norm @" << weight->getSymName() << " must not be quantized";
  return checkWeightShape(op, *weight, "norm", {inputColumns});
}

/// The projection weight `name` must be (rows, inputColumns).
LogicalResult checkProjection(Operation *op, SymbolTableCollection &symbolTable,
                              FlatSymbolRefAttr name, StringRef role, int64_t rows,
                              int64_t inputColumns) {
  auto weight = lookupWeight(op, symbolTable, name, role);
  if (failed(weight))
    return failure();
  return checkWeightShape(op, *weight, role, {rows, inputColumns});
}

/// Head counts of the attention ops: positive, query heads a multiple of the KV heads, and a
/// query row of num_heads * head_dim elements.
LogicalResult checkHeads(Operation *op, int64_t heads, int64_t kvHeads, int64_t headDim,
                         int64_t layer, RankedTensorType query) {
  if (heads <= 0 || kvHeads <= 0 || headDim <= 0)
    return op->emitOpError() << "num_heads, num_kv_heads and head_dim must be positive";
  if (heads % kvHeads != 0)
    return op->emitOpError() << "num_heads " << heads << " is not a multiple of num_kv_heads "
                             << kvHeads;
  if (layer < 0)
    return op->emitOpError() << "layer must be non-negative";
  if (query.getDimSize(1) != heads * headDim)
    return op->emitOpError() << "query rows have " << query.getDimSize(1)
                             << " elements but num_heads * head_dim = " << heads * headDim;
  return success();
}

/// The rotary parameters of llm.rope and llm.qkv_projection: their head size and #llm.rope.
template <typename OpT>
RopeParameters ropeParametersOf(OpT op) {
  RopeAttr rope = op.getRope();
  return {int64_t(op.getHeadDim()),
          rope.getTheta().convertToDouble(),
          rope.getScaling(),
          rope.getFactor().convertToDouble(),
          rope.getLowFreqFactor().convertToDouble(),
          rope.getHighFreqFactor().convertToDouble(),
          rope.getOriginalMaxPositions()};
}

LogicalResult checkStatic(Operation *op, ArrayRef<Type> types) {
  for (Type type : types)
    if (!cast<RankedTensorType>(type).hasStaticShape())
      return op->emitOpError() << "needs static shapes, got " << type;
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// LinearOpInterface
//===----------------------------------------------------------------------===//

SmallVector<FlatSymbolRefAttr> LinearOp::getMatrixWeights() { return {getWeightAttr()}; }

SmallVector<FlatSymbolRefAttr> LinearGroupOp::getMatrixWeights() {
  return llvm::to_vector(getWeights().getAsRange<FlatSymbolRefAttr>());
}

SmallVector<FlatSymbolRefAttr> SwiGLULinearOp::getMatrixWeights() {
  return {getGateAttr(), getUpAttr()};
}

SmallVector<FlatSymbolRefAttr> QKVProjectionOp::getMatrixWeights() {
  return {getQueryAttr(), getKeyAttr(), getValueAttr()};
}

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

ArrayRef<int64_t> WeightOp::getWeightShape() {
  if (QWeightType quantized = getQuantizedType())
    return quantized.getShape();
  return cast<RankedTensorType>(getType()).getShape();
}

int64_t WeightOp::getStoredBytes() {
  if (QWeightType quantized = getQuantizedType())
    return quantized.getNumRows() * quantized.getRowBytes();
  auto tensor = cast<RankedTensorType>(getType());
  return tensor.getNumElements() * tensor.getElementTypeBitWidth() / 8;
}

std::string WeightOp::getSchemeName() {
  if (QWeightType quantized = getQuantizedType())
    return stringifyQuantScheme(quantized.getScheme()).str();
  Type element = cast<RankedTensorType>(getType()).getElementType();
  return element.isF16() ? "f16" : element.isBF16() ? "bf16" : "f32";
}

std::string WeightOp::getStorageName() {
  QWeightType quantized = getQuantizedType();
  if (!quantized || !quantized.getLayout())
    return getSchemeName();
  return getSchemeName() + quantized.getLayout().getKernelSuffix().str();
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
  if (failed(checkStatic(*this, {getInput().getType(), getType()})) ||
      failed(checkNormPrologue(*this, getNormAttr(), getNormEpsAttr())))
    return failure();
  return checkSameTokens(*this, getInput().getType(), getType(), "input and result");
}

LogicalResult LinearOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t in = getInput().getType().getDimSize(1);
  int64_t out = getType().getDimSize(1);
  if (failed(checkProjection(*this, symbolTable, getWeightAttr(), "weight", out, in)) ||
      failed(checkNormWeight(*this, symbolTable, getNormAttr(), in)))
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
// LinearGroupOp
//===----------------------------------------------------------------------===//

LogicalResult LinearGroupOp::verify() {
  if (getWeights().empty() || getWeights().size() != getResults().size())
    return emitOpError() << "needs one result per weight and at least one weight, got "
                         << getWeights().size() << " weights and " << getResults().size()
                         << " results";
  SmallVector<Type> types{getInput().getType()};
  llvm::append_range(types, getResultTypes());
  if (failed(checkStatic(*this, types)) ||
      failed(checkNormPrologue(*this, getNormAttr(), getNormEpsAttr())))
    return failure();
  for (Type result : getResultTypes())
    if (failed(checkSameTokens(*this, getInput().getType(), result, "input and results")))
      return failure();
  return success();
}

LogicalResult LinearGroupOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t in = getInput().getType().getDimSize(1);
  for (auto [weight, result] : llvm::zip(getWeights(), getResults()))
    if (failed(checkProjection(*this, symbolTable, cast<FlatSymbolRefAttr>(weight), "weight",
                               cast<RankedTensorType>(result.getType()).getDimSize(1), in)))
      return failure();
  return checkNormWeight(*this, symbolTable, getNormAttr(), in);
}

//===----------------------------------------------------------------------===//
// SwiGLULinearOp
//===----------------------------------------------------------------------===//

LogicalResult SwiGLULinearOp::verify() {
  if (failed(checkStatic(*this, {getInput().getType(), getType()})) ||
      failed(checkNormPrologue(*this, getNormAttr(), getNormEpsAttr())))
    return failure();
  return checkSameTokens(*this, getInput().getType(), getType(), "input and result");
}

LogicalResult SwiGLULinearOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t in = getInput().getType().getDimSize(1);
  int64_t out = getType().getDimSize(1);
  if (failed(checkProjection(*this, symbolTable, getGateAttr(), "gate", out, in)) ||
      failed(checkProjection(*this, symbolTable, getUpAttr(), "up", out, in)))
    return failure();
  return checkNormWeight(*this, symbolTable, getNormAttr(), in);
}

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

RopeParameters RopeOp::getRopeParameters() { return ropeParametersOf(*this); }

LogicalResult RopeOp::verify() {
  if (failed(checkStatic(*this, {getType()})))
    return failure();
  return getRopeParameters().verify(*this, getType().getDimSize(1));
}

LogicalResult RopeParameters::verify(Operation *op, int64_t rowSize) const {
  if (headDim <= 0 || headDim % 2 != 0)
    return op->emitOpError() << "head_dim must be positive and even, got " << headDim;
  if (rowSize % headDim != 0)
    return op->emitOpError() << "row size " << rowSize << " is not a multiple of head_dim "
                             << headDim;
  if (!(theta > 0.0))
    return op->emitOpError() << "theta must be positive";
  if (scaling != RopeScalingKind::none && !(factor > 0.0))
    return op->emitOpError() << "scaling factor must be positive";
  if (scaling == RopeScalingKind::llama3) {
    if (originalMaxPositions <= 0)
      return op->emitOpError() << "llama3 scaling needs original_max_positions > 0";
    if (!(lowFreqFactor < highFreqFactor))
      return op->emitOpError() << "llama3 scaling needs low_freq_factor < high_freq_factor";
  }
  return success();
}

SmallVector<double> RopeParameters::inverseFrequencies() const {
  SmallVector<double> invFreq;
  for (int64_t j = 0; j < headDim / 2; ++j) {
    double freq = 1.0 / std::pow(theta, double(2 * j) / double(headDim));
    switch (scaling) {
    case RopeScalingKind::none:
      break;
    case RopeScalingKind::linear:
      freq /= factor;
      break;
    case RopeScalingKind::llama3: {
      // Llama 3.1: keep high frequencies, divide low ones by `factor`, blend in between.
      double original = double(originalMaxPositions);
      double wavelength = 2.0 * M_PI / freq;
      if (wavelength > original / lowFreqFactor) {
        freq /= factor;
      } else if (wavelength >= original / highFreqFactor) {
        double smooth = (original / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
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
                                 getValue().getType()})) ||
      failed(checkHeads(*this, getNumHeads(), getNumKvHeads(), getHeadDim(), getLayer(),
                        getQuery().getType())))
    return failure();
  int64_t kvDim = getNumKvHeads() * getHeadDim();
  for (Value kv : {getKey(), getValue()}) {
    auto type = cast<RankedTensorType>(kv.getType());
    if (type.getDimSize(1) != kvDim)
      return emitOpError() << "key/value rows have " << type.getDimSize(1)
                           << " elements but num_kv_heads * head_dim = " << kvDim;
    if (failed(checkSameTokens(*this, getQuery().getType(), type, "query, key and value")))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// QKVProjectionOp
//===----------------------------------------------------------------------===//

RopeParameters QKVProjectionOp::getRopeParameters() { return ropeParametersOf(*this); }

LogicalResult QKVProjectionOp::verify() {
  if (failed(checkStatic(*this, {getInput().getType(), getType()})) ||
      failed(checkHeads(*this, getNumHeads(), getNumKvHeads(), getHeadDim(), getLayer(),
                        getType())) ||
      failed(checkNormPrologue(*this, getNormAttr(), getNormEpsAttr())) ||
      failed(getRopeParameters().verify(*this, getType().getDimSize(1))))
    return failure();
  return checkSameTokens(*this, getInput().getType(), getType(), "input and result");
}

LogicalResult QKVProjectionOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t in = getInput().getType().getDimSize(1);
  int64_t qRows = getNumHeads() * getHeadDim(), kvRows = getNumKvHeads() * getHeadDim();
  if (failed(checkProjection(*this, symbolTable, getQueryAttr(), "query", qRows, in)) ||
      failed(checkProjection(*this, symbolTable, getKeyAttr(), "key", kvRows, in)) ||
      failed(checkProjection(*this, symbolTable, getValueAttr(), "value", kvRows, in)))
    return failure();
  return checkNormWeight(*this, symbolTable, getNormAttr(), in);
}

//===----------------------------------------------------------------------===//
// CachedAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult CachedAttentionOp::verify() {
  if (failed(checkStatic(*this, {getType()})))
    return failure();
  return checkHeads(*this, getNumHeads(), getNumKvHeads(), getHeadDim(), getLayer(), getType());
}

#define GET_OP_CLASSES
#include "dialects/llm/LLMOpInterfaces.cpp.inc"
#include "dialects/llm/LLMOps.cpp.inc"
