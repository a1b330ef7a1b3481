//===- LlamaLayout.h - the tensors a Llama config implies -----------------===//
//
// The canonical tensor table of Importer.h as data, and the mapping between canonical names and
// Hugging Face names.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_LLAMALAYOUT_H
#define LLMC_COMPILER_IMPORTER_LLAMALAYOUT_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringRef.h"

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

/// The canonical name of a Hugging Face LlamaForCausalLM tensor
/// ("model.layers.3.mlp.up_proj.weight" -> "layers.3.up_proj"), or std::nullopt when the name is
/// not one.
std::optional<std::string> canonicalNameFromHF(llvm::StringRef hfName);

/// The Hugging Face name of a canonical tensor name (the inverse of canonicalNameFromHF), or an
/// empty string for a name that has none.
std::string hfNameFromCanonical(llvm::StringRef canonicalName);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_LLAMALAYOUT_H
