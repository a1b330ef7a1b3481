//===- LlamaLayout.cpp - the tensors a Llama config implies ---------------===//

#include "compiler/Importer/LlamaLayout.h"
#include "compiler/Importer/Importer.h"
#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/StringSet.h"

using namespace llmc;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// One per-layer tensor: its canonical suffix and its Hugging Face name inside the layer.
struct LayerTensorName {
  StringRef canonical;
  StringRef hf;
};

/// Per-layer weights (biases add ".bias" to both names; HF weights add ".weight").
constexpr LayerTensorName kLayerTensors[] = {
    {"input_norm", "input_layernorm"},
    {"q_proj", "self_attn.q_proj"},
    {"k_proj", "self_attn.k_proj"},
    {"v_proj", "self_attn.v_proj"},
    {"o_proj", "self_attn.o_proj"},
    {"post_attention_norm", "post_attention_layernorm"},
    {"gate_proj", "mlp.gate_proj"},
    {"up_proj", "mlp.up_proj"},
    {"down_proj", "mlp.down_proj"},
};

/// Names that may carry a bias, and only when the config says so.
bool mayHaveBias(StringRef canonical) { return canonical.ends_with("_proj"); }

/// Splits "layers.N.rest" (with N in canonical decimal form) into N and rest.
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

std::optional<std::string> llmc::canonicalNameFromHF(StringRef hf) {
  if (hf == "model.embed_tokens.weight")
    return std::string("embed_tokens");
  if (hf == "model.norm.weight")
    return std::string("norm");
  if (hf == "lm_head.weight")
    return std::string("lm_head");
  StringRef number, rest;
  if (!splitLayer(hf, "model.layers.", number, rest))
    return std::nullopt;
  bool bias = rest.consume_back(".bias");
  if (!bias && !rest.consume_back(".weight"))
    return std::nullopt;
  for (const LayerTensorName &t : kLayerTensors)
    if (rest == t.hf && (!bias || mayHaveBias(t.canonical)))
      return ("layers." + number + "." + t.canonical + (bias ? ".bias" : "")).str();
  return std::nullopt;
}

std::string llmc::hfNameFromCanonical(StringRef canonical) {
  if (canonical == "embed_tokens")
    return "model.embed_tokens.weight";
  if (canonical == "norm")
    return "model.norm.weight";
  if (canonical == "lm_head")
    return "lm_head.weight";
  StringRef number, rest;
  if (!splitLayer(canonical, "layers.", number, rest))
    return "";
  bool bias = rest.consume_back(".bias");
  for (const LayerTensorName &t : kLayerTensors)
    if (rest == t.canonical && (!bias || mayHaveBias(t.canonical)))
      return ("model.layers." + number + "." + t.hf + (bias ? ".bias" : ".weight")).str();
  return "";
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
