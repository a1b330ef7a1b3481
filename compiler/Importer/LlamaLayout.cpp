//===- LlamaLayout.cpp - the tensors a Llama config implies ---------------===//

#include "compiler/Importer/LlamaLayout.h"
#include "compiler/Importer/Importer.h"
#include "compiler/Importer/ImporterUtil.h"
#include "compiler/Importer/Llama2c.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <iterator>
#include <type_traits>

using namespace llmc;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// The canonical suffixes of a layer's tensors, in canonical order (TensorNaming::layer's).
constexpr StringRef kLayerTensors[] = {
    "input_norm",          "q_proj",    "k_proj",  "v_proj",    "o_proj",
    "post_attention_norm", "gate_proj", "up_proj", "down_proj",
};
static_assert(std::size(kLayerTensors) == std::extent_v<decltype(TensorNaming::layer)>);

/// Hugging Face LlamaForCausalLM names.
constexpr TensorNaming kHFNaming = {
    "model.embed_tokens.weight",
    "model.norm.weight",
    "lm_head.weight",
    "model.layers.",
    {"input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
     "self_attn.o_proj", "post_attention_layernorm", "mlp.gate_proj", "mlp.up_proj",
     "mlp.down_proj"},
};

/// Names that may carry a bias, and only when the config says so.
bool mayHaveBias(StringRef canonical) { return canonical.ends_with("_proj"); }

