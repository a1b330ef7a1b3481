//===- LLMDialect.h - the llm dialect ---------------------------*- C++ -*-===//
#ifndef LLMC_DIALECTS_LLM_LLMDIALECT_H
#define LLMC_DIALECTS_LLM_LLMDIALECT_H

#include "mlir/IR/Dialect.h"

#include <optional>

#include "dialects/llm/LLMDialect.h.inc"

namespace llmc {

/// Discardable attributes of the llm dialect: the importer sets the context length; the
/// memory plan (llm-plan-memory) sets the offsets and the arena size; llm-plan-weights the
/// weights mode and the stream units; the emitter reads them all.
/// The dialect verifies every one it knows and refuses other `llm.*` names (LLMAttrVerifier.cpp):
/// offsets are non-negative multiples of kArenaAlignment inside the module's arena.
constexpr llvm::StringLiteral kContextLengthAttr = "llm.context_length"; ///< on the module
constexpr llvm::StringLiteral kArenaBytesAttr = "llm.arena_bytes";       ///< on the module
constexpr llvm::StringLiteral kArenaOffsetAttr = "llm.arena_offset";     ///< on an op's result
constexpr llvm::StringLiteral kArenaOffsetsAttr = "llm.arena_offsets";   ///< one per result
constexpr llvm::StringLiteral kScoresOffsetAttr = "llm.scores_offset";   ///< attention scratch
constexpr llvm::StringLiteral kScratchOffsetAttr = "llm.scratch_offset"; ///< quantized inputs
constexpr llvm::StringLiteral kNormOffsetAttr = "llm.norm_offset";       ///< normalized input
constexpr llvm::StringLiteral kProductOffsetAttr = "llm.product_offset"; ///< swiglu's up rows
/// Every offset of the memory plan is a multiple of this (a cache line; the kernels' vectors).
constexpr int64_t kArenaAlignment = 64;
/// How the program holds its weights (llm-plan-weights): on the module, the name of a
/// WeightsMode ("mapped" without it); streamed, the weight buffer's bytes, llm_open's default.
constexpr llvm::StringLiteral kWeightsModeAttr = "llm.weights_mode";
constexpr llvm::StringLiteral kWeightsBudgetAttr = "llm.weights_budget";
/// Streamed weights are read in stream units (StreamUnits.h): on the module, the weights.bin
/// table index of each unit's first tensor (array<i64>); on each op that reads layer weights,
/// the unit they are in (i64), which model.cpp waits for before the op's kernel call.
constexpr llvm::StringLiteral kStreamUnitsAttr = "llm.stream_units";
constexpr llvm::StringLiteral kStreamUnitAttr = "llm.stream_unit";
/// Thread split of a linear op's output rows, or of an attention's query heads (target tiling
/// passes): `row_parts` parts of `rows_per_part` rows (heads); for llm.linear_group and
/// llm.qkv_projection each weight's rows are split alike, `row_parts` counting all parts.
constexpr llvm::StringLiteral kRowPartsAttr = "llm.row_parts";
constexpr llvm::StringLiteral kRowsPerPartAttr = "llm.rows_per_part";
/// The cores of unequal speed the split is planned for (`llmc compile --cores 4x1.0,4x2.0`):
/// on the module, one speed per core in CPU order (array<f64>).
constexpr llvm::StringLiteral kCoresAttr = "llm.cores";
/// What the target's passes plan for (targets/common/CpuModel.h), set by llmc for users and
/// tests to read: on the module, a dictionary {name = "x86-avx2", tuned_for = ..., row_tile =
/// ..., ...}. No pass reads it; the passes take the same values as options.
constexpr llvm::StringLiteral kTargetAttr = "llm.target";
/// The most cores --cores may name (the static split writes a table entry per core per op).
constexpr int64_t kMaxCores = 256;
/// The static split for llm.cores, instead of rows_per_part: part i runs on thread i, and
/// `part_rows` holds each part's rows (heads) in proportion to its core's speed, `row_parts`
/// (one per core) for each weight in turn (a SwiGLU's gate and up count as one).
constexpr llvm::StringLiteral kPartRowsAttr = "llm.part_rows";
/// The kernels an op's code calls (llm-select-kernels): `kernel` on single-kernel ops; `kernels`
/// on the linear ops, a dictionary of kKernel* entries.
constexpr llvm::StringLiteral kKernelAttr = "llm.kernel";
constexpr llvm::StringLiteral kKernelsAttr = "llm.kernels";
constexpr llvm::StringLiteral kKernelNorm = "norm";         ///< the RMSNorm prologue
constexpr llvm::StringLiteral kKernelQuantize = "quantize"; ///< the activations' quantizer
constexpr llvm::StringLiteral kKernelRows = "rows";         ///< one row-range linear per weight
constexpr llvm::StringLiteral kKernelEpilogue = "epilogue"; ///< add, SwiGLU or RoPE

/// How the generated program holds its weights (llmc compile --weights-mode, kWeightsModeAttr).
enum class WeightsMode {
  Mapped,   ///< weights.bin opened at run time, mapped read-only
  Embedded, ///< weights.bin part of the program (weights_embedded.S or a byte array)
  Streamed, ///< weights.bin read op by op into a buffer of a budget while the model runs
};

/// "mapped", "embedded", "streamed": the spelling of the flag, the attribute, the manifest and
/// llm_weights_mode_name.
llvm::StringRef weightsModeName(WeightsMode mode);
/// The mode a name spells, or nothing.
std::optional<WeightsMode> parseWeightsMode(llvm::StringRef name);

} // namespace llmc

#endif // LLMC_DIALECTS_LLM_LLMDIALECT_H
