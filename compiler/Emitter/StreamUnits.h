//===- StreamUnits.h - the units streamed weights are read in -------------===//
//
// With --weights-mode streamed a layer's weights are read in stream units (runtime/stream_plan.h):
// the tensors one kernel call reads, so that a read buffer holds the weights of ops rather
// than a whole layer's. The plan (planStreamedWeights), the llmrt_stream_unit calls model.cpp
// makes and the unit table llm_open checks all come from streamUnits(), so they cannot disagree.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_EMITTER_STREAMUNITS_H
#define LLMC_COMPILER_EMITTER_STREAMUNITS_H

#include "mlir/IR/BuiltinOps.h"
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

/// The module's stream units, in table order: a unit starts at each layer's first tensor and at
/// the first tensor any op reads; the tensors between two starts (those an op reads together,
/// and any no op reads) belong to the first.
StreamUnits streamUnits(mlir::ModuleOp module);

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_STREAMUNITS_H
