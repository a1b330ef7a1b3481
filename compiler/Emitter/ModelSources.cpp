//===- ModelSources.cpp - model.h and model.cpp ---------------------------===//
//
// model.cpp is the graph as straight-line kernel calls: one C++ function per IR function, one
// statement per op, every shape a constant, every activation a fixed slice of the arena that
// llm-plan-memory placed. Names come from the ops' locations ("layers.3.q_proj" ->
// layers_3_q_proj) so the code reads like the model.
//
//===----------------------------------------------------------------------===//
#include "compiler/Emitter/CppText.h"
#include "compiler/Emitter/Emitter.h"
#include "compiler/Emitter/ModelCode.h"
#include "compiler/Emitter/ProgramMemory.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <map>
#include <optional>

using namespace mlir;

namespace llmc {
namespace {

std::string dims(RankedTensorType type, StringRef rows) {
  std::string text = "(" + rows.str();
  for (int64_t d : type.getShape().drop_front())
    text += ", " + std::to_string(d);
  return text + ")";
}

std::string weightShape(llm::WeightOp weight) {
  std::string text = "(";
  llvm::interleave(
      weight.getWeightShape(), [&](int64_t d) { text += std::to_string(d); },
      [&] { text += ", "; });
  return text + ")";
}

/// The blob dtype constant the runtime checks at llm_open.
std::string blobDtype(llm::WeightOp weight) {
  std::string name = weight.getSchemeName();
  for (char &c : name)
    c = std::toupper(static_cast<unsigned char>(c));
  return "LLMRT_DTYPE_" + name;
}

/// Writes the body of model.cpp.
class ModelCppWriter : public ModelCode {
public:
  ModelCppWriter(ModuleOp module, const EmitOptions &options, const KVCacheLayout &kv,
                 const EmitSummary &summary, raw_ostream &os)
      : ModelCode(module, options, kv, os), summary(summary) {}

  LogicalResult write() {
    collectWeights();
    writePrologue();
    writeWeightsStruct();
    writeWeightTable();
    writeArenaChecks();
    for (auto func : module.getOps<func::FuncOp>())
      if (failed(writeFunction(func)))
        return failure();
    writeDescription();
    return success();
  }

private:
  void collectWeights() {
    for (auto weight : module.getOps<llm::WeightOp>()) {
      weightMember[weight.getSymName()] = cppIdentifier(weight.getSymName());
      weights.push_back(weight);
    }
  }

  int64_t vocabSize() { return vocabSizeOf(module); }
  int64_t prefillTokens() { return prefillTokensOf(module); }
  int64_t hiddenSize() { return hiddenSizeOf(module); }

  void writePrologue() {
    int64_t arenaBytes = module->getAttrOfType<IntegerAttr>(kArenaBytesAttr).getInt();
    os << "//\n"
       << "// The model's graph as straight-line kernel calls on static shapes. Activations live\n"
       << "// in one arena whose layout the compiler planned; nothing is allocated per token.\n"
       << "// Generated file: recompile the model instead of editing it.\n"
       << "#include \"model.h\"\n\n"
       << kernelIncludes()
       << "#include \"runtime/llmrt.h\"\n\n"
       << "#include <algorithm>\n"
       << "#include <cstddef>\n"
       << (checksCpu() ? "#include <cstdio>\n" : "")
       << "#include <iterator>\n\n"
       << cpuCheckIncludes()
       << "namespace {\n\n"
       << "constexpr int kVocabSize = " << vocabSize() << ";\n"
       << "constexpr int kContextLength = " << kv.contextLength << ";\n"
       << "constexpr int kHiddenSize = " << hiddenSize() << ";\n"
       << "constexpr int kPrefillTokens = " << prefillTokens()
       << ";  // tokens per prefill() and head() call, at most\n"
       << "constexpr size_t kActivationBytes = " << arenaBytes
       << ";  // placed by llm-plan-memory\n"
       << "constexpr size_t kKVCacheFloats = " << kv.totalFloats
       << ";  // per cache (keys, values): sum over layers of context * kv_dim\n\n";
    writeRopeTables();
  }

