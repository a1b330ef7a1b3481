//===- HFConfig.cpp - config.json of a Hugging Face LlamaForCausalLM ------===//

#include "compiler/Importer/HFConfig.h"
#include "compiler/Importer/HFConfigKeys.h"
#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <optional>

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;
using llvm::json::Object;
using llvm::json::Value;

namespace {

/// Reads the keys of one config.json object. The first problem is recorded and later reads
/// are skipped, so a run of reads needs one check at the end (takeError).
class ConfigReader : public FirstProblem {
public:
  /// `context` starts every message, e.g. "rope_scaling: ".
  ConfigReader(const Object &object, StringRef path, std::string context = "")
      : FirstProblem(path, std::move(context)), object(object) {}

  /// A required positive integer no larger than `max`.
  void positive(StringRef key, int64_t &out, int64_t max = kMaxDimension) {
    if (const Value *value = lookup(key))
      checkPositive(key, *value, out, max);
    else
      fail("missing integer '" + key + "'");
  }

  /// An optional positive integer; `out` keeps its value when the key is absent or null.
  void optionalPositive(StringRef key, int64_t &out, int64_t max = kMaxDimension) {
    if (const Value *value = lookup(key))
      checkPositive(key, *value, out, max);
  }

  /// A positive finite number; `out` keeps its value when the key is absent or null, unless
  /// `required`.
  void number(StringRef key, double &out, bool required = false) {
    const Value *value = lookup(key);
    if (!value) {
      if (required)
        fail("missing number '" + key + "'");
      return;
    }
    std::optional<double> number = value->getAsNumber();
    if (!number || !std::isfinite(*number) || *number <= 0)
      return fail("'" + key + "' must be a positive number");
    out = *number;
  }

  /// An optional boolean.
  void optionalBool(StringRef key, bool &out) {
    const Value *value = lookup(key);
    if (!value)
      return;
    if (std::optional<bool> flag = value->getAsBoolean())
      out = *flag;
    else
      fail("'" + key + "' must be true or false");
  }

  /// An optional token id: an integer, or a list whose first element is taken.
  void optionalTokenId(StringRef key, int64_t &out) {
    const Value *value = lookup(key);
    if (!value)
      return;
    if (const llvm::json::Array *list = value->getAsArray()) {
      if (list->empty())
        return;
      value = &list->front();
    }
    std::optional<int64_t> id = value->getAsInteger();
    if (!id || *id < 0 || *id >= kMaxDimension)
      return fail("'" + key + "' must be a token id or a list of token ids");
    out = *id;
  }

private:
  /// The value of `key`, or null when it is absent or JSON null or a problem is recorded.
  const Value *lookup(StringRef key) const {
    const Value *value = object.get(key);
    return failed() || !value || value->getAsNull() ? nullptr : value;
  }

  void checkPositive(StringRef key, const Value &value, int64_t &out, int64_t max) {
    std::optional<int64_t> i = value.getAsInteger();
    if (!i || *i <= 0 || *i > max)
      return fail("'" + key + "' must be an integer in [1, " + Twine(max) + "]");
    out = *i;
  }

