//===- HFImportTest.cpp - Hugging Face folders and config.json -----------===//

#include "compiler/Importer/HFConfig.h"
#include "compiler/Importer/HFConfigKeys.h"
#include "compiler/Importer/Importer.h"
#include "compiler/Importer/LlamaLayout.h"

#include "TestUtil.h"

#include <set>

using namespace llmc;
using namespace llmc::test;

namespace {

llvm::Expected<ModelConfig> parseConfig(llvm::StringRef text) {
  return parseHFConfig(text, "dir/config.json");
}
std::string configError(llvm::StringRef text) {
  llvm::Expected<ModelConfig> config = parseConfig(text);
  return errorOf(config);
}

TEST(HFConfigTest, ReadsTheLlamaKeys) {
  TinyLlama m;
  llvm::Expected<ModelConfig> c = parseConfig(tinyLlamaConfig(m));
  ASSERT_TRUE(bool(c)) << errorOf(c);
  EXPECT_EQ(c->hiddenSize, 8);
  EXPECT_EQ(c->intermediateSize, 12);
  EXPECT_EQ(c->numLayers, 2);
  EXPECT_EQ(c->numHeads, 2);
  EXPECT_EQ(c->numKVHeads, 1);
  EXPECT_EQ(c->headDim, 4);
  EXPECT_EQ(c->vocabSize, 10);
  EXPECT_EQ(c->maxPositions, 64);
  EXPECT_EQ(c->rmsNormEps, 1e-5);
  EXPECT_EQ(c->ropeTheta, 500000.0);
  EXPECT_EQ(c->bosTokenId, 1);
  EXPECT_EQ(c->eosTokenId, 2); // first of the list
  EXPECT_FALSE(c->tieWordEmbeddings);
  EXPECT_FALSE(c->attentionBias);
  EXPECT_EQ(c->ropeScaling.kind, RopeScaling::Kind::None);

  c = parseConfig(R"({"model_type": "llama", "hidden_size": 16, "intermediate_size": 4,
      "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 3, "head_dim": 8,
      "tie_word_embeddings": true, "attention_bias": true, "mlp_bias": true,
      "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                       "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})");
  ASSERT_TRUE(bool(c)) << errorOf(c);
  EXPECT_EQ(c->numKVHeads, 4); // defaults to num_attention_heads
  EXPECT_EQ(c->headDim, 8);
  EXPECT_EQ(c->rmsNormEps, 1e-6); // LlamaConfig defaults
  EXPECT_EQ(c->maxPositions, 2048);
  EXPECT_TRUE(c->tieWordEmbeddings);
  EXPECT_TRUE(c->attentionBias);
  EXPECT_TRUE(c->mlpBias);
  EXPECT_EQ(c->ropeScaling.kind, RopeScaling::Kind::Llama3);
  EXPECT_EQ(c->ropeScaling.factor, 8.0);
  EXPECT_EQ(c->ropeScaling.originalMaxPositions, 8192);

  c = parseConfig(tinyLlamaConfig(m, R"(, "rope_scaling": {"type": "linear", "factor": 2})"));
  ASSERT_TRUE(bool(c)) << errorOf(c);
  EXPECT_EQ(c->ropeScaling.kind, RopeScaling::Kind::Linear);
  EXPECT_EQ(c->ropeScaling.factor, 2.0);
  c = parseConfig(tinyLlamaConfig(m, R"(, "rope_scaling": null)"));
  ASSERT_TRUE(bool(c)) << errorOf(c);
  EXPECT_EQ(c->ropeScaling.kind, RopeScaling::Kind::None);
  c = parseConfig(tinyLlamaConfig(m, R"(, "rope_scaling": {"rope_type": "default"})"));
  ASSERT_TRUE(bool(c)) << errorOf(c);
}

