//===- InspectRam.cpp - `llmc inspect --ram`: RAM per scheme and context --===//
//
// Runs the compile's pipeline for each scheme and context length and asks programMemory(), the
// function whose figures model.h and manifest.json state, what the program will hold. Nothing
// here computes a size of its own.
//
//===----------------------------------------------------------------------===//
#include "compiler/tools/InspectRam.h"

#include "compiler/Emitter/ProgramMemory.h"
#include "compiler/Emitter/TokenizerBlob.h"
#include "compiler/Importer/LlamaToIR.h"
#include "targets/Targets.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Format.h"

#include <optional>

using namespace mlir;

namespace llmc {

namespace {

const int64_t kContexts[] = {512, 2048, 4096};

struct DeviceClass {
  const char *name;
  uint64_t bytes;
};
const DeviceClass kDeviceClasses[] = {{"256 MiB", 256ull << 20}, {"512 MiB", 512ull << 20},
                                      {"1 GiB", 1ull << 30},     {"2 GiB", 2ull << 30},
                                      {"4 GiB", 4ull << 30},     {"8 GiB", 8ull << 30}};

/// The smallest class with at least `bytes` of RAM ("and up": the larger ones fit too).
std::string smallestFit(uint64_t bytes) {
  for (const DeviceClass &device : kDeviceClasses)
    if (bytes <= device.bytes)
      return std::string(device.name) + " and up";
  return "none (over 8 GiB)";
}

/// The memory of the program compiled for `scheme` with a KV cache of `context` positions.
std::optional<ProgramMemory> planned(MLIRContext &mlir, const ImportedModel &model,
                                     const PipelineOptions &pipeline, int64_t context,
                                     int64_t prefillTokens, uint64_t tokenizerBytes,
                                     int64_t threads, std::optional<uint64_t> streamBudget) {
  LlamaToIROptions options;
  options.contextLength = context;
  options.prefillTokens = prefillTokens;
  OwningOpRef<ModuleOp> module = buildLlamaModule(mlir, model.config, model.weights, options);
  PassManager pm(&mlir);
  buildCompilePipeline(pm, pipeline);
  if (failed(pm.run(*module)))
    return std::nullopt;
  FailureOr<KVCacheLayout> kv = planKVCache(*module);
  if (failed(kv))
    return std::nullopt;
  std::optional<StreamedWeights> streamed;
  if (streamBudget)
    streamed = StreamedWeights{streamUnits(*module), *streamBudget};
  return programMemory(*module, *kv, tokenizerBytes, threads, streamed);
}

} // namespace

std::string mib(uint64_t bytes) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.1f", double(bytes) / (1 << 20));
  return text;
}

int runInspectRam(const ImportedModel &model, ArrayRef<std::string> schemes,
                  const std::function<PipelineOptions(StringRef scheme)> &pipelineFor,
                  int64_t prefillTokens, int64_t threads, raw_ostream &os) {
  DialectRegistry registry;
  registerTargetDialects(registry);
  MLIRContext mlir(registry);
  uint64_t tokenizerBytes = modelTokenizerBlobBytes(model.vocabulary, model.config).size();
  os << "RAM of the compiled program at its peak (every weight read, the KV cache full), in MiB,\n"
        "with "
     << threads << " kernel thread" << (threads == 1 ? "" : "s")
     << ". The weights modes mapped and embedded hold the same: every byte of weights.bin, in\n"
        "the page cache or in the program image. The operating system's own RAM is not counted.\n";
  // Mapped and embedded, then streamed with the least budget that runs (--weights-budget).
  for (bool streamed : {false, true}) {
    if (streamed)
      os << "Streamed (llmc compile --weights-mode streamed) with the least --weights-budget: the\n"
            "weights column is that budget, the tensors outside layers and two read buffers\n"
            "for the ops' weights, each sized for the ops it reads.\n";
    os << "  scheme  context    weights   KV cache    arena   runtime      total  fits\n";
    for (const std::string &scheme : schemes) {
      PipelineOptions pipeline = pipelineFor(scheme);
      for (int64_t context : kContexts) {
        std::optional<ProgramMemory> ram =
            planned(mlir, model, pipeline, context, prefillTokens, tokenizerBytes, threads,
                    streamed ? std::optional<uint64_t>(0) : std::nullopt);
        if (!ram)
          return 1;
        os << llvm::format("  %-6s %8lld %10s %10s %8s %9s %10s  %s\n", scheme.c_str(),
                           (long long)context, mib(ram->weightsResident).c_str(),
                           mib(ram->kvCache).c_str(), mib(ram->arena).c_str(),
                           mib(ram->tokenizer + ram->runtime).c_str(), mib(ram->total()).c_str(),
                           smallestFit(ram->total()).c_str());
      }
    }
  }
  return 0;
}

} // namespace llmc
