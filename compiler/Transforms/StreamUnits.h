//===- StreamUnits.h - the units streamed weights are read in -------------===//
//
// With --weights-mode streamed a layer's weights are read in stream units (runtime/stream_plan.h):
// the tensors one kernel call reads, so that a read buffer holds the weights of ops rather than a
// whole layer's. streamUnitStarts() is the one place the grouping is decided;
// llm-plan-weights records it on the module (llm.stream_units) and each op's unit on the op
// (llm.stream_unit), and the emitter's plan, llmrt_stream_unit calls and unit table read those.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_TRANSFORMS_STREAMUNITS_H
#define LLMC_COMPILER_TRANSFORMS_STREAMUNITS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"

#include <cstdint>
#include <vector>

namespace llmc {

struct StreamUnits {
  std::vector<uint32_t> starts; ///< each unit's first tensor: its index in weights.bin's table
  std::vector<uint32_t> layer;  ///< each unit's layer
  std::vector<uint64_t> bytes;  ///< each unit's tensors, each 64-byte aligned as in weights.bin
  uint32_t layers = 0;
  uint64_t otherBytes = 0;              ///< the tensors outside layers, 64-byte aligned
  llvm::StringMap<uint32_t> unitOfWeight; ///< a layer tensor's symbol -> its unit
};

/// Where the module's stream units start, in table order: at each layer's first tensor and at
/// the first tensor any op reads; the tensors between two starts (those an op reads together,
/// and any no op reads) belong to the first.
std::vector<int64_t> streamUnitStarts(mlir::ModuleOp module);

/// The units that start at `starts`: ascending table indices of tensors in layers, among them
/// each layer's first (llm.stream_units as the dialect verifies it).
StreamUnits streamUnitsAt(mlir::ModuleOp module, llvm::ArrayRef<int64_t> starts);

/// streamUnitsAt(streamUnitStarts()): the units streamed weights of the module are read in, or
/// would be (what --memory-budget and `llmc inspect --ram` weigh on a module planned for
/// another weights mode).
StreamUnits streamUnits(mlir::ModuleOp module);

} // namespace llmc

#endif // LLMC_COMPILER_TRANSFORMS_STREAMUNITS_H
