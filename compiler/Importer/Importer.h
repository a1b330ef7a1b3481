//===- Importer.h - read a model file or folder into config + weights -----===//
//
// Each reader validates what it reads and fails with an llvm::Error whose message names the file
// and the problem; none of them copies tensor data (the WeightStore maps it).
//
// Canonical tensor names (the same for every source format; the IR's weight symbols use them):
//   embed_tokens                      (vocab, hidden)
//   layers.N.input_norm               (hidden)
//   layers.N.q_proj                   (n_heads * head_dim, hidden)      + .bias if attention_bias
//   layers.N.k_proj / v_proj          (n_kv_heads * head_dim, hidden)   + .bias if attention_bias
//   layers.N.o_proj                   (hidden, n_heads * head_dim)      + .bias if attention_bias
//   layers.N.post_attention_norm      (hidden)
//   layers.N.gate_proj / up_proj      (intermediate, hidden)            + .bias if mlp_bias
//   layers.N.down_proj                (hidden, intermediate)            + .bias if mlp_bias
//   norm                              (hidden)
//   lm_head                           (vocab, hidden); absent when tie_word_embeddings
// q_proj and k_proj rows are in the Hugging Face RoPE layout (rotate-half pairs i, i + head_dim/2);
// readers of formats with interleaved pairs record a row permutation to get there.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_IMPORTER_H
#define LLMC_COMPILER_IMPORTER_IMPORTER_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace llmc {

/// A Hugging Face folder: config.json (LlamaForCausalLM), model.safetensors or the shards named by
/// model.safetensors.index.json, and tokenizer.model when present.
llvm::Expected<ImportedModel> importHuggingFaceFolder(llvm::StringRef folder);

/// Meta's original checkpoint folder: params.json, consolidated.NN.pth (torch.save zips, one per
/// model-parallel rank, joined per tensor along the dimension Meta's code splits) and
/// tokenizer.model (SentencePiece or tiktoken) when present.
llvm::Expected<ImportedModel> importMetaFolder(llvm::StringRef folder);

/// A llama2.c checkpoint (legacy version 0, or version 1 with its 256-byte header) and its
/// tokenizer.bin: the one tokenizerPath names; when it is empty and `findTokenizer`, the first of
/// tokenizer.bin and tok<vocab size>.bin beside the checkpoint, as llama2.c's run looks for it
/// (with a warning when there is neither).
llvm::Expected<ImportedModel> importLlama2c(llvm::StringRef checkpointPath,
                                            llvm::StringRef tokenizerPath,
                                            bool findTokenizer = true);

/// A GGUF file (version 2 or 3, llama architecture; tensors F32, F16, BF16, Q8_0, Q4_0, Q4_1,
/// Q4_K or Q6_K) with the vocabulary it holds when tokenizer.ggml.model is "llama".
llvm::Expected<ImportedModel> importGGUF(llvm::StringRef path);

/// Chooses the reader from what `path` is: a folder with params.json and no config.json -> Meta's
/// checkpoint; another folder -> Hugging Face; a ".gguf" file or one that
/// starts with the GGUF magic -> GGUF; any other file -> llama2.c. For a Hugging Face folder or a
/// GGUF file (or Meta folder) a non-empty tokenizerPath names a SentencePiece model to use instead of the
/// model's own vocabulary; for a llama2.c checkpoint it names its tokenizer.bin, else one is
/// looked for beside it unless `findTokenizer` is false (importLlama2c).
llvm::Expected<ImportedModel> importModel(llvm::StringRef path, llvm::StringRef tokenizerPath,
                                          bool findTokenizer = true);

/// Checks that `weights` holds exactly the tensors `config` implies (see the table above), with
/// the right shapes. The message names the file (the tensor's own sourcePath, else `sourcePath`)
/// and the first offending tensor; `sourceName`, when given, maps a canonical name to the source
/// format's name for the message ("layers.3.k_proj" -> "model.layers.3.self_attn.k_proj.weight").
llvm::Error verifyLlamaWeights(
    const ModelConfig &config, const WeightStore &weights, llvm::StringRef sourcePath,
    llvm::function_ref<std::string(llvm::StringRef)> sourceName = nullptr);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_IMPORTER_H
