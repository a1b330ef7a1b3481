//===- Emitter.cpp - write the out/ folder --------------------------------===//
#include "compiler/Emitter/Emitter.h"
#include "compiler/Emitter/ProgramMemory.h"
#include "compiler/Emitter/TokenizerBlob.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace llmc {

llvm::Error writeFile(llvm::StringRef path, llvm::StringRef contents) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(ec, path + ": cannot create: " + ec.message());
  os << contents;
  return closeAndCheck(os, path);
}

llvm::Error closeAndCheck(llvm::raw_fd_ostream &os, llvm::StringRef path) {
  os.close();
  if (!os.has_error())
    return llvm::Error::success();
  std::error_code ec = os.error();
  os.clear_error();
  return llvm::createStringError(ec, path + ": write failed: " + ec.message());
}

namespace {

llvm::Error moduleError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The weights mode the module records (llm-plan-weights) into `summary`, and for streamed
/// weights their units, budget and plan, checked before any file is written: a budget nothing
/// fits in is the user's to change.
llvm::Expected<std::optional<StreamedWeights>> readWeightsPlan(mlir::ModuleOp module,
                                                               EmitSummary &summary) {
  if (mlir::Attribute attr = module->getAttr(kWeightsModeAttr)) {
    auto name = llvm::dyn_cast<mlir::StringAttr>(attr);
    std::optional<WeightsMode> mode = name ? parseWeightsMode(name.getValue()) : std::nullopt;
    if (!mode) {
      std::string text;
      llvm::raw_string_ostream(text) << attr;
      return moduleError("the module's '" + kWeightsModeAttr + "' is " + text +
                         ", not \"mapped\", \"embedded\" or \"streamed\"");
    }
    summary.weightsMode = *mode;
  }
  if (summary.weightsMode != WeightsMode::Streamed)
    return std::nullopt;
  auto budget = module->getAttrOfType<mlir::IntegerAttr>(kWeightsBudgetAttr);
  auto starts = module->getAttrOfType<mlir::DenseI64ArrayAttr>(kStreamUnitsAttr);
  if (!budget || !starts)
    return moduleError("streamed weights need '" + kWeightsBudgetAttr + "' and '" +
                       kStreamUnitsAttr + "' on the module: run llm-plan-weights");
  StreamUnits units = streamUnitsAt(module, starts.asArrayRef());
  summary.weightsBudget = uint64_t(budget.getInt());
  summary.layers = units.layers;
  llmrt_stream_plan plan;
  if (!planStreamedWeights(units, summary.weightsBudget, plan))
    return moduleError("--weights-budget " + llvm::Twine(summary.weightsBudget) +
                       " is too small: the tensors outside layers and two read buffers for the "
                       "ops' weights need at least " +
                       llvm::Twine(plan.min_budget) + " bytes");
  summary.residentLayers = plan.resident_layers;
  summary.readBufferBytes = {plan.slot_bytes[0], plan.slot_bytes[1]};
  return StreamedWeights{std::move(units), summary.weightsBudget};
}

} // namespace

llvm::Error writeTokenizerBlob(const std::optional<Vocabulary> &source,
                               const ModelConfig &config, llvm::StringRef path) {
  if (source && int64_t(source->pieces.size()) != config.vocabSize)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the tokenizer has " + std::to_string(source->pieces.size()) +
            " pieces but the model's vocabulary has " + std::to_string(config.vocabSize));
  return writeFile(path, modelTokenizerBlobBytes(source, config));
}

llvm::Error emitOutputFolder(mlir::ModuleOp module, const ImportedModel &model,
                             const EmitOptions &options, llvm::StringRef directory,
                             EmitSummary &summary) {
  auto file = [&](llvm::StringRef name) {
    llvm::SmallString<256> path(directory);
    llvm::sys::path::append(path, name);
    return path;
  };
  llvm::Expected<std::optional<StreamedWeights>> streamed = readWeightsPlan(module, summary);
  if (!streamed)
    return streamed.takeError();
  if (llvm::Error error = writeModelSources(module, options, directory, summary))
    return error;
  if (llvm::Error error = writeTokenizerBlob(model.vocabulary, model.config, file("tokenizer.bin")))
    return error;
  if (llvm::Error error = writeWeightBlob(module, model.weights, file("weights.bin"),
                                          options.showProgress, summary))
    return error;
  if (summary.weightsMode == WeightsMode::Embedded)
    if (llvm::Error error = writeEmbeddedWeightsSources(options, directory, summary))
      return error;
  uint64_t tokenizerBytes = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(file("tokenizer.bin"), tokenizerBytes))
    return llvm::createStringError(ec, file("tokenizer.bin") + ": " + ec.message());
  mlir::FailureOr<KVCacheLayout> kv = planKVCache(module);
  if (mlir::failed(kv))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "no KV-cache plan");
  summary.ram = programMemory(module, *kv, tokenizerBytes, 1, *streamed);
  summary.contextLength = kv->contextLength;
  return writeProjectFiles(model, options, directory, summary);
}

} // namespace llmc
