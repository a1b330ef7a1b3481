//===- HFImport.cpp - a Hugging Face LlamaForCausalLM folder --------------===//
//
// config.json, the safetensors weights (one file or the shards of an index), tokenizer.model or
// tokenizer.json.
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/HFConfig.h"
#include "compiler/Importer/Importer.h"
#include "compiler/Importer/ImporterUtil.h"
#include "compiler/Importer/LlamaLayout.h"
#include "compiler/Importer/Safetensors.h"
#include "compiler/Importer/TokenizerFiles.h"
#include "compiler/Importer/TokenizerJSON.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <set>

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// The weight files of a folder, and what its index (if any) says each tensor lives in.
struct WeightFiles {
  std::vector<std::string> shards;         ///< paths, in a fixed order
  std::string indexPath;                   ///< empty without an index
  llvm::StringMap<std::string> indexedIn;  ///< tensor name -> shard path
};

/// Reads model.safetensors.index.json: {"metadata": {...}, "weight_map": {tensor: file}}.
llvm::Expected<WeightFiles> readIndex(StringRef folder, StringRef indexPath) {
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(indexPath);
  if (!file)
    return file.takeError();
  llvm::Expected<llvm::json::Value> json =
      parseJSON((*file)->getBuffer(), indexPath, "safetensors index");
  if (!json)
    return json.takeError();
  const llvm::json::Object *root = json->getAsObject();
  const llvm::json::Object *weightMap = root ? root->getObject("weight_map") : nullptr;
  if (!weightMap)
    return fileError(indexPath, "no 'weight_map' object");

  WeightFiles files;
  files.indexPath = indexPath.str();
  std::set<std::string> shards;
  for (const auto &[tensor, value] : *weightMap) {
    std::optional<StringRef> shard = value.getAsString();
    // Shards must be plain file names inside the folder.
    if (!shard || shard->empty() || llvm::sys::path::is_absolute(*shard) ||
        shard->contains('/') || shard->contains('\\') || *shard == "." || *shard == "..")
      return fileError(indexPath, "weight_map entry for '" + StringRef(tensor) +
                                      "' is not a file name in the folder");
    std::string path = pathIn(folder, *shard);
    files.indexedIn[StringRef(tensor)] = path;
    shards.insert(path);
  }
  if (shards.empty())
    return fileError(indexPath, "'weight_map' is empty");
  files.shards.assign(shards.begin(), shards.end());
  return files;
}

/// Finds the weight files: model.safetensors, else the shards of model.safetensors.index.json.
llvm::Expected<WeightFiles> findWeightFiles(StringRef folder) {
  std::string single = pathIn(folder, "model.safetensors");
  if (llvm::sys::fs::exists(single)) {
    WeightFiles files;
    files.shards.push_back(single);
    return files;
  }
  std::string index = pathIn(folder, "model.safetensors.index.json");
  if (llvm::sys::fs::exists(index))
    return readIndex(folder, index);
  if (llvm::sys::fs::exists(pathIn(folder, "pytorch_model.bin")) ||
      llvm::sys::fs::exists(pathIn(folder, "pytorch_model.bin.index.json")))
    return fileError(folder, "holds PyTorch .bin weights only; llmc reads safetensors "
                             "(save the model with safe_serialization=True)");
  return fileError(folder, "no model.safetensors or model.safetensors.index.json");
}

/// A source tensor waiting to be added under its canonical name.
struct PendingTensor {
  SafetensorsTensor tensor;
  std::shared_ptr<llvm::MemoryBuffer> file;
  std::string path;
};

/// Maps every shard and collects its tensors under their canonical names.
Error collectTensors(const WeightFiles &files, const ModelConfig &config,
                     llvm::StringMap<PendingTensor> &pending) {
  for (const std::string &shard : files.shards) {
    llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(shard);
    if (!file)
      return file.takeError();
    llvm::Expected<SafetensorsHeader> header =
        parseSafetensors((*file)->getMemBufferRef(), shard);
    if (!header)
      return header.takeError();
    for (SafetensorsTensor &tensor : header->tensors) {
      StringRef name = tensor.name;
      // Older exports save the RoPE frequencies; llmc recomputes them.
      if (name.starts_with("model.layers.") && name.ends_with(".self_attn.rotary_emb.inv_freq"))
        continue;
      std::optional<std::string> canonical = canonicalNameFromHF(name);
      if (!canonical)
        return fileError(shard, "unexpected tensor '" + name +
                                    "' (not a tensor of LlamaForCausalLM)");
      // A tied model may still save lm_head; the embedding is what counts.
      if (*canonical == "lm_head" && config.tieWordEmbeddings)
        continue;
      auto earlier = pending.find(*canonical);
      if (earlier != pending.end())
        return fileError(shard, "tensor '" + name + "' is also in " + earlier->second.path);
      auto it = files.indexedIn.find(name);
      if (it != files.indexedIn.end() && it->second != shard)
        return fileError(shard, "holds tensor '" + name + "' that " + files.indexPath +
                                    " places in " + it->second);
      pending[*canonical] = {std::move(tensor), *file, shard};
    }
  }
  // Every tensor the index lists must be where it says.
  for (const auto &entry : files.indexedIn) {
    std::optional<std::string> canonical = canonicalNameFromHF(entry.getKey());
    if (canonical && !pending.count(*canonical) &&
        !(*canonical == "lm_head" && config.tieWordEmbeddings))
      return fileError(files.indexPath, "lists tensor '" + entry.getKey() + "' in " +
                                            entry.getValue() + ", which does not hold it");
  }
  return Error::success();
}