TEST(HFConfigTest, ReadsTransformers5RopeParameters) {
  // transformers 5 writes rope_theta inside rope_parameters and no rope_scaling.
  llvm::Expected<ModelConfig> c = parseConfig(R"({"model_type": "llama", "hidden_size": 16,
      "intermediate_size": 4, "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 3,
      "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0,
          "low_freq_factor": 1.0, "high_freq_factor": 4.0,
          "original_max_position_embeddings": 8192}})");
  ASSERT_TRUE(bool(c)) << errorOf(c);
  EXPECT_EQ(c->ropeTheta, 500000.0);
  EXPECT_EQ(c->ropeScaling.kind, RopeScaling::Kind::Llama3);
  EXPECT_EQ(c->ropeScaling.factor, 32.0);
  c = parseConfig(tinyLlamaConfig(
      {}, R"(, "rope_parameters": {"rope_type": "default", "rope_theta": 1000.0})"));
  ASSERT_TRUE(bool(c)) << errorOf(c);
  EXPECT_EQ(c->ropeTheta, 1000.0);
  EXPECT_EQ(c->ropeScaling.kind, RopeScaling::Kind::None);
  EXPECT_CONTAINS(configError(tinyLlamaConfig(
                      {}, R"(, "rope_parameters": {"rope_type": "yarn", "factor": 4.0})")),
                  "dir/config.json: unsupported rope_parameters type 'yarn'");
  EXPECT_CONTAINS(configError(
                      tinyLlamaConfig({}, R"(, "rope_parameters": {"rope_type": "linear"})")),
                  "dir/config.json: rope_parameters of type 'linear': missing number 'factor'");
}

TEST(HFConfigTest, Errors) {
  TinyLlama m;
  EXPECT_CONTAINS(configError(R"({"architectures": ["MistralForCausalLM"]})"),
                  "dir/config.json: unsupported architecture 'MistralForCausalLM' "
                  "(llmc compiles LlamaForCausalLM)");
  EXPECT_CONTAINS(configError(R"({"model_type": "gpt2"})"),
                  "dir/config.json: unsupported model_type 'gpt2' (llmc compiles "
                  "LlamaForCausalLM, model_type llama)");
  // transformers builds what model_type names, whatever architectures says.
  EXPECT_CONTAINS(configError(R"({"architectures": ["LlamaForCausalLM"],
                                  "model_type": "mistral"})"),
                  "unsupported model_type 'mistral'");
  EXPECT_CONTAINS(configError(tinyLlamaConfig(m, R"(, "hidden_act": "gelu")")),
                  "dir/config.json: unsupported hidden_act \"gelu\" (the MLP's activation; "
                  "llmc implements the Llama MLP with silu; llmc accepts absent or \"silu\")");
  EXPECT_CONTAINS(configError(tinyLlamaConfig(m, R"(, "hidden_act": 3)")),
                  "dir/config.json: unsupported hidden_act 3");
  EXPECT_CONTAINS(configError("{"), "dir/config.json: config is not valid JSON");
  EXPECT_CONTAINS(configError(R"({"model_type": "llama"})"),
                  "dir/config.json: missing integer 'hidden_size'");
  EXPECT_CONTAINS(
      configError(tinyLlamaConfig(m, R"(, "rope_scaling": {"rope_type": "yarn", "factor": 4})")),
      "dir/config.json: unsupported rope_scaling type 'yarn'");
  EXPECT_CONTAINS(configError(tinyLlamaConfig(m, R"(, "rope_scaling": {"rope_type": "llama3"})")),
                  "dir/config.json: rope_scaling of type 'llama3': missing number 'factor'");
  EXPECT_CONTAINS(configError(tinyLlamaConfig(m, R"(, "rope_scaling": {"factor": 2})")),
                  "'rope_scaling' has no 'rope_type'");
  m.kvHeads = 3;
  EXPECT_CONTAINS(configError(tinyLlamaConfig(m)),
                  "num_key_value_heads 3 must divide num_attention_heads 2");
  m = {};
  m.hidden = 9;
  EXPECT_CONTAINS(configError(tinyLlamaConfig(m)),
                  "hidden_size 9 is not a multiple of num_attention_heads 2");
  m = {};
  m.layers = -1;
  EXPECT_CONTAINS(configError(tinyLlamaConfig(m)), "'num_hidden_layers' must be an integer");
  EXPECT_CONTAINS(configError(tinyLlamaConfig({}, R"(, "tie_word_embeddings": 1)")),
                  "'tie_word_embeddings' must be true or false");
  EXPECT_CONTAINS(configError(tinyLlamaConfig({}, R"(, "rope_theta": "big")")),
                  "dir/config.json: 'rope_theta' must be a positive number");
  EXPECT_CONTAINS(configError(tinyLlamaConfig({}, R"(, "rope_scaling": {"rope_type": "llama3",
      "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4})")),
                  "rope_scaling of type 'llama3': missing integer "
                  "'original_max_position_embeddings'");
  // BOS and EOS must be tokens: tokenizer.bin holds them (found by fuzz_hfconfig).
  EXPECT_CONTAINS(configError(tinyLlamaConfig({}, R"(, "bos_token_id": 10)")),
                  "dir/config.json: bos_token_id 10 is not a token of the vocabulary "
                  "(vocab_size 10)");
  m = {};
  m.vocab = 2;
  EXPECT_CONTAINS(configError(tinyLlamaConfig(m)), "eos_token_id 2 is not a token");
}