  bool checksCpu() { return !target().cpuCheck.features.empty(); }

  /// The headers the CPU check needs, under its guard.
  std::string cpuCheckIncludes() {
    const CpuFeatureCheck &check = target().cpuCheck;
    if (!checksCpu() || check.headers.empty())
      return "";
    std::string text = "#if " + check.guard + "  // the CPU check, missing_cpu_features()\n";
    for (const std::string &header : check.headers)
      text += "#include " + header + "\n";
    return text + "#endif\n\n";
  }

  /// #include lines for the target's kernel API headers.
  std::string kernelIncludes() {
    std::string text;
    for (const std::string &file : target().kernelHeaders)
      text += "#include \"" + llvm::sys::path::filename(file).str() + "\"\n";
    return text;
  }

  /// One constant table per distinct set of rotary frequencies.
  void writeRopeTables() {
    module.walk([&](Operation *op) {
      if (auto rope = dyn_cast<llm::RopeOp>(op))
        writeRopeTable(op, rope.getRopeParameters());
      else if (auto qkv = dyn_cast<llm::QKVProjectionOp>(op))
        writeRopeTable(op, qkv.getRopeParameters());
    });
  }

  void writeRopeTable(Operation *op, const llm::RopeParameters &rope) {
    SmallVector<double> freqs = rope.inverseFrequencies();
    std::string key;
    for (double f : freqs)
      key += formatFloat(float(f)) + ",";
    if (ropeTables.count(key)) {
      ropeTableOf[op] = ropeTables[key];
      return;
    }
    std::string name = ropeTables.empty() ? "kRopeInvFreq"
                                          : "kRopeInvFreq" + std::to_string(ropeTables.size());
    ropeTables[key] = name;
    ropeTableOf[op] = name;
    os << "// Rotary inverse frequencies: head_dim " << rope.headDim << ", theta "
       << formatDouble(rope.theta) << ", scaling " << llm::stringifyRopeScalingKind(rope.scaling)
       << ".\n"
       << "const float " << name << "[" << freqs.size() << "] = {";
    for (size_t i = 0; i < freqs.size(); ++i)
      os << (i % 6 == 0 ? "\n    " : " ") << formatFloat(float(freqs[i])) << ",";
    os << "\n};\n\n";
  }

  void writeWeightsStruct() {
    os << "// Pointers into the weight blob, one per tensor, in table order.\n"
       << "struct Weights {\n";
    for (llm::WeightOp weight : weights)
      os << "  const " << (weight.getSchemeName() == "f32" ? "float" : "void") << "* "
         << weightMember[weight.getSymName()] << ";  // " << weightShape(weight) << " "
         << weight.getStorageName() << "\n";
    os << "};\n\n";
  }

  /// The tensors of weights.bin in table order, each with the Weights member it binds to;
  /// llmrt_bind_weights checks them against the blob at llm_open.
  void writeWeightTable() {
    os << "// The tensors weights.bin must hold, in its table's order, and the member each binds to.\n"
       << "const llmrt_weight_spec kWeightTable[] = {\n";
    for (llm::WeightOp weight : weights) {
      std::string dimsList;
      llvm::interleave(
          weight.getWeightShape(), [&](int64_t d) { dimsList += std::to_string(d); },
          [&] { dimsList += ", "; });
      os << "    {\"" << weight.getSymName() << "\", " << blobDtype(weight) << ", "
         << weight.getWeightShape().size() << ", {" << dimsList << "}, offsetof(Weights, "
         << weightMember[weight.getSymName()] << ")},\n";
    }
    os << "};\n\n";
    if (streamed() && !unitStarts().empty()) {
      os << "// Streamed weights: the table index of each stream unit's first tensor, the tensors "
            "one kernel\n// call reads (a unit runs to the next one's start or its layer's "
            "end).\n"
         << "const uint32_t kStreamUnits[] = {";
      for (auto [u, start] : llvm::enumerate(unitStarts()))
        os << (u % 12 == 0 ? "\n    " : " ") << start << ",";
      os << "\n};\n\n";
    }
  }

