//===- ProgramMemory.h - the RAM a compiled program uses ------------------===//
//
// One plan of the memory of out/'s program, from the planned module: the sizes model.h states
// (arena, KV cache), what manifest.json reports and what `llmc inspect --ram` prints all come
// from programMemory(), so they cannot disagree.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_EMITTER_PROGRAMMEMORY_H
#define LLMC_COMPILER_EMITTER_PROGRAMMEMORY_H

#include "compiler/Emitter/Emitter.h"
#include "compiler/Emitter/ModelCode.h"
#include "compiler/Transforms/StreamUnits.h"

#include "runtime/stream_plan.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"

#include <optional>

namespace llmc {

/// The model's sizes, read from the planned module's functions.
int64_t vocabSizeOf(mlir::ModuleOp module);
int64_t prefillTokensOf(mlir::ModuleOp module);
int64_t hiddenSizeOf(mlir::ModuleOp module);

/// The size of weights.bin for the module's llm.weight ops: header, table, aligned tensors.
uint64_t weightBlobBytes(mlir::ModuleOp module);

/// The KV cache's layout: a (context, kv_dim) slab per attention layer.
mlir::FailureOr<KVCacheLayout> planKVCache(mlir::ModuleOp module);

/// The streamed weights' plan for a buffer of `budget` bytes (runtime/stream_plan.h, the
/// function llm_open plans with, on the sizes of `units`): false when nothing fits,
/// `out.min_budget` saying what would.
bool planStreamedWeights(const StreamUnits &units, uint64_t budget, llmrt_stream_plan &out);

/// Streamed weights: the units they are read in and the weight buffer's bytes (0: the least
/// that fits).
struct StreamedWeights {
  StreamUnits units;
  uint64_t budget = 0;
};

/// planStreamedWeights for `streamed`'s budget, 0 meaning the least that fits, into `outBudget`:
/// false when that budget is too small.
bool planStreamedWeights(const StreamedWeights &streamed, llmrt_stream_plan &out,
                         uint64_t &outBudget);

/// The memory of the program compiled from `planned` (after llm-plan-memory), with
/// `tokenizerBytes` of tokenizer.bin, running its kernels on `threads`. The same in the mapped
/// and embedded modes: at the peak both hold every byte of the blob, in pages of the page
/// cache (shared, evictable) or of the program image. With `streamed` the weights are
/// streamed: they hold the weight buffer planned for its budget.
ProgramMemory programMemory(mlir::ModuleOp planned, const KVCacheLayout &kv,
                            uint64_t tokenizerBytes, int64_t threads,
                            const std::optional<StreamedWeights> &streamed = std::nullopt);

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_PROGRAMMEMORY_H
