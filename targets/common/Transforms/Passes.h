//===- Passes.h - passes any target may add to its pipeline -----*- C++ -*-===//
#ifndef LLMC_TARGETS_COMMON_TRANSFORMS_PASSES_H
#define LLMC_TARGETS_COMMON_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "dialects/llm/LLMDialect.h"
#include "targets/common/TargetBackend.h"

#include <memory>
#include <optional>

namespace llmc {

#define GEN_PASS_DECL
#include "targets/common/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/common/Transforms/Passes.h.inc"

/// A number every part of `op`'s split starts at a multiple of (each weight's parts, counted
/// from its first row; 0 when every part starts at row 0), or nothing if `op` is not split.
std::optional<int64_t> partStartStep(mlir::Operation *op);

/// Adds llm-split-rows with a threaded target's CPU model (its default cores, row tile and
/// fewest rows per part), planned for --cores threads where given. The split only needs to be
/// fine enough for that many threads; the runtime hands parts to threads dynamically.
void addSplitRows(mlir::OpPassManager &pm, const TargetPipelineOptions &options,
                  const CpuModel &cpu);

} // namespace llmc

#endif // LLMC_TARGETS_COMMON_TRANSFORMS_PASSES_H
