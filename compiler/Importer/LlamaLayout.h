//===- LlamaLayout.h - the tensors a Llama config implies -----------------===//
//
// The canonical tensor table of Importer.h as data, and the mapping between canonical names and
// the names a checkpoint format gives them (Hugging Face, GGUF).
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_LLAMALAYOUT_H
#define LLMC_COMPILER_IMPORTER_LLAMALAYOUT_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmc {

/// A tensor that a config implies.
struct ExpectedTensor {
  std::string name;           ///< canonical name
  std::vector<int64_t> shape; ///< outermost first
};

/// Every tensor `config` implies, in canonical order: embed_tokens, then each layer's input_norm,
/// q/k/v/o_proj (+ biases), post_attention_norm, gate/up/down_proj (+ biases), then norm and
/// lm_head (unless tied).
std::vector<ExpectedTensor> llamaTensorLayout(const ModelConfig &config);

/// `names` (canonical names) ordered as llamaTensorLayout(config) lists them; names the config
/// does not imply go last, sorted (for verifyLlamaWeights to report).
std::vector<std::string> inCanonicalOrder(const ModelConfig &config,
                                          std::vector<std::string> names);
template <typename T>
std::vector<std::string> inCanonicalOrder(const ModelConfig &config,
                                          const llvm::StringMap<T> &byName) {
  std::vector<std::string> names;
  for (const auto &entry : byName)
    names.push_back(entry.getKey().str());
  return inCanonicalOrder(config, std::move(names));
}

/// How a checkpoint format names the canonical tensors: embed_tokens, norm and lm_head by their
/// full names; a layer's tensors as <layerPrefix>N.<layer[i]>.weight (projections may add .bias
/// instead), where layer[] follows the canonical order input_norm, q_proj, k_proj, v_proj,
/// o_proj, post_attention_norm, gate_proj, up_proj, down_proj.
struct TensorNaming {
  llvm::StringRef embedTokens, norm, lmHead;
  llvm::StringRef layerPrefix;
  llvm::StringRef layer[9];
};

/// The canonical name of the tensor `naming` calls `name` ("blk.3.ffn_up.weight" ->
/// "layers.3.up_proj" in GGUF), or std::nullopt when the name is not one.
std::optional<std::string> canonicalNameFrom(const TensorNaming &naming, llvm::StringRef name);

/// What `naming` calls a canonical tensor (the inverse of canonicalNameFrom), or an empty string
/// for a name that has none.
std::string nameFromCanonical(const TensorNaming &naming, llvm::StringRef canonicalName);

/// The canonical name of a Hugging Face LlamaForCausalLM tensor
/// ("model.layers.3.mlp.up_proj.weight" -> "layers.3.up_proj"), or std::nullopt when the name is
/// not one.
std::optional<std::string> canonicalNameFromHF(llvm::StringRef hfName);

/// The Hugging Face name of a canonical tensor name (the inverse of canonicalNameFromHF), or an
/// empty string for a name that has none.
std::string hfNameFromCanonical(llvm::StringRef canonicalName);

/// Records on every q_proj and k_proj (and their biases) of `weights` the row permutation from
/// interleaved RoPE pairs, Meta's layout (GGUF and llama2.c keep it), to the canonical
/// rotate-half layout, per head (k_proj has the KV heads).
llvm::Error permuteInterleavedRope(const ModelConfig &config, WeightStore &weights);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_LLAMALAYOUT_H