  const Object &object;
};

/// Checks that the config describes a Llama: architectures names LlamaForCausalLM, or
/// model_type is "llama"; a model_type other than "llama" is refused either way (transformers
/// builds the model model_type names).
Error checkArchitecture(const Object &root, StringRef path) {
  std::optional<StringRef> modelType = root.getString("model_type");
  if (modelType && *modelType != "llama")
    return fileError(path, "unsupported model_type '" + *modelType +
                               "' (llmc compiles LlamaForCausalLM, model_type llama)");
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
  if (modelType)
    return Error::success();
  return fileError(path, "unsupported architecture '" + (shown.empty() ? "none given" : shown) +
                             "' (llmc compiles LlamaForCausalLM)");
}

/// Whether `value` is one a key of `handling` may hold without changing the computation.
bool isNeutral(HFKeyHandling handling, const Value &value) {
  if (value.getAsNull())
    return handling != HFKeyHandling::Silu;
  switch (handling) {
  case HFKeyHandling::Read:
  case HFKeyHandling::Ignored:
    return true;
  case HFKeyHandling::Silu:
    return value.getAsString() == std::optional<StringRef>("silu");
  case HFKeyHandling::Null:
    return false;
  case HFKeyHandling::False:
    return value.getAsBoolean() == std::optional<bool>(false);
  case HFKeyHandling::One:
    return value.getAsNumber() == std::optional<double>(1.0);
  case HFKeyHandling::Zero:
    return value.getAsNumber() == std::optional<double>(0.0);
  case HFKeyHandling::FullAttention:
    if (const llvm::json::Array *layers = value.getAsArray())
      return llvm::all_of(*layers, [](const Value &layer) {
        return layer.getAsString() == std::optional<StringRef>("full_attention");
      });
    return false;
  }
  return false;
}

/// Words in the names of keys that change the math, for the warning on keys llmc does not know.
constexpr StringRef kMathWords[] = {"scal", "multiplier", "softcap", "window", "rotary",
                                    "rope",  "expert",     "norm",    "clip",   "activation"};

/// Refuses every key of HFConfigKeys.def whose value changes the computation in a way llmc does
/// not implement, naming the key and the value; warns about unknown keys that look as if they
/// might.
Error checkMathKeys(const Object &root, StringRef path, std::vector<std::string> *warnings) {
  for (const HFConfigKey &known : kHFConfigKeys) {
    const Value *value = root.get(known.key);
    if (!value || isNeutral(known.handling, *value))
      continue;
    std::string shown;
    llvm::raw_string_ostream(shown) << *value;
    if (shown.size() > 80)
      shown = shown.substr(0, 77) + "...";
    return fileError(path, "unsupported " + Twine(known.key) + " " + shown + " (" +
                               known.meaning + "; llmc accepts " +
                               acceptedValues(known.handling) + ")");
  }
  if (!warnings)
    return Error::success();
  for (const auto &[key, value] : root) {
    StringRef name = key;
    bool known = llvm::any_of(kHFConfigKeys, [&](const HFConfigKey &k) { return name == k.key; });
    bool mathLike = llvm::any_of(kMathWords, [&](StringRef word) { return name.contains(word); });
    if (!known && mathLike)
      warnings->push_back((path + ": unknown key '" + name +
                           "' ignored (llmc computes the plain Llama; see "
                           "docs/reference/HFConfigKeys.md)")
                              .str());
  }
  return Error::success();
}

/// sliding_window: the window, or 0 when there is none (absent, null, or use_sliding_window
/// false).
Error parseSlidingWindow(const Object &root, StringRef path, ModelConfig &config) {
  ConfigReader reader(root, path);
  bool enabled = true;
  reader.optionalBool("use_sliding_window", enabled);
  int64_t window = 0;
  reader.optionalPositive("sliding_window", window);
  if (Error err = reader.takeError())
    return err;
  config.slidingWindow = enabled ? window : 0;
  return Error::success();
}

/// The RoPE keys: rope_theta and rope_scaling (transformers 4) and rope_parameters
/// (transformers 5: {"rope_type", "rope_theta", factors...}), which wins where both appear.
/// A scaling object is null or {"rope_type"|"type": "default" | "linear" | "llama3", ...}.
Error parseRope(const Object &root, StringRef path, ModelConfig &config) {
  ConfigReader reader(root, path);
  reader.number("rope_theta", config.ropeTheta);
  if (Error err = reader.takeError())
    return err;
  StringRef key = "rope_scaling";
  const Value *value = root.get(key);
  if (const Value *parameters = root.get("rope_parameters");
      parameters && !parameters->getAsNull()) {
    key = "rope_parameters";
    value = parameters;
    if (const Object *object = parameters->getAsObject()) {
      ConfigReader inner(*object, path, "rope_parameters: ");
      inner.number("rope_theta", config.ropeTheta);
      if (Error err = inner.takeError())
        return err;
    }
  }
  if (!value || value->getAsNull())
    return Error::success();
  const Object *object = value->getAsObject();
  if (!object)
    return fileError(path, "'" + key + "' must be an object or null");
  std::optional<StringRef> type = object->getString("rope_type");
  if (!type)
    type = object->getString("type");
  if (!type)
    return fileError(path, "'" + key + "' has no 'rope_type'");
  if (*type == "default")
    return Error::success();

  RopeScaling &scaling = config.ropeScaling;
  ConfigReader scalingReader(*object, path, (key + " of type '" + *type + "': ").str());
  if (*type == "linear") {
    scaling.kind = RopeScaling::Kind::Linear;
    scalingReader.number("factor", scaling.factor, /*required=*/true);
    return scalingReader.takeError();
  }
  if (*type == "llama3") {
    scaling.kind = RopeScaling::Kind::Llama3;
    scalingReader.number("factor", scaling.factor, /*required=*/true);
    scalingReader.number("low_freq_factor", scaling.lowFreqFactor, /*required=*/true);
    scalingReader.number("high_freq_factor", scaling.highFreqFactor, /*required=*/true);
    scalingReader.positive("original_max_position_embeddings", scaling.originalMaxPositions);
    if (Error err = scalingReader.takeError())
      return err;
    if (scaling.highFreqFactor <= scaling.lowFreqFactor)
      return fileError(path, key + " needs high_freq_factor > low_freq_factor");
    return Error::success();
  }
  return fileError(path, "unsupported " + key + " type '" + *type +
                             "' (supported: default, linear, llama3)");
}

} // namespace

