//===- MemoryBudget.h - `llmc compile --memory-budget SIZE` ---------------===//
//
// Picks the weights mode, the resident layers and the KV-cache length that fit a program into
// SIZE bytes of RAM, asking programMemory() (the figures of manifest.json's ram_bytes and
// `llmc inspect --ram`) of the module each choice compiles to.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_TOOLS_MEMORYBUDGET_H
#define LLMC_COMPILER_TOOLS_MEMORYBUDGET_H

#include "compiler/Emitter/Emitter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <vector>

namespace llmc {

/// The KV cache is never shortened below this many positions (or the model's own default, if
/// that is shorter): a shorter one holds too little of a conversation to be worth a program.
constexpr int64_t kShortestBudgetContext = 512;

/// One configuration the planner weighs and its RAM for one kernel thread.
struct MemoryChoice {
  WeightsMode mode = WeightsMode::Mapped;
  int64_t context = 0;        ///< KV-cache length in tokens
  uint64_t weightsBudget = 0; ///< streamed: the weight buffer's bytes (--weights-budget)
  int64_t layers = 0;         ///< streamed: the model's layers
  int64_t residentLayers = 0; ///< streamed: the first layers the weight buffer keeps
  ProgramMemory ram;
};

struct MemoryBudgetPlan {
  /// The first choice that fits, in the order of preference; none when nothing does.
  std::optional<MemoryChoice> chosen;
  /// Each mode at each context tried, at the least RAM it runs in (streamed: no layer
  /// resident): what the table of a budget too small shows.
  std::vector<MemoryChoice> least;

  /// The smallest total of `least`: the least budget any plan tried fits.
  uint64_t leastBudget() const;
};

/// The KV-cache lengths to try, preferred first: `context` alone when the user gave it
/// (`explicitContext`), else `context` and then each power of two below it down to
/// kShortestBudgetContext and no shorter than a prefill call's `prefillTokens`.
std::vector<int64_t> budgetContexts(int64_t context, bool explicitContext,
                                    int64_t prefillTokens);

/// Plans `budget` bytes: for each of `contexts` in turn, each of `modes` in turn (mapped and
/// embedded hold the whole of weights.bin; streamed gets a weight buffer of what the KV cache,
/// arena, tokenizer and runtime leave of the budget, and keeps as many layers resident as it
/// holds); the first that fits is chosen. `plannedModule(context)` is the module `llmc compile`
/// emits for that KV-cache length (null after a reported error), `tokenizerBytes` the size of
/// its tokenizer.bin. Returns nothing when a module could not be planned.
std::optional<MemoryBudgetPlan>
planMemoryBudget(uint64_t budget, llvm::ArrayRef<int64_t> contexts,
                 llvm::ArrayRef<WeightsMode> modes, uint64_t tokenizerBytes,
                 llvm::function_ref<mlir::OwningOpRef<mlir::ModuleOp>(int64_t)> plannedModule);

/// "streamed, 3 of 5 layers resident, context 512" / "mapped, context 2048".
std::string describeMemoryChoice(const MemoryChoice &choice);

/// The table of a budget nothing fits: each of `plan.least`, its RAM by part in MiB and its
/// total in bytes (the least --memory-budget that chooses it).
void printMemoryBudgetTable(const MemoryBudgetPlan &plan, llvm::raw_ostream &os);

} // namespace llmc

#endif // LLMC_COMPILER_TOOLS_MEMORYBUDGET_H
