//===- Passes.h - passes any target may add to its pipeline -----*- C++ -*-===//
#ifndef LLMC_TARGETS_COMMON_TRANSFORMS_PASSES_H
#define LLMC_TARGETS_COMMON_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "dialects/llm/LLMDialect.h"

#include <memory>

namespace llmc {

#define GEN_PASS_DECL
#include "targets/common/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/common/Transforms/Passes.h.inc"

} // namespace llmc

#endif // LLMC_TARGETS_COMMON_TRANSFORMS_PASSES_H