llvm::Expected<ModelConfig> llmc::parseHFConfig(StringRef text, StringRef path,
                                                std::vector<std::string> *warnings) {
  llvm::Expected<Value> json = parseJSON(text, path, "config");
  if (!json)
    return json.takeError();
  const Object *root = json->getAsObject();
  if (!root)
    return fileError(path, "config is not a JSON object");
  if (Error err = checkArchitecture(*root, path))
    return std::move(err);
  if (Error err = checkMathKeys(*root, path, warnings))
    return std::move(err);

  // Defaults of transformers' LlamaConfig for the optional keys.
  ModelConfig config;
  config.maxPositions = 2048;
  config.rmsNormEps = 1e-6;
  config.ropeTheta = 10000.0;
  config.bosTokenId = 1;
  config.eosTokenId = 2;

  ConfigReader reader(*root, path);
  reader.positive("hidden_size", config.hiddenSize);
  reader.positive("intermediate_size", config.intermediateSize);
  reader.positive("num_hidden_layers", config.numLayers, kMaxLayers);
  reader.positive("num_attention_heads", config.numHeads);
  reader.positive("vocab_size", config.vocabSize);
  if (Error err = reader.takeError())
    return std::move(err);
  config.numKVHeads = config.numHeads;
  config.headDim = config.hiddenSize / config.numHeads;
  reader.optionalPositive("num_key_value_heads", config.numKVHeads);
  reader.optionalPositive("head_dim", config.headDim);
  reader.optionalPositive("max_position_embeddings", config.maxPositions);
  reader.number("rms_norm_eps", config.rmsNormEps);
  reader.optionalBool("tie_word_embeddings", config.tieWordEmbeddings);
  reader.optionalBool("attention_bias", config.attentionBias);
  reader.optionalBool("mlp_bias", config.mlpBias);
  reader.optionalTokenId("bos_token_id", config.bosTokenId);
  reader.optionalTokenId("eos_token_id", config.eosTokenId);
  if (Error err = reader.takeError())
    return std::move(err);
  // tokenizer.bin, the model's own or placeholder pieces, holds them as tokens.
  for (auto [key, id] : {std::pair<StringRef, int64_t>("bos_token_id", config.bosTokenId),
                         std::pair<StringRef, int64_t>("eos_token_id", config.eosTokenId)})
    if (id >= config.vocabSize)
      return fileError(path, key + " " + Twine(id) + " is not a token of the vocabulary (" +
                                 "vocab_size " + Twine(config.vocabSize) + ")");
  if (Error err = parseRope(*root, path, config))
    return std::move(err);
  if (Error err = parseSlidingWindow(*root, path, config))
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