  /// The runtime lays out the arena (llmrt_arena_layout_of); model.h states its size.
  void writeArenaChecks() {
    os << "constexpr llmrt_arena_layout kArena = llmrt_arena_layout_of(\n"
       << "    std::size(kWeightTable), kActivationBytes, kPrefillTokens, kHiddenSize,\n"
       << "    kVocabSize, kContextLength);\n"
       << "static_assert(kArena.weights + sizeof(Weights) <= kArena.activations,\n"
       << "              \"the Weights outgrew their room in the arena\");\n"
       << "static_assert(kArena.bytes == LLM_MODEL_ARENA_BYTES, \"model.h and model.cpp disagree on "
          "the arena\");\n"
       << "static_assert(2 * kKVCacheFloats * sizeof(float) == LLM_MODEL_KV_CACHE_BYTES,\n"
       << "              \"model.h and model.cpp disagree on the KV cache\");\n\n";
  }

  /// One C++ function per IR function: decode(m, tokens) and prefill(m, tokens, n) run tokens
  /// at positions m->position ..; head(m, hidden, n) turns final hidden states into logits.
  LogicalResult writeFunction(func::FuncOp func) {
    valueNames.clear();
    usedNames.clear();
    StringRef name = func.getName();
    bool isDecode = name == "decode", isHead = name == "head";
    if (!isDecode && !isHead && name != "prefill")
      return func.emitError() << "the emitter knows @prefill, @decode and @head, not @" << name;
    std::string rows = isDecode ? "1" : "n";
    if (isDecode)
      os << "// decode: one token at position m->position; returns its logits (1, kVocabSize) in "
            "the arena.\n"
         << "const float* decode(llm_model* m, const int32_t* tokens /* (1) */) {\n";
    else if (isHead)
      os << "// head: the final norm and classifier: n <= kPrefillTokens final hidden states to "
            "their\n// logits (n, kVocabSize) in the arena.\n"
         << "const float* head(llm_model* m, const float* hidden /* (n, kHiddenSize) */, "
            "int n) {\n";
    else
      os << "// prefill: n <= kPrefillTokens tokens at positions m->position ..; returns their "
            "final hidden\n// states (n, kHiddenSize) in the arena.\n"
         << "const float* prefill(llm_model* m, const int32_t* tokens /* (n) */, int n) {\n";
    os << "  const Weights& w = *static_cast<const Weights*>(m->weights);\n"
       << "  unsigned char* arena = m->arena;\n";
    if (isHead) {
      valueNames[func.getArgument(0)] = "hidden";
    } else {
      os << "  const int pos = m->position;\n";
      valueNames[func.getArgument(0)] = "tokens";
      valueNames[func.getArgument(1)] = "pos";
    }
    if (isDecode)
      os << "  const int n = 1;\n";
    std::string currentLayer;
    std::optional<int64_t> currentUnit;
    for (Operation &op : func.getBody().front()) {
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        os << "  return " << valueName(ret.getOperand(0)) << ";\n}\n\n";
        continue;
      }
      std::string opName = nameOf(op);
      std::string layer = layerPrefix(opName);
      if (layer != currentLayer && !layer.empty())
        os << "\n  // " << layer << "\n";
      currentLayer = layer;
      // The unit llm-plan-weights found the op's weights in: only one unit is sure to be in
      // memory during a call.
      auto unit = op.getAttrOfType<IntegerAttr>(kStreamUnitAttr);
      if (streamed() && unit && unit.getInt() != currentUnit) {
        currentUnit = unit.getInt();
        os << "  if (!llmrt_stream_unit(m, " << *currentUnit << ")) return nullptr;  // "
           << opName << "'s weights read; the next unit's read started\n";
      }
      if (failed(declareResult(op, opName, rows)) || failed(writeCall(op)))
        return failure();
    }
    return success();
  }

  bool streamed() const { return summary.weightsMode == WeightsMode::Streamed; }

  /// Streamed weights: the table index of each unit's first tensor (llm.stream_units).
  ArrayRef<int64_t> unitStarts() const {
    return module->getAttrOfType<DenseI64ArrayAttr>(kStreamUnitsAttr).asArrayRef();
  }

