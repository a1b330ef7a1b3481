//===- Passes.h - target-independent llm passes -----------------*- C++ -*-===//
#ifndef LLMC_COMPILER_TRANSFORMS_PASSES_H
#define LLMC_COMPILER_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "dialects/llm/LLMDialect.h"

#include <memory>

namespace llmc {

#define GEN_PASS_DECL
#include "compiler/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Transforms/Passes.h.inc"

} // namespace llmc

#endif // LLMC_COMPILER_TRANSFORMS_PASSES_H
