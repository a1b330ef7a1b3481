//===- StreamUnits.cpp - the units streamed weights are read in -----------===//
#include "compiler/Emitter/StreamUnits.h"

#include "dialects/llm/LLMOps.h"
#include "runtime/stream_plan.h"

#include <algorithm>

using namespace mlir;

namespace llmc {

StreamUnits streamUnits(ModuleOp module) {
  StreamUnits units;
  std::vector<int64_t> layer;
  std::vector<uint64_t> bytes;
  llvm::StringMap<uint32_t> index;
  for (auto weight : module.getOps<llm::WeightOp>()) {
    index[weight.getSymName()] = uint32_t(layer.size());
    layer.push_back(llmrt_stream_layer_of(weight.getSymName().str().c_str()));
    bytes.push_back(llmrt_stream_align64(weight.getStoredBytes()));
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
  for (uint32_t i = 0; i < layer.size(); ++i) {
    if (layer[i] < 0) {
      units.otherBytes += bytes[i];
      continue;
    }
    // A layer's first tensor starts a unit even where an op reads across layers (the emitter
    // refuses that op).
    if (starts[i] || units.starts.empty() || layer[i] != int64_t(units.layer.back())) {
      units.starts.push_back(i);
      units.layer.push_back(uint32_t(layer[i]));
      units.bytes.push_back(0);
      units.layers = std::max(units.layers, uint32_t(layer[i]) + 1);
    }
    units.bytes.back() += bytes[i];
  }
  for (auto &[name, i] : index)
    if (layer[i] >= 0)
      units.unitOfWeight[name] =
          uint32_t(std::upper_bound(units.starts.begin(), units.starts.end(), i) -
                   units.starts.begin() - 1);
  return units;
}

} // namespace llmc
