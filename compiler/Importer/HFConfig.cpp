//===- HFConfig.cpp - config.json of a Hugging Face LlamaForCausalLM ------===//

#include "compiler/Importer/HFConfig.h"
#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <optional>

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;
using llvm::json::Object;
using llvm::json::Value;

namespace {

/// Largest size accepted for any dimension; keeps every shape product inside int64_t.
constexpr int64_t kMaxDimension = int64_t(1) << 30;
/// Largest number of layers accepted.
constexpr int64_t kMaxLayers = 100000;

/// Reads the keys of one config.json object, reporting problems against `path`.
class ConfigReader {
public:
  ConfigReader(const Object &object, StringRef path) : object(object), path(path) {}

  /// A required positive integer no larger than `max`.
  Error positive(StringRef key, int64_t &out, int64_t max = kMaxDimension) {
    const Value *value = object.get(key);
    if (!value || value->getAsNull())
      return fileError(path, "missing integer '" + key + "'");
    return checkPositive(key, *value, out, max);
  }

  /// An optional positive integer; `out` keeps its value when the key is absent or null.
  Error optionalPositive(StringRef key, int64_t &out, int64_t max = kMaxDimension) {
    const Value *value = object.get(key);
    if (!value || value->getAsNull())
      return Error::success();
    return checkPositive(key, *value, out, max);
  }

  /// An optional positive finite number.
  Error optionalNumber(StringRef key, double &out) {
    const Value *value = object.get(key);
    if (!value || value->getAsNull())
      return Error::success();
    std::optional<double> number = value->getAsNumber();
    if (!number || !std::isfinite(*number) || *number <= 0)
      return fileError(path, "'" + key + "' must be a positive number");
    out = *number;
    return Error::success();
  }

  /// An optional boolean.
  Error optionalBool(StringRef key, bool &out) {
    const Value *value = object.get(key);
    if (!value || value->getAsNull())
      return Error::success();
    std::optional<bool> flag = value->getAsBoolean();
    if (!flag)
      return fileError(path, "'" + key + "' must be true or false");
    out = *flag;
    return Error::success();
  }

  /// An optional token id: an integer, or a list whose first element is taken.
  Error optionalTokenId(StringRef key, int64_t &out) {
    const Value *value = object.get(key);
    if (!value || value->getAsNull())
      return Error::success();
    if (const llvm::json::Array *list = value->getAsArray()) {
      if (list->empty())
        return Error::success();
      value = &list->front();
    }
    std::optional<int64_t> id = value->getAsInteger();
    if (!id || *id < 0 || *id >= kMaxDimension)
      return fileError(path, "'" + key + "' must be a token id or a list of token ids");
    out = *id;
    return Error::success();
  }

private:
  Error checkPositive(StringRef key, const Value &value, int64_t &out, int64_t max) {
    std::optional<int64_t> i = value.getAsInteger();
    if (!i || *i <= 0 || *i > max)
      return fileError(path, "'" + key + "' must be an integer in [1, " + Twine(max) + "]");
    out = *i;
    return Error::success();
  }

  const Object &object;
  StringRef path;
};

/// Checks that the config describes a Llama: architectures names LlamaForCausalLM, or
/// model_type is "llama".
Error checkArchitecture(const Object &root, StringRef path) {
  std::string shown;
  if (const llvm::json::Array *architectures = root.getArray("architectures")) {
    for (const Value &entry : *architectures) {
      std::optional<StringRef> name = entry.getAsString();
      if (name && *name == "LlamaForCausalLM")
        return Error::success();
      if (name && shown.empty())
        shown = name->str();
    }
  }
  std::optional<StringRef> modelType = root.getString("model_type");
  if (modelType && *modelType == "llama")
    return Error::success();
  if (shown.empty())
    shown = modelType ? modelType->str() : "none given";
  return fileError(path, "unsupported architecture '" + shown +
                             "' (llmc compiles LlamaForCausalLM)");
}

/// rope_scaling: null, {"rope_type"|"type": "default" | "linear" | "llama3", ...}.
Error parseRopeScaling(const Object &root, StringRef path, RopeScaling &scaling) {
  const Value *value = root.get("rope_scaling");
  if (!value || value->getAsNull())
    return Error::success();
  const Object *object = value->getAsObject();
  if (!object)
    return fileError(path, "'rope_scaling' must be an object or null");
  std::optional<StringRef> type = object->getString("rope_type");
  if (!type)
    type = object->getString("type");
  if (!type)
    return fileError(path, "'rope_scaling' has no 'rope_type'");
  if (*type == "default")
    return Error::success();

  ConfigReader reader(*object, path);
  auto requireNumber = [&](StringRef key, double &out) -> Error {
    if (!object->get(key))
      return fileError(path, "rope_scaling of type '" + *type + "' needs '" + key + "'");
    return reader.optionalNumber(key, out);
  };
  if (*type == "linear") {
    scaling.kind = RopeScaling::Kind::Linear;
    return requireNumber("factor", scaling.factor);
  }
  if (*type == "llama3") {
    scaling.kind = RopeScaling::Kind::Llama3;
    if (Error err = requireNumber("factor", scaling.factor))
      return err;
    if (Error err = requireNumber("low_freq_factor", scaling.lowFreqFactor))
      return err;
    if (Error err = requireNumber("high_freq_factor", scaling.highFreqFactor))
      return err;
    if (!object->get("original_max_position_embeddings"))
      return fileError(path, "rope_scaling of type 'llama3' needs "
                             "'original_max_position_embeddings'");
    if (Error err = reader.optionalPositive("original_max_position_embeddings",
                                            scaling.originalMaxPositions))
      return err;
    if (scaling.highFreqFactor <= scaling.lowFreqFactor)
      return fileError(path, "rope_scaling needs high_freq_factor > low_freq_factor");
    return Error::success();
  }
  return fileError(path, "unsupported rope_scaling type '" + *type +
                             "' (supported: default, linear, llama3)");
}

} // namespace

