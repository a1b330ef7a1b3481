//===- Passes.h - x86 target passes -----------------------------*- C++ -*-===//
#ifndef LLMC_TARGETS_X86_TRANSFORMS_PASSES_H
#define LLMC_TARGETS_X86_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "dialects/llm/LLMDialect.h"
#include "targets/x86/IR/X86Dialect.h"

#include <memory>

namespace llmc {

#define GEN_PASS_DECL
#include "targets/x86/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/x86/Transforms/Passes.h.inc"

} // namespace llmc

#endif // LLMC_TARGETS_X86_TRANSFORMS_PASSES_H
