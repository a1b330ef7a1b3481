//===- LLMTypes.cpp - llm dialect types -----------------------------------===//
#include "dialects/llm/LLMTypes.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::llm;

int64_t mlir::llm::quantBlockSize(QuantScheme scheme) {
  switch (scheme) {
  case QuantScheme::q8_0:
  case QuantScheme::q4_0:
  case QuantScheme::q4_1:
    return 32;
  case QuantScheme::q4_k:
  case QuantScheme::q6_k:
    return 256;
  }
  llvm_unreachable("unknown scheme");
}

int64_t mlir::llm::quantBlockBytes(QuantScheme scheme) {
  switch (scheme) {
  case QuantScheme::q8_0:
    return 2 + 32;             // f16 scale, 32 int8
  case QuantScheme::q4_0:
    return 2 + 16;             // f16 scale, 32 nibbles
  case QuantScheme::q4_1:
    return 2 + 2 + 16;         // f16 scale and min, 32 nibbles
  case QuantScheme::q4_k:
    return 2 + 2 + 12 + 128;   // f16 d and dmin, 6-bit sub-scales and mins, 256 nibbles
  case QuantScheme::q6_k:
    return 128 + 64 + 16 + 2;  // low 4 bits, high 2 bits, int8 sub-scales, f16 d
  }
  llvm_unreachable("unknown scheme");
}

int64_t QWeightType::getNumRows() const {
  int64_t rows = 1;
  for (int64_t d : getShape().drop_back())
    rows *= d;
  return rows;
}

int64_t QWeightType::getActivationScratchBytes(int64_t tokens) const {
  int64_t blocks = (getShape().back() + getBlock() - 1) / getBlock();
  int64_t blockBytes = 0;
  switch (getScheme()) {
  case QuantScheme::q8_0:
  case QuantScheme::q4_0:
    blockBytes = 2 + 32; // q8_0: f16 scale, 32 int8
    break;
  case QuantScheme::q4_1:
    blockBytes = 2 + 2 + 32; // q8_1: f16 scale, f16 scale * sum, 32 int8
    break;
  case QuantScheme::q4_k:
  case QuantScheme::q6_k:
    blockBytes = 4 + 256 + 2 * 16; // q8_K: f32 scale, 256 int8, 16 int16 partial sums
    break;
  }
  return tokens * blocks * blockBytes;
}

StringRef QWeightType::getActivationFormat() const {
  switch (getScheme()) {
  case QuantScheme::q8_0:
  case QuantScheme::q4_0:
    return "q8_0";
  case QuantScheme::q4_1:
    return "q8_1";
  case QuantScheme::q4_k:
  case QuantScheme::q6_k:
    return "q8_k";
  }
  llvm_unreachable("unknown scheme");
}

LogicalResult QWeightType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  QuantScheme scheme, ArrayRef<int64_t> shape, int64_t block,
                                  WeightLayoutAttrInterface layout) {
  if (shape.size() != 2)
    return emitError() << "quantized weights are matrices (rank 2), got rank " << shape.size();
  for (int64_t d : shape)
    if (d <= 0)
      return emitError() << "quantized weight dimensions must be positive";
  if (block != quantBlockSize(scheme))
    return emitError() << stringifyQuantScheme(scheme) << " has blocks of "
                       << quantBlockSize(scheme) << " elements, not " << block;
  if (layout)
    return layout.verifyWeight(emitError, scheme, shape);
  return success();
}
