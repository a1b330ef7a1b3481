//===- MetaParams.cpp - params.json of Meta's original checkpoints --------===//

#include "compiler/Importer/MetaParams.h"
#include "compiler/Importer/ImporterUtil.h"

#include <algorithm>
#include <cmath>

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

llvm::Expected<ModelConfig> llmc::parseMetaParams(StringRef text, StringRef path,
                                                  int64_t &vocabSize) {
  llvm::Expected<llvm::json::Value> json = parseJSON(text, path, "params");
  if (!json)
    return json.takeError();
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return fileError(path, "is not a JSON object");

  FirstProblem problem(path);
  auto integer = [&](StringRef key, std::optional<int64_t> fallback,
                     int64_t max = kMaxDimension) -> int64_t {
    const llvm::json::Value *value = root->get(key);
    if (!value || value->kind() == llvm::json::Value::Null) {
      if (!fallback)
        problem.fail("missing integer '" + key + "'");
      return fallback.value_or(1);
    }
    std::optional<int64_t> n = value->getAsInteger();
    if (!n || *n < 1 || *n > max) {
      problem.fail("'" + key + "' must be an integer in [1, " + Twine(max) + "]");
      return 1;
    }
    return *n;
  };
  auto number = [&](StringRef key, std::optional<double> fallback) -> std::optional<double> {
    const llvm::json::Value *value = root->get(key);
    if (!value || value->kind() == llvm::json::Value::Null)
      return fallback;
    std::optional<double> n = value->getAsNumber();
    if (!n || !std::isfinite(*n) || *n <= 0) {
      problem.fail("'" + key + "' must be a positive number");
      return 1.0;
    }
    return n;
  };

  ModelConfig c;
  c.hiddenSize = integer("dim", std::nullopt);
  c.numLayers = integer("n_layers", std::nullopt, kMaxLayers);
  c.numHeads = integer("n_heads", std::nullopt);
  c.numKVHeads = integer("n_kv_heads", c.numHeads);
  int64_t multipleOf = integer("multiple_of", 256);
  std::optional<double> ffnMultiplier = number("ffn_dim_multiplier", std::nullopt);
  c.rmsNormEps = *number("norm_eps", 1e-5);
  c.ropeTheta = *number("rope_theta", 10000.0);
  vocabSize = -1;
  if (const llvm::json::Value *value = root->get("vocab_size")) {
    std::optional<int64_t> n = value->getAsInteger();
    if (!n || (*n != -1 && (*n < 1 || *n > kMaxDimension)))
      problem.fail("'vocab_size' must be -1 or an integer in [1, " + Twine(kMaxDimension) + "]");
    else
      vocabSize = *n;
  }
  bool scaledRope = false;
  if (const llvm::json::Value *value = root->get("use_scaled_rope")) {
    std::optional<bool> flag = value->getAsBoolean();
    if (!flag)
      problem.fail("'use_scaled_rope' must be true or false");
    scaledRope = flag.value_or(false);
  }
  std::optional<double> scalingFactor = number("rope_scaling_factor", 8.0);
  // Meta's params.json has no context length (max_seq_len is a run-time argument); these are
  // the lengths the models were trained for: Llama 3.1 and later (scaled RoPE), Llama 3
  // (theta 500000), Llama 2.
  c.maxPositions = integer("max_seq_len", scaledRope          ? 131072
                                          : c.ropeTheta >= 500000.0 ? 8192
                                                                    : 4096);
  if (Error err = problem.takeError())
    return std::move(err);
  if (c.hiddenSize % c.numHeads || c.numHeads % c.numKVHeads)
    return fileError(path, "'dim' must be a multiple of 'n_heads', and 'n_heads' of "
                           "'n_kv_heads'");
  c.headDim = c.hiddenSize / c.numHeads;
  if (c.headDim % 2)
    return fileError(path, "a head of " + Twine(c.headDim) + " (dim / n_heads) is odd");

  // FeedForward's hidden size in Meta's model code, in the same integer steps.
  int64_t hidden = int64_t(2 * (4 * c.hiddenSize) / 3);
  if (ffnMultiplier)
    hidden = int64_t(std::min(*ffnMultiplier * double(hidden), double(kMaxDimension) + 1));
  c.intermediateSize = multipleOf * ((hidden + multipleOf - 1) / multipleOf);
  if (c.intermediateSize < 1 || c.intermediateSize > kMaxDimension)
    return fileError(path, "the feed-forward size it implies (" + Twine(c.intermediateSize) +
                               ") is out of range");

  // use_scaled_rope is llama/model.py's apply_scaling: HF's rope_scaling type "llama3".
  if (scaledRope) {
    c.ropeScaling.kind = RopeScaling::Kind::Llama3;
    c.ropeScaling.factor = *scalingFactor;
    c.ropeScaling.lowFreqFactor = 1.0;
    c.ropeScaling.highFreqFactor = 4.0;
    c.ropeScaling.originalMaxPositions = 8192;
  }
  return c;
}
