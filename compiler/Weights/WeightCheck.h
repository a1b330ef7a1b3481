//===- WeightCheck.h - weight values that would make a wrong program ------===//
//
// A NaN or an infinity in a weight spreads to every logit it touches: the compiled program
// would run and print garbage. Checked once at compile time, before any output is written.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_WEIGHTS_WEIGHTCHECK_H
#define LLMC_COMPILER_WEIGHTS_WEIGHTCHECK_H

#include "compiler/Weights/WeightStore.h"

#include <string>
#include <vector>

namespace llmc {

/// Reads every tensor of `weights` once. A non-finite value is an error naming the file, the
/// tensor, the value and its index in the source tensor, unless `allowNonFinite`, when it is a
/// warning with the count. A matrix (two or more dimensions) that is all zeros or one value
/// repeated is a warning ("path: tensor 'layers.0.q_proj' [64, 64] is all zeros").
llvm::Error checkWeightValues(const WeightStore &weights, bool allowNonFinite,
                              std::vector<std::string> &warnings);

} // namespace llmc

#endif // LLMC_COMPILER_WEIGHTS_WEIGHTCHECK_H