  /// "layers.3.q_proj" -> "layers.3"; "" for names outside a layer.
  static std::string layerPrefix(StringRef name) {
    if (!name.starts_with("layers."))
      return "";
    size_t dot = name.find('.', 7);
    return name.substr(0, dot).str();
  }

  /// The op's name from its location: "layers.0.q_proj", or the first name of a fused
  /// location; the op's own name ("linear") when it has none.
  static std::string nameOf(Operation &op) {
    SmallVector<std::string> names = locationNames(op.getLoc());
    return names.empty() ? op.getName().stripDialect().str() : names.front();
  }

  static SmallVector<std::string> locationNames(Location loc) {
    if (auto name = dyn_cast<NameLoc>(loc))
      return {name.getName().str()};
    SmallVector<std::string> names;
    if (auto fused = dyn_cast<FusedLoc>(loc))
      for (Location part : fused.getLocations())
        llvm::append_range(names, locationNames(part));
    return names;
  }

  /// Names each result after its location (an llm.linear_group's fused location names each
  /// result) and points it at its arena offset.
  LogicalResult declareResult(Operation &op, StringRef name, StringRef rows) {
    if (op.getNumResults() == 0)
      return success();
    SmallVector<int64_t> offsets;
    if (auto offset = op.getAttrOfType<IntegerAttr>(kArenaOffsetAttr))
      offsets.push_back(offset.getInt());
    else if (auto many = op.getAttrOfType<DenseI64ArrayAttr>(kArenaOffsetsAttr))
      llvm::append_range(offsets, many.asArrayRef());
    if (offsets.size() != op.getNumResults())
      return op.emitError() << "has no arena offset for each result: run llm-plan-memory first";
    SmallVector<std::string> names = locationNames(op.getLoc());
    for (auto [index, result] : llvm::enumerate(op.getResults())) {
      std::string resultName = name.str();
      if (op.getNumResults() > 1)
        resultName = index < names.size() ? names[index] : resultName + "_" + std::to_string(index);
      std::string id = freshName(resultName);
      valueNames[result] = id;
      auto type = cast<RankedTensorType>(result.getType());
      os << "  float* " << id << " = reinterpret_cast<float*>(arena + " << offsets[index]
         << ");  // " << dims(type, rows) << "\n";
    }
    return success();
  }

  LogicalResult writeCall(Operation &op) {
    if (std::optional<LogicalResult> written = writeLinearOrAttention(*this, op))
      return *written;
    std::string out = op.getNumResults() ? valueName(op.getResult(0)) : "";
    std::string text;
    llvm::raw_string_ostream call(text);
    FailureOr<std::string> kernel = kernelOf(&op);
    if (failed(kernel))
      return failure();
    if (auto embed = dyn_cast<llm::EmbedOp>(op)) {
      // A packed table has its layout's kernel (llm-select-kernels checks that there is one).
      call << *kernel << "("
           << weightRef(embed.getTableAttr()) << ", tokens, n, " << columns(embed.getResult())
           << ", " << out << ")";
    } else if (auto norm = dyn_cast<llm::RMSNormOp>(op)) {
      call << *kernel << "(" << valueName(norm.getInput()) << ", "
           << weightRef(norm.getWeightAttr()) << ", n, " << columns(norm.getInput()) << ", "
           << formatFloat(float(norm.getEps().convertToDouble())) << ", " << out << ")";
    } else if (auto rope = dyn_cast<llm::RopeOp>(op)) {
      int64_t headDim = rope.getHeadDim();
      call << *kernel << "(" << valueName(rope.getInput()) << ", n, "
           << columns(rope.getInput()) / headDim << ", " << headDim << ", pos, "
           << ropeTableOf[rope] << ", " << out << ")";
    } else if (auto swiglu = dyn_cast<llm::SwiGLUOp>(op)) {
      call << *kernel << "(" << valueName(swiglu.getGate()) << ", "
           << valueName(swiglu.getUp()) << ", n * " << columns(swiglu.getResult()) << ", "
           << out << ")";
    } else if (auto add = dyn_cast<llm::AddOp>(op)) {
      call << *kernel << "(" << valueName(add.getLhs()) << ", "
           << valueName(add.getRhs())
           << ", n * " << columns(add.getResult()) << ", " << out << ")";
    } else {
      return op.emitError() << "the " << options.target << " emitter has no kernel for this op";
    }
    os << "  " << text << ";\n";
    return success();
  }

