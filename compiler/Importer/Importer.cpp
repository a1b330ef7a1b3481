//===- Importer.cpp - choose a reader for a model path --------------------===//

#include "compiler/Importer/Importer.h"
#include "compiler/Importer/ImporterUtil.h"
#include "compiler/Importer/Llama2c.h"
#include "compiler/Importer/SentencePiece.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llmc;
using llvm::StringRef;

llvm::Expected<ImportedModel> llmc::importLlama2c(StringRef checkpointPath,
                                                  StringRef tokenizerPath) {
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(checkpointPath);
  if (!file)
    return file.takeError();
  llvm::Expected<ImportedModel> model = readLlama2cCheckpoint(*file, checkpointPath);
  if (!model || tokenizerPath.empty())
    return model;
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> tokenizer = mapFile(tokenizerPath);
  if (!tokenizer)
    return tokenizer.takeError();
  llvm::Expected<Vocabulary> vocab = readLlama2cTokenizer(
      (*tokenizer)->getMemBufferRef(), tokenizerPath, model->config.vocabSize);
  if (!vocab)
    return vocab.takeError();
  model->vocabulary = std::move(*vocab);
  return model;
}

llvm::Expected<ImportedModel> llmc::importModel(StringRef path, StringRef tokenizerPath) {
  if (llvm::sys::fs::is_directory(path)) {
    llvm::Expected<ImportedModel> model = importHuggingFaceFolder(path);
    if (!model || tokenizerPath.empty())
      return model;
    llvm::Expected<Vocabulary> vocab = readSentencePieceModel(tokenizerPath);
    if (!vocab)
      return vocab.takeError();
    model->vocabulary = std::move(*vocab);
    return model;
  }
  if (llvm::sys::path::extension(path).equals_insensitive(".gguf"))
    return fileError(path, "GGUF import is not supported yet");
  if (!llvm::sys::fs::exists(path))
    return fileError(path, "no such file or folder");
  return importLlama2c(path, tokenizerPath);
}
