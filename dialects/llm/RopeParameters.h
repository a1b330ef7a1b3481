//===- RopeParameters.h - rotary embedding parameters -----------*- C++ -*-===//
//
// llm.rope and llm.qkv_projection carry the same rotary attributes; this is them as one value,
// with the two things done with them: the verifier's checks and the inverse frequencies the
// emitter folds into a constant table.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_DIALECTS_LLM_ROPEPARAMETERS_H
#define LLMC_DIALECTS_LLM_ROPEPARAMETERS_H

#include "dialects/llm/LLMAttrs.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace mlir::llm {

struct RopeParameters {
  int64_t headDim = 0;
  double theta = 0.0;
  RopeScalingKind scaling = RopeScalingKind::none;
  double factor = 1.0;
  double lowFreqFactor = 1.0;
  double highFreqFactor = 4.0;
  int64_t originalMaxPositions = 0;

  /// inv_freq[j] for j < headDim / 2, in double precision, scaling applied.
  llvm::SmallVector<double> inverseFrequencies() const;
  /// Reports on `op` what is wrong with these parameters for rows of `rowSize` elements.
  LogicalResult verify(Operation *op, int64_t rowSize) const;

  bool operator==(const RopeParameters &other) const {
    return headDim == other.headDim && theta == other.theta && scaling == other.scaling &&
           factor == other.factor && lowFreqFactor == other.lowFreqFactor &&
           highFreqFactor == other.highFreqFactor &&
           originalMaxPositions == other.originalMaxPositions;
  }
};

} // namespace mlir::llm

#endif // LLMC_DIALECTS_LLM_ROPEPARAMETERS_H
