//===- LLMTypes.cpp - llm dialect types -----------------------------------===//
#include "dialects/llm/LLMTypes.h"

#include "mlir/IR/Diagnostics.h"
#include "runtime/quant_format.h"

using namespace mlir;
using namespace mlir::llm;

// The sizes come from the runtime's table of schemes, which the weight writer and the kernels
// read too; the dialect's enumerators are checked to follow its order.
#define LLMRT_QUANT_SCHEME(name, NAME, values, bytes, activations, ggml)                          \
  static_assert(uint32_t(QuantScheme::name) == LLMRT_##NAME,                                       \
                "QuantScheme follows runtime/quant_schemes.def");
#include "runtime/quant_schemes.def"

int64_t mlir::llm::quantBlockSize(QuantScheme scheme) {
  return llmrt_quant_block_size(llmrt_quant_scheme(scheme));
}

int64_t mlir::llm::quantBlockBytes(QuantScheme scheme) {
  return llmrt_quant_block_bytes(llmrt_quant_scheme(scheme));
}

int64_t QWeightType::getNumRows() const {
  int64_t rows = 1;
  for (int64_t d : getShape().drop_back())
    rows *= d;
  return rows;
}

int64_t QWeightType::getActivationScratchBytes(int64_t tokens) const {
  int64_t blocks = (getShape().back() + getBlock() - 1) / getBlock();
  StringRef format = getActivationFormat();
#define LLMRT_ACTIVATION_FORMAT(name, values, bytes)                                              \
  if (format == #name)                                                                           \
    return tokens * blocks * bytes;
#include "runtime/quant_schemes.def"
  llvm_unreachable("the table names every scheme's activation format");
}

StringRef QWeightType::getActivationFormat() const {
  switch (getScheme()) {
#define LLMRT_QUANT_SCHEME(name, NAME, values, bytes, activations, ggml)                          \
  case QuantScheme::name:                                                                        \
    return #activations;
#include "runtime/quant_schemes.def"
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
