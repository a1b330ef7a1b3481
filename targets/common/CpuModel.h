//===- CpuModel.h - the CPU a target's passes plan for ----------*- C++ -*-===//
//
// Every number a target's passes read about the machine, declared once in the target's
// description and shown to users on the module (`llm.target`, --emit mlir-planned) and in
// manifest.json. docs/targets.md says which pass reads each field and where each target's
// values come from.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_COMMON_CPUMODEL_H
#define LLMC_TARGETS_COMMON_CPUMODEL_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlir {
class DictionaryAttr;
class MLIRContext;
} // namespace mlir

namespace llmc {

/// For the cache sizes of the CPU models.
constexpr int64_t kKiB = 1024;

/// The core a target is tuned for and how its passes cut work for it. A 0 says the field does
/// not apply (a portable target has no vector unit, an unthreaded one no split, a target
/// without weight layouts no row group).
struct CpuModel {
  /// The core whose caches are given ("Cortex-A76"); "portable" where none is assumed.
  std::string tunedFor;
  int64_t vectorRegisters = 0; ///< architectural vector registers (AArch64: 32 V registers)
  int64_t vectorBits = 0;      ///< bits per vector register
  int64_t l1dBytes = 0;        ///< L1 data cache of one core
  int64_t l2Bytes = 0;         ///< L2 of one core (its share where a cluster shares one)
  /// llm-split-rows (addSplitRows): threads planned for without --cores; parts of a multiple
  /// of rowTile rows (the kernels' decode row tile, or the tallest weight layout group, so that
  /// the packing pass may pack a part); at least minRowsPerPart rows, so that a part streams
  /// enough weight bytes to amortize its dispatch.
  int64_t defaultCores = 0;
  int64_t rowTile = 0;
  int64_t minRowsPerPart = 0;
  /// The rows of a group of the weight layout the target's packing pass stores (x86: a panel's
  /// rows, llm-x86-pack-weights panel-rows; ARM: #arm.rows4x4's 4 or #arm.rows2x8's 2).
  int64_t weightRowGroup = 0;
};

/// The integer fields of `cpu` by the names the module attribute and manifest.json give them
/// ("vector_registers"), in declaration order.
std::vector<std::pair<llvm::StringRef, int64_t>> cpuModelFields(const CpuModel &cpu);

/// `llm.target`'s value: {name = `target`, tuned_for = ..., vector_registers = ..., ...}.
mlir::DictionaryAttr cpuModelAttr(mlir::MLIRContext *context, llvm::StringRef target,
                                  const CpuModel &cpu);

} // namespace llmc

#endif // LLMC_TARGETS_COMMON_CPUMODEL_H