/// A value of `handling` that changes the computation, as llvm::json prints it, and one that
/// does not.
std::pair<std::string, std::string> changingAndNeutral(HFKeyHandling handling) {
  switch (handling) {
  case HFKeyHandling::Silu:
    return {R"("gelu_pytorch_tanh")", R"("silu")"};
  case HFKeyHandling::Null:
    return {"50", "null"};
  case HFKeyHandling::False:
    return {"true", "false"};
  case HFKeyHandling::One:
    return {"0.5", "1.0"};
  case HFKeyHandling::Zero:
    return {"8", "0"};
  case HFKeyHandling::FullAttention:
    return {R"(["full_attention","sliding_attention"])", R"(["full_attention"])"};
  case HFKeyHandling::Read:
  case HFKeyHandling::Ignored:
    break;
  }
  return {};
}

TEST(HFConfigTest, RefusesEveryKeyThatChangesTheMath) {
  int refused = 0;
  for (const HFConfigKey &key : kHFConfigKeys) {
    auto [changing, neutral] = changingAndNeutral(key.handling);
    if (changing.empty())
      continue;
    ++refused;
    std::string extra = ", \"" + std::string(key.key) + "\": ";
    EXPECT_CONTAINS(configError(tinyLlamaConfig({}, extra + changing)),
                    "dir/config.json: unsupported " + std::string(key.key) + " " + changing +
                        " (" + key.meaning);
    llvm::Expected<ModelConfig> c = parseConfig(tinyLlamaConfig({}, extra + neutral));
    EXPECT_TRUE(bool(c)) << key.key << ": " << errorOf(c);
    // Absent is neutral too: tinyLlamaConfig has none of these keys.
  }
  EXPECT_GE(refused, 25);
  // A few by name, as a user would meet them.
  EXPECT_CONTAINS(configError(tinyLlamaConfig({}, R"(, "final_logit_softcapping": 30.0)")),
                  "unsupported final_logit_softcapping 30 (tanh soft-capping of the output "
                  "logits; llmc accepts absent or null)");
  EXPECT_CONTAINS(configError(tinyLlamaConfig({}, R"(, "partial_rotary_factor": 0.25)")),
                  "unsupported partial_rotary_factor 0.25");
  EXPECT_CONTAINS(configError(tinyLlamaConfig({}, R"(, "num_local_experts": 8)")),
                  "unsupported num_local_experts 8 (mixture of experts");
  EXPECT_CONTAINS(
      configError(tinyLlamaConfig({}, R"(, "quantization_config": {"quant_method": "gptq"})")),
      "unsupported quantization_config {\"quant_method\":\"gptq\"} (a pre-quantized");
}

TEST(HFConfigTest, KeysAreListedOnce) {
  std::set<std::string> seen;
  for (const HFConfigKey &key : kHFConfigKeys)
    EXPECT_TRUE(seen.insert(key.key).second) << key.key;
}

