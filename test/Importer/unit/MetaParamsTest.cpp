//===- MetaParamsTest.cpp - params.json of Meta's original checkpoints ----===//
//
// The sizes are those of Meta's released models: their params.json as shipped, and the
// intermediate_size of the Hugging Face conversion of each.
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/MetaParams.h"

#include "TestUtil.h"

using namespace llmc;
using namespace llmc::test;

namespace {

llvm::Expected<ModelConfig> parse(llvm::StringRef text, int64_t &vocab) {
  return parseMetaParams(text, text, vocab);
}

std::string paramsError(llvm::StringRef text) {
  int64_t vocab = 0;
  llvm::Expected<ModelConfig> config = parseMetaParams(text, "d/params.json", vocab);
  return errorOf(config);
}

TEST(MetaParamsTest, FeedForwardSizesOfReleasedModels) {
  struct Case {
    const char *params;
    int64_t intermediate;
  } cases[] = {
      // Llama 2 7B, 70B.
      {R"({"dim": 4096, "multiple_of": 256, "n_heads": 32, "n_layers": 32, "norm_eps": 1e-05,
           "vocab_size": -1})", 11008},
      {R"({"dim": 8192, "multiple_of": 4096, "ffn_dim_multiplier": 1.3, "n_heads": 64,
           "n_kv_heads": 8, "n_layers": 80, "norm_eps": 1e-05, "vocab_size": -1})", 28672},
      // Llama 3 8B, Llama 3.2 1B, Llama 3.1 405B.
      {R"({"dim": 4096, "n_layers": 32, "n_heads": 32, "n_kv_heads": 8, "vocab_size": 128256,
           "multiple_of": 1024, "ffn_dim_multiplier": 1.3, "norm_eps": 1e-05,
           "rope_theta": 500000.0})", 14336},
      {R"({"dim": 2048, "ffn_dim_multiplier": 1.5, "multiple_of": 256, "n_heads": 32,
           "n_kv_heads": 8, "n_layers": 16, "norm_eps": 1e-05, "rope_theta": 500000.0,
           "use_scaled_rope": true, "vocab_size": 128256})", 8192},
      {R"({"dim": 16384, "n_layers": 126, "n_heads": 128, "n_kv_heads": 8,
           "vocab_size": 128256, "ffn_dim_multiplier": 1.2, "multiple_of": 4096,
           "norm_eps": 1e-05, "rope_theta": 500000.0, "use_scaled_rope": true})", 53248},
  };
  for (const Case &c : cases) {
    int64_t vocab = 0;
    llvm::Expected<ModelConfig> config = parse(c.params, vocab);
    ASSERT_TRUE(bool(config)) << errorOf(config);
    EXPECT_EQ(config->intermediateSize, c.intermediate) << c.params;
  }
}

TEST(MetaParamsTest, Llama2Defaults) {
  int64_t vocab = 0;
  llvm::Expected<ModelConfig> config = parse(
      R"({"dim": 4096, "multiple_of": 256, "n_heads": 32, "n_layers": 32, "norm_eps": 1e-05,
          "vocab_size": -1})",
      vocab);
  ASSERT_TRUE(bool(config)) << errorOf(config);
  EXPECT_EQ(vocab, -1);
  EXPECT_EQ(config->numKVHeads, 32);
  EXPECT_EQ(config->headDim, 128);
  EXPECT_EQ(config->ropeTheta, 10000.0);
  EXPECT_EQ(config->ropeScaling.kind, RopeScaling::Kind::None);
  EXPECT_EQ(config->maxPositions, 4096);
}

TEST(MetaParamsTest, ScaledRopeIsLlama3Scaling) {
  int64_t vocab = 0;
  llvm::Expected<ModelConfig> config = parse(
      R"({"dim": 4096, "n_layers": 32, "n_heads": 32, "n_kv_heads": 8, "vocab_size": 128256,
          "multiple_of": 1024, "ffn_dim_multiplier": 1.3, "norm_eps": 1e-05,
          "rope_theta": 500000.0, "use_scaled_rope": true})",
      vocab);
  ASSERT_TRUE(bool(config)) << errorOf(config);
  EXPECT_EQ(vocab, 128256);
  EXPECT_EQ(config->numKVHeads, 8);
  EXPECT_EQ(config->ropeTheta, 500000.0);
  const RopeScaling &s = config->ropeScaling;
  EXPECT_EQ(s.kind, RopeScaling::Kind::Llama3);
  EXPECT_EQ(s.factor, 8.0);
  EXPECT_EQ(s.lowFreqFactor, 1.0);
  EXPECT_EQ(s.highFreqFactor, 4.0);
  EXPECT_EQ(s.originalMaxPositions, 8192);
  EXPECT_EQ(config->maxPositions, 131072);
}

TEST(MetaParamsTest, Errors) {
  EXPECT_CONTAINS(paramsError("[1]"), "d/params.json: is not a JSON object");
  EXPECT_CONTAINS(paramsError("{"), "d/params.json: params is not valid JSON");
  EXPECT_CONTAINS(paramsError(R"({"n_layers": 2, "n_heads": 4})"),
                  "d/params.json: missing integer 'dim'");
  EXPECT_CONTAINS(paramsError(R"({"dim": 64, "n_layers": 0, "n_heads": 4})"),
                  "'n_layers' must be an integer in [1, 100000]");
  EXPECT_CONTAINS(paramsError(R"({"dim": 64, "n_layers": 2, "n_heads": 5})"),
                  "'dim' must be a multiple of 'n_heads'");
  EXPECT_CONTAINS(paramsError(R"({"dim": 64, "n_layers": 2, "n_heads": 4, "n_kv_heads": 3})"),
                  "and 'n_heads' of 'n_kv_heads'");
  EXPECT_CONTAINS(paramsError(R"({"dim": 12, "n_layers": 2, "n_heads": 4})"),
                  "a head of 3 (dim / n_heads) is odd");
  EXPECT_CONTAINS(paramsError(R"({"dim": 64, "n_layers": 2, "n_heads": 4, "vocab_size": 0})"),
                  "'vocab_size' must be -1 or an integer");
  EXPECT_CONTAINS(paramsError(R"({"dim": 64, "n_layers": 2, "n_heads": 4, "norm_eps": -1})"),
                  "'norm_eps' must be a positive number");
  EXPECT_CONTAINS(
      paramsError(R"({"dim": 64, "n_layers": 2, "n_heads": 4, "use_scaled_rope": 1})"),
      "'use_scaled_rope' must be true or false");
  EXPECT_CONTAINS(
      paramsError(R"({"dim": 64, "n_layers": 2, "n_heads": 4, "ffn_dim_multiplier": 1e300})"),
      "the feed-forward size it implies (1073742080) is out of range");
}

} // namespace
