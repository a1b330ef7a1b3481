//===- StreamUnits.cpp - the units streamed weights are read in -----------===//
#include "compiler/Transforms/StreamUnits.h"

#include "dialects/llm/LLMOps.h"
#include "runtime/stream_plan.h"

#include <algorithm>
#include <cassert>

using namespace mlir;

namespace llmc {

std::vector<int64_t> streamUnitStarts(ModuleOp module) {
  std::vector<int64_t> layer;
  llvm::StringMap<uint32_t> index;
  for (auto weight : module.getOps<llm::WeightOp>()) {
    index[weight.getSymName()] = uint32_t(layer.size());
    layer.push_back(llmrt_stream_layer_of(weight.getSymName().str().c_str()));
  }
  // starts[i]: tensor i begins a unit. Each op's layer tensors [first, last] form one unit.
  std::vector<bool> starts(layer.size(), false);
  std::vector<std::pair<uint32_t, uint32_t>> reads;
  module.walk([&](Operation *op) {
    if (isa<llm::WeightOp>(op))
      return;
    uint32_t first = UINT32_MAX, last = 0;
    // Nested too: llm.linear_group names its weights in an array.
    op->getAttrDictionary().walk([&](FlatSymbolRefAttr ref) {
      auto it = index.find(ref.getValue());
      if (it == index.end() || layer[it->second] < 0)
        return;
      first = std::min(first, it->second);
      last = std::max(last, it->second);
    });
    if (first != UINT32_MAX) {
      starts[first] = true;
      reads.push_back({first, last});
    }
  });
  for (auto [first, last] : reads)
    for (uint32_t i = first + 1; i <= last; ++i)
      starts[i] = false;
  std::vector<int64_t> result;
  for (uint32_t i = 0; i < layer.size(); ++i) {
    if (layer[i] < 0)
      continue;
    // A layer's first tensor starts a unit even where an op reads across layers (llm-plan-weights
    // refuses that op).
    if (starts[i] || result.empty() || layer[i] != layer[result.back()])
      result.push_back(i);
  }
  return result;
}

StreamUnits streamUnitsAt(ModuleOp module, ArrayRef<int64_t> starts) {
  StreamUnits units;
  size_t next = 0;
  for (auto [i, weight] : llvm::enumerate(module.getOps<llm::WeightOp>())) {
    int64_t layer = llmrt_stream_layer_of(weight.getSymName().str().c_str());
    uint64_t bytes = llmrt_stream_align64(weight.getStoredBytes());
    if (layer < 0) {
      units.otherBytes += bytes;
      continue;
    }
    if (next < starts.size() && starts[next] == int64_t(i)) {
      units.starts.push_back(uint32_t(i));
      units.layer.push_back(uint32_t(layer));
      units.bytes.push_back(0);
      units.layers = std::max(units.layers, uint32_t(layer) + 1);
      ++next;
    }
    assert(!units.starts.empty() && "each layer's first tensor starts a unit");
    units.bytes.back() += bytes;
    units.unitOfWeight[weight.getSymName()] = uint32_t(units.starts.size() - 1);
  }
  return units;
}

StreamUnits streamUnits(ModuleOp module) {
  return streamUnitsAt(module, streamUnitStarts(module));
}

} // namespace llmc