/// The folder's tokenizer: tokenizer.model (SentencePiece or tiktoken), else tokenizer.json. One
/// that llmc cannot read goes to model.unreadTokenizer. BOS and EOS come from the tokenizer,
/// else from config.json.
Error readFolderTokenizer(StringRef folder, ImportedModel &model) {
  std::string path = pathIn(folder, "tokenizer.model");
  llvm::Expected<std::optional<Vocabulary>> vocab = std::optional<Vocabulary>();
  if (llvm::sys::fs::exists(path)) {
    vocab = readTokenizerModel(path);
  } else if (path = pathIn(folder, "tokenizer.json"); llvm::sys::fs::exists(path)) {
    llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(path);
    if (!file)
      return file.takeError();
    vocab = unlessUnsupported(parseTokenizerJSON((*file)->getBuffer(), path),
                              &model.unreadTokenizer);
  }
  if (!vocab)
    return vocab.takeError();
  if (!*vocab)
    return Error::success();
  if (Error err = checkVocabularySize(**vocab, model.config, path, "config.json's vocab_size"))
    return err;
  if ((*vocab)->bosId < 0)
    (*vocab)->bosId = model.config.bosTokenId;
  if ((*vocab)->eosId < 0)
    (*vocab)->eosId = model.config.eosTokenId;
  model.vocabulary = std::move(**vocab);
  return Error::success();
}

/// The folder's Jinja chat template: chat_template.jinja (newer transformers save it apart),
/// else tokenizer_config.json's chat_template, a string or a list of {"name", "template"} of
/// which the one named "default" is what apply_chat_template uses.
Error readFolderChatTemplate(StringRef folder, ImportedModel &model) {
  std::string path = pathIn(folder, "chat_template.jinja");
  if (llvm::sys::fs::exists(path)) {
    llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(path);
    if (!file)
      return file.takeError();
    model.chatTemplateText = (*file)->getBuffer().str();
    model.chatTemplateSource = path;
    return Error::success();
  }
  path = pathIn(folder, "tokenizer_config.json");
  if (!llvm::sys::fs::exists(path))
    return Error::success();
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(path);
  if (!file)
    return file.takeError();
  llvm::Expected<llvm::json::Value> json =
      parseJSON((*file)->getBuffer(), path, "tokenizer config");
  if (!json)
    return json.takeError();
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return fileError(path, "is not a JSON object");
  const llvm::json::Value *value = root->get("chat_template");
  if (!value || value->kind() == llvm::json::Value::Null)
    return Error::success();
  std::optional<StringRef> text = value->getAsString();
  if (const llvm::json::Array *named = value->getAsArray()) {
    for (const llvm::json::Value &entry : *named) {
      const llvm::json::Object *object = entry.getAsObject();
      if (object && object->getString("name") == "default")
        text = object->getString("template");
    }
    if (!text)
      return fileError(path, "'chat_template' lists no template named 'default'");
  }
  if (!text)
    return fileError(path, "'chat_template' is neither a string nor a list of named templates");
  model.chatTemplateText = text->str();
  model.chatTemplateSource = path;
  return Error::success();
}

} // namespace

llvm::Expected<ImportedModel> llmc::importHuggingFaceFolder(StringRef folder) {
  if (!llvm::sys::fs::is_directory(folder))
    return fileError(folder, "not a folder");
  std::string configPath = pathIn(folder, "config.json");
  if (!llvm::sys::fs::exists(configPath))
    return fileError(folder, "no config.json (not a Hugging Face model folder)");
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> configFile = mapFile(configPath);
  if (!configFile)
    return configFile.takeError();

  ImportedModel model;
  llvm::Expected<ModelConfig> config =
      parseHFConfig((*configFile)->getBuffer(), configPath, &model.warnings);
  if (!config)
    return config.takeError();
  model.config = *config;

  llvm::Expected<WeightFiles> files = findWeightFiles(folder);
  if (!files)
    return files.takeError();
  llvm::StringMap<PendingTensor> pending;
  if (Error err = collectTensors(*files, model.config, pending))
    return std::move(err);

  // Add in canonical order, whatever the shard layout; leftovers (tensors the config does not
  // imply) go last, sorted, for verifyLlamaWeights to report.
  for (const std::string &name : inCanonicalOrder(model.config, pending)) {
    PendingTensor &p = pending[name];
    if (Error err = model.weights.addMapped(name, p.tensor.dtype, p.tensor.shape, p.file,
                                            p.tensor.offset, p.path))
      return std::move(err);
  }
  if (Error err = verifyLlamaWeights(model.config, model.weights, folder,
                                     [](StringRef name) { return hfNameFromCanonical(name); }))
    return std::move(err);
  model.sourceDescription = describeWeights("safetensors", files->shards.size(), model.weights);

  if (Error err = readFolderTokenizer(folder, model))
    return std::move(err);
  if (Error err = readFolderChatTemplate(folder, model))
    return std::move(err);
  return model;
}
