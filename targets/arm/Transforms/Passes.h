//===- Passes.h - ARM target passes -----------------------------*- C++ -*-===//
#ifndef LLMC_TARGETS_ARM_TRANSFORMS_PASSES_H
#define LLMC_TARGETS_ARM_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "dialects/llm/LLMDialect.h"
#include "targets/arm/IR/ArmDialect.h"

#include "llvm/ADT/StringRef.h"

#include <memory>

namespace llmc {

#define GEN_PASS_DECL
#include "targets/arm/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/arm/Transforms/Passes.h.inc"

namespace arm {
/// The rows of a group of the layout llm-arm-pack-weights' `layout` option names: 4 for
/// "rows4x4", 2 for "rows2x8" (weight_layouts.h), 0 for a name that is no layout.
int64_t layoutGroupRows(llvm::StringRef layout);
} // namespace arm

} // namespace llmc

#endif // LLMC_TARGETS_ARM_TRANSFORMS_PASSES_H