/// Splits "<prefix>N.rest" (with N in canonical decimal form) into N and rest.
bool splitLayer(StringRef name, StringRef prefix, StringRef &number, StringRef &rest) {
  if (!name.consume_front(prefix))
    return false;
  std::tie(number, rest) = name.split('.');
  if (number.empty() || rest.empty() || number.size() > 9 ||
      !llvm::all_of(number, [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  return number == "0" || number.front() != '0';
}

} // namespace

std::vector<ExpectedTensor> llmc::llamaTensorLayout(const ModelConfig &c) {
  int64_t qDim = c.numHeads * c.headDim, kvDim = c.numKVHeads * c.headDim;
  std::vector<ExpectedTensor> layout;
  layout.push_back({"embed_tokens", {c.vocabSize, c.hiddenSize}});
  for (int64_t l = 0; l < c.numLayers; ++l) {
    std::string p = "layers." + std::to_string(l) + ".";
    auto add = [&](StringRef name, std::vector<int64_t> shape, bool bias) {
      int64_t rows = shape[0];
      layout.push_back({p + name.str(), std::move(shape)});
      if (bias)
        layout.push_back({p + name.str() + ".bias", {rows}});
    };
    add("input_norm", {c.hiddenSize}, false);
    add("q_proj", {qDim, c.hiddenSize}, c.attentionBias);
    add("k_proj", {kvDim, c.hiddenSize}, c.attentionBias);
    add("v_proj", {kvDim, c.hiddenSize}, c.attentionBias);
    add("o_proj", {c.hiddenSize, qDim}, c.attentionBias);
    add("post_attention_norm", {c.hiddenSize}, false);
    add("gate_proj", {c.intermediateSize, c.hiddenSize}, c.mlpBias);
    add("up_proj", {c.intermediateSize, c.hiddenSize}, c.mlpBias);
    add("down_proj", {c.hiddenSize, c.intermediateSize}, c.mlpBias);
  }
  layout.push_back({"norm", {c.hiddenSize}});
  if (!c.tieWordEmbeddings)
    layout.push_back({"lm_head", {c.vocabSize, c.hiddenSize}});
  return layout;
}

std::vector<std::string> llmc::inCanonicalOrder(const ModelConfig &config,
                                                std::vector<std::string> names) {
  llvm::StringSet<> given;
  for (const std::string &name : names)
    given.insert(name);
  std::vector<std::string> order;
  for (const ExpectedTensor &expected : llamaTensorLayout(config))
    if (given.contains(expected.name))
      order.push_back(expected.name);
  std::vector<std::string> leftovers;
  for (std::string &name : names)
    if (!llvm::is_contained(order, name))
      leftovers.push_back(std::move(name));
  llvm::sort(leftovers);
  order.insert(order.end(), leftovers.begin(), leftovers.end());
  return order;
}

std::optional<std::string> llmc::canonicalNameFrom(const TensorNaming &naming, StringRef name) {
  if (name == naming.embedTokens)
    return std::string("embed_tokens");
  if (name == naming.norm)
    return std::string("norm");
  if (name == naming.lmHead)
    return std::string("lm_head");
  StringRef number, rest;
  if (!splitLayer(name, naming.layerPrefix, number, rest))
    return std::nullopt;
  bool bias = rest.consume_back(".bias");
  if (!bias && !rest.consume_back(".weight"))
    return std::nullopt;
  for (size_t i = 0; i < std::size(kLayerTensors); ++i)
    if (rest == naming.layer[i] && (!bias || mayHaveBias(kLayerTensors[i])))
      return ("layers." + number + "." + kLayerTensors[i] + (bias ? ".bias" : "")).str();
  return std::nullopt;
}

std::string llmc::nameFromCanonical(const TensorNaming &naming, StringRef canonical) {
  if (canonical == "embed_tokens")
    return naming.embedTokens.str();
  if (canonical == "norm")
    return naming.norm.str();
  if (canonical == "lm_head")
    return naming.lmHead.str();
  StringRef number, rest;
  if (!splitLayer(canonical, "layers.", number, rest))
    return "";
  bool bias = rest.consume_back(".bias");
  for (size_t i = 0; i < std::size(kLayerTensors); ++i)
    if (rest == kLayerTensors[i] && (!bias || mayHaveBias(kLayerTensors[i])))
      return (naming.layerPrefix + number + "." + naming.layer[i] + (bias ? ".bias" : ".weight"))
          .str();
  return "";
}

std::optional<std::string> llmc::canonicalNameFromHF(StringRef hf) {
  return canonicalNameFrom(kHFNaming, hf);
}

std::string llmc::hfNameFromCanonical(StringRef canonical) {
  return nameFromCanonical(kHFNaming, canonical);
}

llvm::Error llmc::verifyLlamaWeights(const ModelConfig &config, const WeightStore &weights,
                                     StringRef sourcePath,
                                     llvm::function_ref<std::string(StringRef)> sourceName) {
  // " (source name)" when the format has its own names.
  auto describe = [&](StringRef name) -> std::string {
    std::string source = sourceName ? sourceName(name) : std::string();
    return source.empty() || source == name ? std::string() : " (" + source + ")";
  };
  std::vector<ExpectedTensor> layout = llamaTensorLayout(config);
  llvm::StringSet<> expected;
  for (const ExpectedTensor &t : layout) {
    expected.insert(t.name);
    if (!weights.contains(t.name))
      return fileError(sourcePath, "missing tensor '" + t.name + "'" + describe(t.name));
    const WeightTensor &tensor = weights.get(t.name);
    if (tensor.shape != t.shape)
      return fileError(tensor.sourcePath.empty() ? sourcePath : StringRef(tensor.sourcePath),
                       "tensor '" + t.name + "' has shape " + formatShape(tensor.shape) +
                           " but the config implies " + formatShape(t.shape) +
                           describe(t.name));
  }
  for (const WeightTensor &tensor : weights.tensors())
    if (!expected.contains(tensor.name))
      return fileError(tensor.sourcePath.empty() ? sourcePath : StringRef(tensor.sourcePath),
                       "unexpected tensor '" + tensor.name + "'" + describe(tensor.name) +
                           " that the config does not imply");
  return llvm::Error::success();
}

llvm::Error llmc::permuteInterleavedRope(const ModelConfig &config, WeightStore &weights) {
  for (int64_t l = 0; l < config.numLayers; ++l) {
    std::string prefix = "layers." + std::to_string(l) + ".";
    for (auto [name, heads] : {std::pair<StringRef, int64_t>{"q_proj", config.numHeads},
                               std::pair<StringRef, int64_t>{"k_proj", config.numKVHeads}}) {
      for (StringRef suffix : {"", ".bias"}) {
        std::string tensor = prefix + name.str() + suffix.str();
        if (!weights.contains(tensor))
          continue;
        if (llvm::Error err =
                weights.permuteRows(tensor, interleavedToRotateHalf(heads, config.headDim)))
          return err;
      }
    }
  }
  return llvm::Error::success();
}
