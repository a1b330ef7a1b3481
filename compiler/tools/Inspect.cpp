//===- Inspect.cpp - `llmc inspect`: sizes per tensor group and scheme ----===//
//
// Runs the same llm-quantize rules `llmc compile` uses on a copy of the module for each scheme,
// so the table shows what a compile would write, fallbacks included.
//
//===----------------------------------------------------------------------===//
#include "compiler/tools/Inspect.h"

#include "compiler/Importer/LlamaToIR.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Format.h"

#include <array>

using namespace mlir;

namespace llmc {
namespace {

const std::array<const char *, 5> kGroups = {"embedding", "attention", "mlp", "norms", "output"};

/// Which row of the table a weight belongs to.
size_t groupOf(StringRef name, bool tied) {
  if (name == "embed_tokens")
    return tied ? 4 : 0;
  if (name == "lm_head")
    return 4;
  if (name.contains("_norm") || name == "norm" || name.ends_with(".bias"))
    return 3;
  if (name.contains("q_proj") || name.contains("k_proj") || name.contains("v_proj") ||
      name.contains("o_proj"))
    return 1;
  return 2;
}

/// The table's unit: MiB, or KiB for models under 16 MiB so small ones show their sizes.
struct Unit {
  const char *name;
  double bytes;
};

std::string inUnit(uint64_t bytes, Unit unit) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.2f", double(bytes) / unit.bytes);
  return text;
}

} // namespace

int runInspect(const ImportedModel &model, ArrayRef<std::string> schemes,
               int64_t contextLength, raw_ostream &os) {
  const ModelConfig &c = model.config;
  MLIRContext context;
  LlamaToIROptions options;
  options.contextLength = contextLength;
  OwningOpRef<ModuleOp> module = buildLlamaModule(context, c, model.weights, options);

  uint64_t parameters = 0;
  uint64_t floatBytes = 0;
  for (auto weight : module->getOps<llm::WeightOp>())
    floatBytes += weight.getStoredBytes();
  Unit unit = floatBytes < (16u << 20) ? Unit{"KiB", 1024.0} : Unit{"MiB", 1024.0 * 1024.0};
  std::array<uint64_t, kGroups.size()> groupParams = {};
  for (auto weight : module->getOps<llm::WeightOp>()) {
    uint64_t elements = 1;
    for (int64_t d : weight.getWeightShape())
      elements *= d;
    parameters += elements;
    groupParams[groupOf(weight.getSymName(), c.tieWordEmbeddings)] += elements;
  }
  os << model.sourceDescription << "\n"
     << "  hidden " << c.hiddenSize << ", intermediate " << c.intermediateSize << ", layers "
     << c.numLayers << ", heads " << c.numHeads << ", kv heads " << c.numKVHeads
     << ", head_dim " << c.headDim << ", vocab " << c.vocabSize << ", max positions "
     << c.maxPositions << (c.tieWordEmbeddings ? ", tied embeddings" : "") << "\n"
     << "  parameters: " << parameters << "\n\n"
     << unit.name << " by tensor group and scheme (llm-quantize's default rules: under a 4-bit scheme the\n"
     << "embedding and output use q6_k; k-quants fall back for rows not a multiple of 256):\n";

  std::vector<std::array<uint64_t, kGroups.size()>> bytes;
  for (const std::string &scheme : schemes) {
    OwningOpRef<ModuleOp> copy = module->clone();
    PassManager pm(&context);
    LLMQuantizeOptions quantize;
    const std::vector<std::string> allFloat = {"*=f32"}; // the options hold an ArrayRef
    if (scheme == "f32")
      quantize.overrides = allFloat;
    else
      quantize.scheme = scheme;
    pm.addPass(createLLMQuantize(quantize));
    if (failed(pm.run(*copy)))
      return 1;
    std::array<uint64_t, kGroups.size()> row = {};
    for (auto weight : copy->getOps<llm::WeightOp>())
      row[groupOf(weight.getSymName(), c.tieWordEmbeddings)] += weight.getStoredBytes();
    bytes.push_back(row);
  }

  os << llvm::format("  %-10s %14s", (const char *)"group", (const char *)"parameters");
  for (const std::string &scheme : schemes)
    os << llvm::format(" %10s", scheme.c_str());
  os << "\n";
  std::vector<uint64_t> totals(schemes.size(), 0);
  for (size_t g = 0; g < kGroups.size(); ++g) {
    if (groupParams[g] == 0)
      continue;
    os << llvm::format("  %-10s %14llu", kGroups[g], (unsigned long long)groupParams[g]);
    for (size_t s = 0; s < schemes.size(); ++s) {
      os << llvm::format(" %10s", inUnit(bytes[s][g], unit).c_str());
      totals[s] += bytes[s][g];
    }
    os << "\n";
  }
  os << llvm::format("  %-10s %14llu", (const char *)"total", (unsigned long long)parameters);
  for (uint64_t total : totals)
    os << llvm::format(" %10s", inUnit(total, unit).c_str());
  int64_t positions = (*module)->getAttrOfType<IntegerAttr>(kContextLengthAttr).getInt();
  uint64_t kvBytes = uint64_t(2) * c.numLayers * positions * c.numKVHeads * c.headDim * 4;
  os << "\n\nKV cache (f32) for " << positions << " positions: " << inUnit(kvBytes, unit) << " "
     << unit.name << "\n";
  return 0;
}

} // namespace llmc
