//===- MemoryBudget.cpp - `llmc compile --memory-budget SIZE` -------------===//
//
// Every figure comes from programMemory() on the module the compile emits, so the plan's total
// is the one manifest.json's ram_bytes and `llmc inspect --ram` state for the same choice.
//
//===----------------------------------------------------------------------===//
#include "compiler/tools/MemoryBudget.h"

#include "compiler/Emitter/ProgramMemory.h"
#include "compiler/tools/InspectRam.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Format.h"

using namespace mlir;

namespace llmc {
namespace {

/// Streamed with a weight buffer of `weightsBudget` bytes (0: the least that runs).
MemoryChoice streamedChoice(ModuleOp module, const KVCacheLayout &kv, uint64_t tokenizerBytes,
                            uint64_t weightsBudget) {
  MemoryChoice choice;
  choice.mode = WeightsMode::Streamed;
  choice.context = kv.contextLength;
  StreamedWeights streamed{streamUnits(module), weightsBudget};
  llmrt_stream_plan plan;
  planStreamedWeights(streamed, plan, choice.weightsBudget);
  choice.layers = streamed.units.layers;
  choice.residentLayers = plan.resident_layers;
  choice.ram = programMemory(module, kv, tokenizerBytes, 1, streamed);
  return choice;
}

/// "mapped" / "streamed, 3 of 5 layers resident".
std::string modeAndLayers(const MemoryChoice &choice) {
  std::string text = weightsModeName(choice.mode).str();
  if (choice.mode == WeightsMode::Streamed)
    text += ", " + std::to_string(choice.residentLayers) + " of " +
            std::to_string(choice.layers) + " layers resident";
  return text;
}

} // namespace

uint64_t MemoryBudgetPlan::leastBudget() const {
  uint64_t bytes = UINT64_MAX;
  for (const MemoryChoice &choice : least)
    bytes = std::min(bytes, choice.ram.total());
  return bytes;
}

std::vector<int64_t> budgetContexts(int64_t context, bool explicitContext,
                                    int64_t prefillTokens) {
  std::vector<int64_t> contexts = {context};
  if (explicitContext)
    return contexts;
  int64_t shortest = std::max(kShortestBudgetContext, prefillTokens);
  for (int64_t shorter = int64_t(llvm::PowerOf2Ceil(uint64_t(context))) / 2; shorter >= shortest;
       shorter /= 2)
    if (shorter < context)
      contexts.push_back(shorter);
  return contexts;
}

std::optional<MemoryBudgetPlan>
planMemoryBudget(uint64_t budget, ArrayRef<int64_t> contexts, ArrayRef<WeightsMode> modes,
                 uint64_t tokenizerBytes,
                 llvm::function_ref<OwningOpRef<ModuleOp>(int64_t)> plannedModule) {
  MemoryBudgetPlan result;
  for (int64_t context : contexts) {
    OwningOpRef<ModuleOp> module = plannedModule(context);
    if (!module)
      return std::nullopt;
    FailureOr<KVCacheLayout> kv = planKVCache(*module);
    if (failed(kv))
      return std::nullopt;
    for (WeightsMode mode : modes) {
      MemoryChoice least;
      if (mode == WeightsMode::Streamed) {
        least = streamedChoice(*module, *kv, tokenizerBytes, 0);
      } else {
        least.mode = mode;
        least.context = context;
        least.ram = programMemory(*module, *kv, tokenizerBytes, 1);
      }
      result.least.push_back(least);
      if (least.ram.total() > budget)
        continue;
      if (mode == WeightsMode::Streamed) {
        // The weight buffer is what the rest of the program leaves of the budget.
        uint64_t rest = least.ram.total() - least.ram.weightsResident;
        result.chosen = streamedChoice(*module, *kv, tokenizerBytes, budget - rest);
      } else {
        result.chosen = least;
      }
      return result;
    }
  }
  return result;
}

std::string describeMemoryChoice(const MemoryChoice &choice) {
  return modeAndLayers(choice) + ", context " + std::to_string(choice.context);
}

void printMemoryBudgetTable(const MemoryBudgetPlan &plan, llvm::raw_ostream &os) {
  os << "The RAM each plan needs, for one kernel thread, in MiB (streamed: with its least weight\n"
        "buffer); the last column, in bytes, is the least --memory-budget that picks it:\n"
        "  weights mode                          context    weights   KV cache    arena   "
        "runtime      total  least budget\n";
  for (const MemoryChoice &choice : plan.least) {
    std::string mode = modeAndLayers(choice);
    const ProgramMemory &ram = choice.ram;
    os << llvm::format("  %-36s %8lld %10s %10s %8s %9s %10s  %llu\n", mode.c_str(),
                       (long long)choice.context, mib(ram.weightsResident).c_str(),
                       mib(ram.kvCache).c_str(), mib(ram.arena).c_str(),
                       mib(ram.tokenizer + ram.runtime).c_str(), mib(ram.total()).c_str(),
                       (unsigned long long)ram.total());
  }
}

} // namespace llmc
