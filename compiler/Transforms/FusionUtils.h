//===- FusionUtils.h - what the fusion passes share -------------*- C++ -*-===//
#ifndef LLMC_COMPILER_TRANSFORMS_FUSIONUTILS_H
#define LLMC_COMPILER_TRANSFORMS_FUSIONUTILS_H

#include "dialects/llm/LLMOps.h"

#include <string>

namespace llmc {

/// What a linear's input becomes before its dot products: "f32" for a float weight, else the
/// quantized weight's activation format ("q8_0", "q8_1", "q8_k"). Linears with the same
/// answer can share one prepared input.
std::string inputFormatOf(mlir::Operation *user, mlir::FlatSymbolRefAttr weight);

/// Whether `op` is a linear op with only a weight, no bias, norm prologue or residual: one
/// that a fusion may absorb.
bool isPlainLinear(mlir::llm::LinearOp op);

/// Copies the `norm` prologue (weight and eps) of `from`, if any, onto `to`.
void copyNormPrologue(mlir::llm::LinearOpInterface from, mlir::llm::LinearOpInterface to);

} // namespace llmc

#endif // LLMC_COMPILER_TRANSFORMS_FUSIONUTILS_H