  /// missing_cpu_features(): the CPU features the target's kernels were compiled for that this
  /// CPU lacks. This file is compiled without them, so the check runs on any CPU of the family.
  void writeCpuCheck() {
    if (!checksCpu())
      return;
    const CpuFeatureCheck &check = target().cpuCheck;
    os << "// The instruction sets the " << target().name
       << " kernels were compiled for: llm_open refuses a CPU\n"
       << "// without them (this file is compiled without them, so the check runs anywhere).\n"
       << "void missing_cpu_features(char* out, size_t out_len) {\n"
       << "  out[0] = '\\0';\n"
       << "#if " << check.guard << "\n"
       << (check.setup.empty() ? "" : "  " + check.setup + "\n")
       << "  const struct {\n"
       << "    bool present;\n"
       << "    const char* name;\n"
       << "  } features[] = {\n";
    for (const auto &[name, test] : check.features)
      os << "      {" << test << ", \"" << name << "\"},\n";
    os << "  };\n"
       << "  size_t used = 0;\n"
       << "  for (const auto& feature : features)\n"
       << "    if (!feature.present && used < out_len)\n"
       << "      used += size_t(std::snprintf(out + used, out_len - used, \" %s\", feature.name));\n"
       << "#endif\n"
       << "}\n\n";
  }

  /// What the runtime's C API (runtime/model_api.cpp) calls this model through.
  void writeDescription() {
    writeCpuCheck();
    os << "}  // namespace\n\n"
       << "// What the C API (runtime/model_api.cpp) runs this model through.\n"
       << "LLMRT_NAMESPACE_BEGIN  // runtime/namespace.h: where llmrt.h declares it\n"
       << "const llmrt_model_desc llmrt_compiled_model = {\n"
       << "    kVocabSize,\n"
       << "    kContextLength,\n"
       << "    kPrefillTokens,\n"
       << "    kHiddenSize,\n"
       << "    kActivationBytes,\n"
       << "    kKVCacheFloats,\n"
       << "    kWeightTable,\n"
       << "    uint32_t(std::size(kWeightTable)),\n"
       << "    prefill,\n"
       << "    decode,\n"
       << "    head,\n"
       << (target().threaded ? "    llmrt_pool_create,\n    llmrt_pool_free,\n"
                             : "    nullptr,  // the generic kernels run on the calling thread\n"
                               "    nullptr,\n")
       << (checksCpu() ? "    missing_cpu_features,\n"
                       : "    nullptr,  // portable kernels: any CPU\n")
       << (summary.weightsMode == WeightsMode::Embedded
               ? "    LLM_WEIGHTS_EMBEDDED,\n    &llmrt_compiled_weights,  // weights_embedded.cpp\n"
           : streamed() ? "    LLM_WEIGHTS_STREAMED,\n    nullptr,  // weights.bin is read while "
                          "the model runs\n"
                        : "    LLM_WEIGHTS_MAPPED,\n    nullptr,  // no weights in the program\n");
    auto cores = module->getAttrOfType<DenseF64ArrayAttr>(kCoresAttr);
    if (target().threaded && cores)
      os << "    " << cores.size()
         << ",  // cores of llmc compile --cores: llm_open pins thread t to CPU t\n";
    else if (streamed())
      os << "    0,  // no described cores\n";
    if (streamed())
      os << "    &llmrt_stream_reader,  // runtime/stream.cpp\n"
         << "    " << summary.weightsBudget
         << "ull,  // llmc compile --weights-budget: llm_open_options' default\n"
         << (unitStarts().empty() ? "    nullptr,\n    0,  // no layers: no stream units\n"
                                  : "    kStreamUnits,\n    uint32_t(std::size(kStreamUnits)),\n");
    os << "};\n"
       << "LLMRT_NAMESPACE_END\n";
  }