TEST(HFConfigTest, SlidingWindow) {
  llvm::Expected<ModelConfig> c = parseConfig(tinyLlamaConfig({}, R"(, "sliding_window": 32)"));
  ASSERT_TRUE(bool(c)) << errorOf(c);
  EXPECT_EQ(c->slidingWindow, 32);
  c = parseConfig(
      tinyLlamaConfig({}, R"(, "sliding_window": 32, "use_sliding_window": false)"));
  ASSERT_TRUE(bool(c)) << errorOf(c);
  EXPECT_EQ(c->slidingWindow, 0);
  c = parseConfig(tinyLlamaConfig({}, R"(, "sliding_window": null)"));
  ASSERT_TRUE(bool(c)) << errorOf(c);
  EXPECT_EQ(c->slidingWindow, 0);
  EXPECT_CONTAINS(configError(tinyLlamaConfig({}, R"(, "sliding_window": -4)")),
                  "'sliding_window' must be an integer");
}

TEST(HFConfigTest, WarnsAboutUnknownKeysThatLookLikeMath) {
  std::vector<std::string> warnings;
  llvm::Expected<ModelConfig> c = parseHFConfig(
      tinyLlamaConfig({}, R"(, "embedding_scaling": 2.0, "temperature": 0.7)"),
      "dir/config.json", &warnings);
  ASSERT_TRUE(bool(c)) << errorOf(c);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_CONTAINS(warnings[0], "dir/config.json: unknown key 'embedding_scaling' ignored");
}

TEST(LlamaLayoutTest, NamesRoundTrip) {
  for (const char *hf : {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight",
                         "model.layers.0.self_attn.q_proj.weight",
                         "model.layers.12.self_attn.o_proj.bias",
                         "model.layers.3.input_layernorm.weight",
                         "model.layers.3.post_attention_layernorm.weight",
                         "model.layers.7.mlp.down_proj.weight",
                         "model.layers.7.mlp.up_proj.bias"}) {
    std::optional<std::string> canonical = canonicalNameFromHF(hf);
    ASSERT_TRUE(canonical.has_value()) << hf;
    EXPECT_EQ(hfNameFromCanonical(*canonical), hf);
  }
  EXPECT_EQ(*canonicalNameFromHF("model.layers.3.self_attn.k_proj.weight"), "layers.3.k_proj");
  EXPECT_EQ(*canonicalNameFromHF("model.layers.3.mlp.gate_proj.bias"), "layers.3.gate_proj.bias");
  for (const char *bad : {"model.layers.03.mlp.up_proj.weight", "model.layers.x.mlp.up_proj.weight",
                          "model.layers.1.mlp.up_proj", "model.layers.1.input_layernorm.bias",
                          "model.layers..mlp.up_proj.weight", "score.weight", ""})
    EXPECT_FALSE(canonicalNameFromHF(bad).has_value()) << bad;
}

/// Writes a tiny HF folder: config.json and model.safetensors.
void writeTinyFolder(const TempDir &dir, const TinyLlama &m,
                     const std::vector<TensorSpec> &tensors, llvm::StringRef extraConfig = "") {
  writeFile(dir.path("config.json"), tinyLlamaConfig(m, extraConfig));
  writeFile(dir.path("model.safetensors"), makeSafetensors(tensors));
}

/// The error of importing a tiny F32 folder, written to `dir`, whose tensors `edit` changes.
std::string tinyFolderError(const TempDir &dir, const TinyLlama &m,
                            llvm::function_ref<void(std::vector<TensorSpec> &)> edit) {
  std::vector<TensorSpec> tensors = tinyLlamaTensors(m, "F32", true);
  edit(tensors);
  writeTinyFolder(dir, m, tensors);
  llvm::Expected<ImportedModel> model = importHuggingFaceFolder(dir.path());
  return errorOf(model);
}

