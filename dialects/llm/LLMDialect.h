//===- LLMDialect.h - the llm dialect ---------------------------*- C++ -*-===//
#ifndef LLMC_DIALECTS_LLM_LLMDIALECT_H
#define LLMC_DIALECTS_LLM_LLMDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/llm/LLMDialect.h.inc"

namespace llmc {

/// Discardable attributes of the llm dialect: the importer sets the context length; the
/// memory plan (llm-plan-memory) sets the others; the emitter reads them all.
constexpr llvm::StringLiteral kContextLengthAttr = "llm.context_length"; ///< on the module
constexpr llvm::StringLiteral kArenaBytesAttr = "llm.arena_bytes";       ///< on the module
constexpr llvm::StringLiteral kArenaOffsetAttr = "llm.arena_offset";     ///< on an op's result
constexpr llvm::StringLiteral kScoresOffsetAttr = "llm.scores_offset";   ///< attention scratch
constexpr llvm::StringLiteral kScratchOffsetAttr = "llm.scratch_offset"; ///< quantized inputs
/// Thread split of a linear's output rows (target tiling passes).
constexpr llvm::StringLiteral kRowPartsAttr = "llm.row_parts";
constexpr llvm::StringLiteral kRowsPerPartAttr = "llm.rows_per_part";

} // namespace llmc

#endif // LLMC_DIALECTS_LLM_LLMDIALECT_H
