//===- Passes.h - target-independent llm passes -----------------*- C++ -*-===//
#ifndef LLMC_COMPILER_TRANSFORMS_PASSES_H
#define LLMC_COMPILER_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace llmc {

/// Attribute names the passes write and the emitter reads.
constexpr llvm::StringLiteral kArenaOffsetAttr = "llm.arena_offset";
constexpr llvm::StringLiteral kScoresOffsetAttr = "llm.scores_offset";
constexpr llvm::StringLiteral kArenaBytesAttr = "llm.arena_bytes";
constexpr llvm::StringLiteral kContextLengthAttr = "llm.context_length";

#define GEN_PASS_DECL
#include "compiler/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Transforms/Passes.h.inc"

} // namespace llmc

#endif // LLMC_COMPILER_TRANSFORMS_PASSES_H
