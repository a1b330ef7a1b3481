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

llvm::StringRef weightsModeName(WeightsMode mode) {
  switch (mode) {
  case WeightsMode::Mapped:
    return "mapped";
  case WeightsMode::Embedded:
    return "embedded";
  case WeightsMode::Streamed:
    return "streamed";
  }
  llvm_unreachable("a WeightsMode without a name");
}

std::optional<WeightsMode> parseWeightsMode(llvm::StringRef name) {
  for (WeightsMode mode : {WeightsMode::Mapped, WeightsMode::Embedded, WeightsMode::Streamed})
    if (name == weightsModeName(mode))
      return mode;
  return std::nullopt;
}

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
  std::optional<uint64_t> streamBudget;
  if (options.weightsMode == WeightsMode::Streamed) {
    // Before any file is written: a budget nothing fits in is the user's to change.
    llmrt_stream_plan plan;
    if (!planStreamedWeights(module, options.weightsBudget, plan, summary.layers))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "--weights-budget " + std::to_string(options.weightsBudget) +
              " is too small: the tensors outside layers and two read buffers for the ops' "
              "weights need at least " +
              std::to_string(plan.min_budget) + " bytes");
    summary.residentLayers = plan.resident_layers;
    summary.readBufferBytes = {plan.slot_bytes[0], plan.slot_bytes[1]};
    streamBudget = options.weightsBudget;
  }
  if (llvm::Error error = writeModelSources(module, options, directory, summary))
    return error;
  if (llvm::Error error = writeTokenizerBlob(model.vocabulary, model.config, file("tokenizer.bin")))
    return error;
  if (llvm::Error error = writeWeightBlob(module, model.weights, file("weights.bin"),
                                          options.showProgress, summary))
    return error;
  if (options.weightsMode == WeightsMode::Embedded)
    if (llvm::Error error = writeEmbeddedWeightsSources(options, directory, summary))
      return error;
  uint64_t tokenizerBytes = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(file("tokenizer.bin"), tokenizerBytes))
    return llvm::createStringError(ec, file("tokenizer.bin") + ": " + ec.message());
  mlir::FailureOr<KVCacheLayout> kv = planKVCache(module);
  if (mlir::failed(kv))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "no KV-cache plan");
  summary.ram = programMemory(module, *kv, tokenizerBytes, 1, streamBudget);
  summary.contextLength = kv->contextLength;
  return writeProjectFiles(model, options, directory, summary);
}

} // namespace llmc