  const EmitSummary &summary; ///< the weights mode and budget the module records
  std::vector<llm::WeightOp> weights;
  std::map<std::string, std::string> ropeTables; ///< values key -> table name
};

std::string modelHeader(ModuleOp module, const EmitOptions &options, const KVCacheLayout &kv,
                        WeightsMode mode) {
  int64_t vocab = vocabSizeOf(module);
  int64_t context = module->getAttrOfType<IntegerAttr>(kContextLengthAttr).getInt();
  ProgramMemory memory = programMemory(module, kv, 0, 1);
  // Written with the C API's names as llm_*, which withApiPrefix respells; the model's name is
  // added as it is.
  auto api = [&](const std::string &text) { return withApiPrefix(text, options.apiPrefix); };
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* model.h - the C API of " << options.modelName << ", compiled by llmc for the "
     << options.target << " target.\n"
     << api(" * The functions are declared in runtime/llm.h; this header adds the model's sizes. "
            "*/\n"
            "#ifndef LLM_MODEL_H\n#define LLM_MODEL_H\n\n"
            "#include \"runtime/llm.h\"\n\n"
            "#define LLM_MODEL_NAME ")
     << "\"" << options.modelName << "\"\n"
     << api("#define LLM_MODEL_TARGET \"" + options.target + "\"\n" +
            "#define LLM_MODEL_VOCAB_SIZE " + std::to_string(vocab) + "\n" +
            "#define LLM_MODEL_CONTEXT_LENGTH " + std::to_string(context) + "\n" +
            "#define LLM_MODEL_WEIGHTS_MODE \"" + weightsModeName(mode).str() +
            "\"  /* llm_compiled_weights_mode() */\n\n" +
            "/* llm_memory_requirements: buffers for llm_open_with_options, e.g. static arrays\n" +
            " *   alignas(64) static unsigned char arena[LLM_MODEL_ARENA_BYTES]; */\n" +
            "#define LLM_MODEL_ARENA_BYTES " + std::to_string(memory.arena) + "\n" +
            "#define LLM_MODEL_KV_CACHE_BYTES " + std::to_string(memory.kvCache) + "\n" +
            "#define LLM_MODEL_ALIGNMENT 64\n\n" + "#endif /* LLM_MODEL_H */\n");
  return text;
}

} // namespace

llvm::Error writeModelSources(ModuleOp module, const EmitOptions &options,
                              llvm::StringRef directory, EmitSummary &summary) {
  auto failedEmit = [] {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot emit C++ for this module (see the diagnostic above)");
  };
  if (!module.lookupSymbol<func::FuncOp>("prefill") ||
      !module.lookupSymbol<func::FuncOp>("decode") || !module.lookupSymbol<func::FuncOp>("head") ||
      !module->getAttrOfType<IntegerAttr>(kArenaBytesAttr)) {
    module.emitError() << "expects @prefill, @decode, @head and a memory plan (llm-plan-memory)";
    return failedEmit();
  }
  FailureOr<KVCacheLayout> kv = planKVCache(module);
  if (failed(kv))
    return failedEmit();
  std::string code;
  llvm::raw_string_ostream os(code);
  if (failed(ModelCppWriter(module, options, *kv, summary, os).write()))
    return failedEmit();
  // The code names the C API as llm_*; the title is the one line that holds the model's name.
  std::string source = "// model.cpp - " + options.modelName + " compiled by llmc for the " +
                       options.target + " target.\n" + withApiPrefix(code, options.apiPrefix);
  ProgramMemory memory = programMemory(module, *kv, 0, 1);
  summary.arenaBytes = memory.arena;
  summary.kvCacheBytes = memory.kvCache;
  if (auto cores = module->getAttrOfType<DenseF64ArrayAttr>(kCoresAttr))
    summary.coreSpeeds.assign(cores.asArrayRef().begin(), cores.asArrayRef().end());

  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, "model.cpp");
  if (llvm::Error error = writeFile(path, source))
    return error;
  path = directory;
  llvm::sys::path::append(path, "model.h");
  return writeFile(path, modelHeader(module, options, *kv, summary.weightsMode));
}

} // namespace llmc