llvm::Expected<ModelConfig> llmc::parseHFConfig(StringRef text, StringRef path) {
  llvm::Expected<Value> json = parseJSON(text, path, "config");
  if (!json)
    return json.takeError();
  const Object *root = json->getAsObject();
  if (!root)
    return fileError(path, "config is not a JSON object");
  if (Error err = checkArchitecture(*root, path))
    return std::move(err);

  // Defaults of transformers' LlamaConfig for the optional keys.
  ModelConfig config;
  config.maxPositions = 2048;
  config.rmsNormEps = 1e-6;
  config.ropeTheta = 10000.0;
  config.bosTokenId = 1;
  config.eosTokenId = 2;

  ConfigReader reader(*root, path);
  Error err = Error::success();
  (void)!err; // Mark checked; each step below overwrites it.
  if ((err = reader.positive("hidden_size", config.hiddenSize)) ||
      (err = reader.positive("intermediate_size", config.intermediateSize)) ||
      (err = reader.positive("num_hidden_layers", config.numLayers, kMaxLayers)) ||
      (err = reader.positive("num_attention_heads", config.numHeads)) ||
      (err = reader.positive("vocab_size", config.vocabSize)))
    return std::move(err);
  config.numKVHeads = config.numHeads;
  config.headDim = config.hiddenSize / config.numHeads;
  if ((err = reader.optionalPositive("num_key_value_heads", config.numKVHeads)) ||
      (err = reader.optionalPositive("head_dim", config.headDim)) ||
      (err = reader.optionalPositive("max_position_embeddings", config.maxPositions)) ||
      (err = reader.optionalNumber("rms_norm_eps", config.rmsNormEps)) ||
      (err = reader.optionalNumber("rope_theta", config.ropeTheta)) ||
      (err = reader.optionalBool("tie_word_embeddings", config.tieWordEmbeddings)) ||
      (err = reader.optionalBool("attention_bias", config.attentionBias)) ||
      (err = reader.optionalBool("mlp_bias", config.mlpBias)) ||
      (err = reader.optionalTokenId("bos_token_id", config.bosTokenId)) ||
      (err = reader.optionalTokenId("eos_token_id", config.eosTokenId)) ||
      (err = parseRopeScaling(*root, path, config.ropeScaling)))
    return std::move(err);

  // Consistency of the attention geometry.
  if (!root->get("head_dim") && config.hiddenSize % config.numHeads != 0)
    return fileError(path, "hidden_size " + Twine(config.hiddenSize) +
                               " is not a multiple of num_attention_heads " +
                               Twine(config.numHeads));
  if (config.headDim <= 0 || config.headDim % 2 != 0)
    return fileError(path, "head_dim " + Twine(config.headDim) +
                               " must be positive and even (RoPE rotates pairs)");
  if (config.numKVHeads > config.numHeads || config.numHeads % config.numKVHeads != 0)
    return fileError(path, "num_key_value_heads " + Twine(config.numKVHeads) +
                               " must divide num_attention_heads " + Twine(config.numHeads));
  if (config.numHeads * config.headDim > kMaxDimension)
    return fileError(path, "num_attention_heads * head_dim is too large");
  return config;
}