TEST(HFImportTest, ImportsSingleFile) {
  TempDir dir;
  TinyLlama m;
  std::vector<TensorSpec> tensors = tinyLlamaTensors(m, "BF16", /*withLmHead=*/true);
  tensors.push_back({"model.layers.1.self_attn.rotary_emb.inv_freq", "F32", {2},
                     encode("F32", 2, [](int64_t) { return 1.0f; })});
  writeTinyFolder(dir, m, tensors);
  llvm::Expected<ImportedModel> model = importHuggingFaceFolder(dir.path());
  ASSERT_TRUE(bool(model)) << errorOf(model);
  EXPECT_EQ(model->sourceDescription, "safetensors (bf16)");
  EXPECT_FALSE(model->vocabulary.has_value());
  const WeightStore &w = model->weights;
  ASSERT_EQ(w.tensors().size(), 1u + 2 * 9 + 2);
  EXPECT_EQ(w.tensors()[0].name, "embed_tokens");
  EXPECT_EQ(w.tensors()[1].name, "layers.0.input_norm");
  EXPECT_EQ(w.tensors()[2].name, "layers.0.q_proj");
  EXPECT_EQ(w.tensors().back().name, "lm_head");
  EXPECT_EQ(w.get("layers.1.k_proj").shape, (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(w.get("layers.1.k_proj").dtype, DType::BF16);
  EXPECT_TRUE(w.get("layers.1.k_proj").rowPermutation.empty());
  // model.layers.1.self_attn.k_proj.weight is tensor 12 of the file: values 12 + (i % 8) / 8.
  std::vector<float> k;
  ASSERT_EQ(errorOf(w.readF32("layers.1.k_proj", k)), "");
  ASSERT_EQ(k.size(), 32u);
  for (size_t i = 0; i < k.size(); ++i)
    ASSERT_EQ(k[i], 12.0f + float(i % 8) / 8) << i;
}

TEST(HFImportTest, TiedModelIgnoresLmHead) {
  TempDir dir;
  TinyLlama m;
  writeTinyFolder(dir, m, tinyLlamaTensors(m, "F16", /*withLmHead=*/true),
                  R"(, "tie_word_embeddings": true)");
  llvm::Expected<ImportedModel> model = importHuggingFaceFolder(dir.path());
  ASSERT_TRUE(bool(model)) << errorOf(model);
  EXPECT_FALSE(model->weights.contains("lm_head"));
  EXPECT_EQ(model->sourceDescription, "safetensors (f16)");
  std::vector<float> norm;
  ASSERT_EQ(errorOf(model->weights.readF32("norm", norm)), "");
  EXPECT_EQ(norm[1], 19.125f); // tensor 19, element 1
}

TEST(HFImportTest, ImportsShards) {
  TempDir dir;
  TinyLlama m;
  std::vector<TensorSpec> tensors = tinyLlamaTensors(m, "F32", /*withLmHead=*/true);
  // Shard 1: the first 7 tensors, shard 2: the rest, listed in reverse.
  std::vector<TensorSpec> first(tensors.begin(), tensors.begin() + 7);
  std::vector<TensorSpec> second(tensors.rbegin(), tensors.rend() - 7);
  writeFile(dir.path("config.json"), tinyLlamaConfig(m));
  writeFile(dir.path("model-00001-of-00002.safetensors"), makeSafetensors(first));
  writeFile(dir.path("model-00002-of-00002.safetensors"), makeSafetensors(second, ""));
  std::string index = R"({"metadata": {"total_size": 1}, "weight_map": {)";
  for (size_t i = 0; i < tensors.size(); ++i)
    index += (i ? ", \"" : "\"") + tensors[i].name + "\": \"model-0000" + (i < 7 ? "1" : "2") +
             "-of-00002.safetensors\"";
  index += "}}";
  writeFile(dir.path("model.safetensors.index.json"), index);
  llvm::Expected<ImportedModel> model = importHuggingFaceFolder(dir.path());
  ASSERT_TRUE(bool(model)) << errorOf(model);
  EXPECT_EQ(model->sourceDescription, "safetensors, 2 shards (f32)");
  EXPECT_EQ(model->weights.tensors()[9].name, "layers.0.down_proj");
  EXPECT_EQ(model->weights.get("layers.0.down_proj").sourcePath,
            dir.path("model-00002-of-00002.safetensors"));

  // An index that points at a shard that does not hold the tensor.
  std::string wrong = index;
  size_t at = wrong.find("model-00001");
  wrong.replace(at, 11, "model-00002");
  writeFile(dir.path("model.safetensors.index.json"), wrong);
  model = importHuggingFaceFolder(dir.path());
  EXPECT_CONTAINS(errorOf(model), "model-00001-of-00002.safetensors: holds tensor "
                                  "'model.embed_tokens.weight' that ");
  writeFile(dir.path("model.safetensors.index.json"),
            R"({"weight_map": {"model.norm.weight": "../x.safetensors"}})");
  model = importHuggingFaceFolder(dir.path());
  EXPECT_CONTAINS(errorOf(model), "model.safetensors.index.json: weight_map entry for "
                                  "'model.norm.weight' is not a file name in the folder");
}

TEST(HFImportTest, Errors) {
  TinyLlama m;
  {
    TempDir dir;
    llvm::Expected<ImportedModel> model = importHuggingFaceFolder(dir.path());
    EXPECT_EQ(errorOf(model), dir.path() + ": no config.json (not a Hugging Face model folder)");
    writeFile(dir.path("config.json"), tinyLlamaConfig(m));
    model = importHuggingFaceFolder(dir.path());
    EXPECT_EQ(errorOf(model),
              dir.path() + ": no model.safetensors or model.safetensors.index.json");
    writeFile(dir.path("pytorch_model.bin"), "x");
    model = importHuggingFaceFolder(dir.path());
    EXPECT_CONTAINS(errorOf(model), "holds PyTorch .bin weights only");
  }
  {
    TempDir dir;
    std::string error = tinyFolderError(dir, m, [](std::vector<TensorSpec> &t) {
      t.erase(t.begin() + 12); // model.layers.1.self_attn.k_proj.weight
    });
    EXPECT_EQ(error, dir.path() + ": missing tensor 'layers.1.k_proj' "
                                  "(model.layers.1.self_attn.k_proj.weight)");
  }
  {
    TempDir dir;
    std::string error = tinyFolderError(dir, m, [](std::vector<TensorSpec> &t) {
      t.push_back({"model.layers.0.mlp.experts.weight", "F32", {1}, std::string(4, '\0')});
    });
    EXPECT_EQ(error, dir.path("model.safetensors") +
                         ": unexpected tensor 'model.layers.0.mlp.experts.weight' "
                         "(not a tensor of LlamaForCausalLM)");
  }
  {
    TempDir dir;
    std::string error = tinyFolderError(dir, m, [](std::vector<TensorSpec> &t) {
      t.push_back({"model.layers.0.self_attn.q_proj.bias", "F32", {8}, std::string(32, 0)});
    });
    EXPECT_EQ(error, dir.path("model.safetensors") +
                         ": unexpected tensor 'layers.0.q_proj.bias' "
                         "(model.layers.0.self_attn.q_proj.bias) that the config "
                         "does not imply");
  }
  {
    TempDir dir;
    std::string error = tinyFolderError(dir, m, [](std::vector<TensorSpec> &t) {
      t[2] = {"model.layers.0.self_attn.q_proj.weight", "F32", {8, 4}, std::string(128, '\0')};
    });
    EXPECT_EQ(error, dir.path("model.safetensors") +
                         ": tensor 'layers.0.q_proj' has shape [8, 4] but the config "
                         "implies [8, 8] (model.layers.0.self_attn.q_proj.weight)");
  }
  {
    TempDir dir;
    writeTinyFolder(dir, m, tinyLlamaTensors(m, "F32", true));
    writeFile(dir.path("tokenizer.model"), "\xff\xff\xff");
    llvm::Expected<ImportedModel> model = importHuggingFaceFolder(dir.path());
    EXPECT_CONTAINS(errorOf(model), dir.path("tokenizer.model") +
                                        ": neither a tiktoken BPE file (line 1 is not "
                                        "'base64-token rank') nor a SentencePiece model");
  }
}

} // namespace
