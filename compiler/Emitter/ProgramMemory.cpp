//===- ProgramMemory.cpp - the RAM a compiled program uses ----------------===//
#include "compiler/Emitter/ProgramMemory.h"

#include "runtime/blob_format.h"
#include "runtime/llmrt.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <vector>
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace llmc {
namespace {

uint64_t align64(uint64_t bytes) { return llvm::alignTo(bytes, 64); }

/// What the program needs besides its model: its code, the C and C++ libraries and the main
/// stack. Measured as llm-run's peak RSS less its weights, KV cache, arena and tokenizer on
/// Linux x86-64 with glibc and libstdc++, rounded up (docs/embedding.md, "How much RAM").
constexpr uint64_t kProgramBytes = 13u << 18;  // 3.25 MiB
/// Each kernel thread after the first: the stack pages it touches and its thread state.
constexpr uint64_t kThreadBytes = 64u << 10;
/// llm_tokenizer_open's index, per token: a piece pointer, four 32-bit fields and the lookup
/// table's slots (runtime/tokenizer.cpp).
constexpr uint64_t kTokenizerIndexBytesPerToken = 40;

} // namespace

int64_t vocabSizeOf(ModuleOp module) {
  auto decode = module.lookupSymbol<func::FuncOp>("decode");
  return cast<RankedTensorType>(decode.getResultTypes()[0]).getDimSize(1);
}

int64_t prefillTokensOf(ModuleOp module) {
  auto prefill = module.lookupSymbol<func::FuncOp>("prefill");
  return cast<RankedTensorType>(prefill.getArgumentTypes()[0]).getDimSize(0);
}

int64_t hiddenSizeOf(ModuleOp module) {
  auto head = module.lookupSymbol<func::FuncOp>("head");
  return cast<RankedTensorType>(head.getArgumentTypes()[0]).getDimSize(1);
}

uint64_t weightBlobBytes(ModuleOp module) {
  uint64_t tensors = 0, data = 0;
  for (auto weight : module.getOps<llm::WeightOp>()) {
    ++tensors;
    data = align64(data + weight.getStoredBytes());
  }
  return align64(sizeof(llmrt_blob_header) + tensors * sizeof(llmrt_tensor_entry)) + data;
}

bool planStreamedWeights(const StreamUnits &units, uint64_t budget, llmrt_stream_plan &out) {
  return llmrt_plan_stream(units.bytes.data(), units.layer.data(), uint32_t(units.starts.size()),
                           units.layers, units.otherBytes, budget, &out);
}

bool planStreamedWeights(const StreamedWeights &streamed, llmrt_stream_plan &out,
                         uint64_t &outBudget) {
  outBudget = streamed.budget;
  if (outBudget == 0 && !planStreamedWeights(streamed.units, 0, out))
    outBudget = out.min_budget;
  return planStreamedWeights(streamed.units, outBudget, out);
}

FailureOr<KVCacheLayout> planKVCache(ModuleOp module) {
  KVCacheLayout layout;
  auto context = module->getAttrOfType<IntegerAttr>(kContextLengthAttr);
  if (!context) {
    module.emitError() << "missing '" << kContextLengthAttr << "'";
    return failure();
  }
  layout.contextLength = context.getInt();
  module.walk([&](Operation *op) {
    if (auto attention = dyn_cast<llm::AttentionOp>(op))
      layout.layerKVDim.try_emplace(attention.getLayer(),
                                    attention.getNumKvHeads() * attention.getHeadDim());
    if (auto attention = dyn_cast<llm::CachedAttentionOp>(op))
      layout.layerKVDim.try_emplace(attention.getLayer(),
                                    attention.getNumKvHeads() * attention.getHeadDim());
  });
  for (auto &[layer, kvDim] : layout.layerKVDim) {
    layout.layerOffset[layer] = layout.totalFloats;
    layout.totalFloats += layout.contextLength * kvDim;
  }
  return layout;
}

/// The arena is the runtime's own layout (llmrt_arena_layout_of, runtime/llmrt.h: the
/// llm_model and the model's Weights, the activations llm-plan-memory placed, a prefill's final
/// hidden states, the last token's logits, llm_generate's sampler scratch), asked of the same
/// function, so the two cannot disagree. The KV cache holds the keys of every layer, then the
/// values.
ProgramMemory programMemory(ModuleOp planned, const KVCacheLayout &kv, uint64_t tokenizerBytes,
                            int64_t threads, const std::optional<StreamedWeights> &streamed) {
  ProgramMemory memory;
  memory.weightsResident = weightBlobBytes(planned);
  if (streamed) {
    llmrt_stream_plan plan;
    uint64_t budget = 0;
    memory.weightsResident =
        planStreamedWeights(*streamed, plan, budget) ? plan.total_bytes : plan.min_budget;
  }
  int64_t tensors = llvm::range_size(planned.getOps<llm::WeightOp>());
  int64_t activations = planned->getAttrOfType<IntegerAttr>(kArenaBytesAttr).getInt();
  int64_t vocab = vocabSizeOf(planned);
  memory.arena = llmrt_arena_layout_of(size_t(tensors), size_t(activations),
                                       int(prefillTokensOf(planned)), int(hiddenSizeOf(planned)),
                                       int(vocab), int(kv.contextLength))
                     .bytes;
  memory.kvCache = 2 * kv.totalFloats * 4;
  memory.tokenizer = tokenizerBytes + kTokenizerIndexBytesPerToken * uint64_t(vocab);
  // Streamed weights add the reader's and the checker's threads.
  memory.runtime = kProgramBytes + kThreadBytes * uint64_t(std::max<int64_t>(threads - 1, 0) +
                                                           (streamed ? 2 : 0));
  return memory;
}

} // namespace llmc
