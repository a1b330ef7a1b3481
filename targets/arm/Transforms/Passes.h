//===- Passes.h - ARM target passes -----------------------------*- C++ -*-===//
#ifndef LLMC_TARGETS_ARM_TRANSFORMS_PASSES_H
#define LLMC_TARGETS_ARM_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "dialects/llm/LLMDialect.h"
#include "targets/arm/IR/ArmDialect.h"

#include <memory>

namespace llmc {

#define GEN_PASS_DECL
#include "targets/arm/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/arm/Transforms/Passes.h.inc"

} // namespace llmc

#endif // LLMC_TARGETS_ARM_TRANSFORMS_PASSES_H
