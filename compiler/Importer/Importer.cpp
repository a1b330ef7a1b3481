//===- Importer.cpp - choose a reader for a model path --------------------===//

#include "compiler/Importer/Importer.h"
#include "compiler/Importer/GGUF.h"
#include "compiler/Importer/ImporterUtil.h"
#include "compiler/Importer/Llama2c.h"
#include "compiler/Importer/TokenizerFiles.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llmc;
using llvm::StringRef;

namespace {

/// llama2.c's run reads tokenizer.bin by default, and its repository names the tokenizers of its
/// custom-vocabulary models tok<vocab size>.bin: the first of these beside the checkpoint, else
/// "" (`lookedFor` gets the paths tried, for the warning).
std::string findLlama2cTokenizer(StringRef checkpointPath, int64_t vocabSize,
                                 std::vector<std::string> &lookedFor) {
  llvm::SmallString<256> folder = checkpointPath;
  llvm::sys::path::remove_filename(folder);
  for (const std::string &name : {std::string("tokenizer.bin"),
                                  "tok" + std::to_string(vocabSize) + ".bin"}) {
    llvm::SmallString<256> candidate = folder;
    llvm::sys::path::append(candidate, name);
    lookedFor.push_back(candidate.str().str());
    if (llvm::sys::fs::is_regular_file(candidate))
      return lookedFor.back();
  }
  return "";
}

} // namespace

llvm::Expected<ImportedModel> llmc::importLlama2c(StringRef checkpointPath,
                                                  StringRef tokenizerPath, bool findTokenizer) {
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(checkpointPath);
  if (!file)
    return file.takeError();
  llvm::Expected<ImportedModel> model = readLlama2cCheckpoint(*file, checkpointPath);
  if (!model || (tokenizerPath.empty() && !findTokenizer))
    return model;
  std::string path = tokenizerPath.str();
  if (path.empty()) {
    std::vector<std::string> lookedFor;
    path = findLlama2cTokenizer(checkpointPath, model->config.vocabSize, lookedFor);
    if (path.empty()) {
      model->warnings.push_back(checkpointPath.str() +
                                ": no tokenizer given and none beside the checkpoint (looked "
                                "for " +
                                llvm::join(lookedFor, ", ") +
                                "): the compiled model takes and gives token ids only; name "
                                "one with --tokenizer, or say --no-tokenizer");
      return model;
    }
  }
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> tokenizer = mapFile(path);
  if (!tokenizer)
    return tokenizer.takeError();
  llvm::Expected<Vocabulary> vocab =
      readLlama2cTokenizer((*tokenizer)->getMemBufferRef(), path, model->config.vocabSize);
  if (!vocab)
    return vocab.takeError();
  model->vocabulary = std::move(*vocab);
  return model;
}

llvm::Expected<ImportedModel> llmc::importGGUF(StringRef path) {
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(path);
  if (!file)
    return file.takeError();
  return readGGUFModel(*file, path);
}

namespace {

/// Whether the file at `path` starts with "GGUF".
bool hasGGUFMagic(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> head =
      llvm::MemoryBuffer::getFileSlice(path, 4, 0, /*IsVolatile=*/false);
  return head && (*head)->getBuffer() == "GGUF";
}

/// Whether `folder` is Meta's download (params.json) rather than a Hugging Face one (config.json).
bool isMetaFolder(StringRef folder) {
  return llvm::sys::fs::exists(pathIn(folder, "params.json")) &&
         !llvm::sys::fs::exists(pathIn(folder, "config.json"));
}

/// `model` with its vocabulary replaced by the tokenizer file at `tokenizerPath`, if any.
llvm::Expected<ImportedModel> withTokenizer(llvm::Expected<ImportedModel> model,
                                            StringRef modelPath, StringRef tokenizerPath) {
  if (!model || tokenizerPath.empty())
    return model;
  llvm::Expected<Vocabulary> vocab = readTokenizerFile(tokenizerPath);
  if (!vocab)
    return vocab.takeError();
  if (llvm::Error err =
          checkVocabularySize(*vocab, model->config, tokenizerPath, modelPath))
    return std::move(err);
  if (vocab->bosId < 0)
    vocab->bosId = model->config.bosTokenId;
  if (vocab->eosId < 0)
    vocab->eosId = model->config.eosTokenId;
  model->vocabulary = std::move(*vocab);
  model->unreadTokenizer.clear();
  return model;
}

} // namespace

llvm::Expected<ImportedModel> llmc::importModel(StringRef path, StringRef tokenizerPath,
                                                bool findTokenizer) {
  if (llvm::sys::fs::is_directory(path) && isMetaFolder(path))
    return withTokenizer(importMetaFolder(path), path, tokenizerPath);
  if (llvm::sys::fs::is_directory(path))
    return withTokenizer(importHuggingFaceFolder(path), path, tokenizerPath);
  if (llvm::sys::path::extension(path).equals_insensitive(".gguf"))
    return withTokenizer(importGGUF(path), path, tokenizerPath);
  if (!llvm::sys::fs::exists(path))
    return fileError(path, "no such file or folder");
  if (hasGGUFMagic(path))
    return withTokenizer(importGGUF(path), path, tokenizerPath);
  return importLlama2c(path, tokenizerPath, findTokenizer);
}
