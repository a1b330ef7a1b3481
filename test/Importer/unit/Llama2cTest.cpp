//===- Llama2cTest.cpp - llama2.c checkpoints and tokenizer.bin ----------===//

#include "compiler/Importer/Importer.h"
#include "compiler/Importer/Llama2c.h"

#include "TestUtil.h"

using namespace llmc;
using namespace llmc::test;

namespace {

llvm::Expected<ImportedModel> readBytes(llvm::StringRef bytes) {
  return readLlama2cCheckpoint(llvm::MemoryBuffer::getMemBufferCopy(bytes, "m"), "m.bin");
}

TEST(Llama2cTest, Stories260K) {
  llvm::Expected<ImportedModel> model =
      importLlama2c(storiesFile("stories260K.bin"), storiesFile("tok512.bin"));
  ASSERT_TRUE(bool(model)) << errorOf(model);
  const ModelConfig &c = model->config;
  expectStories260KSizes(c);
  EXPECT_EQ(c.maxPositions, 512);
  EXPECT_TRUE(c.tieWordEmbeddings);
  EXPECT_EQ(c.rmsNormEps, 1e-5);
  EXPECT_EQ(c.ropeTheta, 10000.0);
  EXPECT_EQ(c.bosTokenId, 1);
  EXPECT_EQ(c.eosTokenId, 2);
  EXPECT_EQ(model->sourceDescription, "llama2.c checkpoint v0");

  const WeightStore &w = model->weights;
  ASSERT_EQ(w.tensors().size(), 1u + 5 * 9 + 1);
  EXPECT_EQ(w.tensors().front().name, "embed_tokens");
  EXPECT_EQ(w.tensors()[1].name, "layers.0.input_norm");
  EXPECT_EQ(w.tensors().back().name, "norm");
  EXPECT_FALSE(w.contains("lm_head"));
  EXPECT_EQ(w.get("layers.4.k_proj").shape, (std::vector<int64_t>{32, 64}));
  EXPECT_EQ(w.get("layers.4.down_proj").shape, (std::vector<int64_t>{64, 172}));
  EXPECT_EQ(w.get("embed_tokens").offset, 28u);
  // Layer 1's wq starts after embed (512*64), rms_att (5*64) and layer 0's wq (64*64).
  EXPECT_EQ(w.get("layers.1.q_proj").offset, 28u + 4 * (512 * 64 + 5 * 64 + 64 * 64));
  EXPECT_EQ(w.get("layers.1.q_proj").rowPermutation.size(), 64u);
  EXPECT_TRUE(w.get("layers.1.v_proj").rowPermutation.empty());

  // q rows come out in rotate-half order: result row h*8 + j*4 + i = file row h*8 + 2i + j.
  std::vector<float> q;
  ASSERT_EQ(errorOf(w.readF32("layers.2.q_proj", q)), "");
  const WeightTensor &t = w.get("layers.2.q_proj");
  const float *raw = reinterpret_cast<const float *>(t.file->getBufferStart() + t.offset);
  for (int h = 0; h < 8; ++h)
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 4; ++i)
        for (int col = 0; col < 64; ++col)
          ASSERT_EQ(q[(h * 8 + j * 4 + i) * 64 + col], raw[(h * 8 + 2 * i + j) * 64 + col]);

  ASSERT_TRUE(model->vocabulary.has_value());
  const Vocabulary &v = *model->vocabulary;
  ASSERT_EQ(v.pieces.size(), 512u);
  EXPECT_EQ(v.bosId, 1);
  EXPECT_EQ(v.eosId, 2);
  EXPECT_EQ(v.pieces[0].type, Vocabulary::TokenType::Unknown);
  EXPECT_EQ(v.pieces[1].type, Vocabulary::TokenType::Control);
  EXPECT_EQ(v.pieces[2].type, Vocabulary::TokenType::Control);
  EXPECT_EQ(v.pieces[3].text, "<0x00>");
  EXPECT_EQ(v.pieces[3].type, Vocabulary::TokenType::Byte);
  EXPECT_EQ(v.pieces[258].type, Vocabulary::TokenType::Byte);
  EXPECT_EQ(v.pieces[259].text, " t");
  EXPECT_EQ(v.pieces[259].type, Vocabulary::TokenType::Normal);
  EXPECT_EQ(v.pieces[260].score, -1.0f);
}

TEST(Llama2cTest, ImportModelDispatch) {
  llvm::Expected<ImportedModel> model = importModel(storiesFile("stories260K.bin"), "");
  ASSERT_TRUE(bool(model)) << errorOf(model);
  EXPECT_EQ(model->sourceDescription, "llama2.c checkpoint v0");
  llvm::Expected<ImportedModel> gguf = importModel(storiesFile("stories260K.gguf"), "");
  ASSERT_TRUE(bool(gguf)) << errorOf(gguf);
  EXPECT_EQ(gguf->sourceDescription, "GGUF v3 (F32)");
  llvm::Expected<ImportedModel> missing = importModel("/nonexistent/x.bin", "");
  EXPECT_CONTAINS(errorOf(missing), "/nonexistent/x.bin: ");
}

/// Copies `name` from the stories260K folder into `dir` as `as`.
void copyStoriesFile(const TempDir &dir, llvm::StringRef name, llvm::StringRef as) {
  ASSERT_FALSE(llvm::sys::fs::copy_file(storiesFile(name), dir.path(as)));
}

// Without --tokenizer, a checkpoint's tokenizer is looked for beside it as llama2.c's run does:
// tokenizer.bin first, then tok<vocab size>.bin; with neither, a warning names both.
TEST(Llama2cTest, FindsTheTokenizerBesideTheCheckpoint) {
  llvm::Expected<ImportedModel> stories = importModel(storiesFile("stories260K.bin"), "");
  ASSERT_TRUE(bool(stories)) << errorOf(stories);
  ASSERT_TRUE(stories->vocabulary.has_value()); // tok512.bin
  EXPECT_EQ(stories->vocabulary->pieces[259].text, " t");
  EXPECT_TRUE(stories->warnings.empty());

  TempDir dir;
  copyStoriesFile(dir, "stories260K.bin", "model.bin");
  llvm::Expected<ImportedModel> alone = importModel(dir.path("model.bin"), "");
  ASSERT_TRUE(bool(alone)) << errorOf(alone);
  EXPECT_FALSE(alone->vocabulary.has_value());
  ASSERT_EQ(alone->warnings.size(), 1u);
  EXPECT_CONTAINS(alone->warnings[0], dir.path("model.bin") +
                                          ": no tokenizer given and none beside the checkpoint "
                                          "(looked for " +
                                          dir.path("tokenizer.bin") + ", " +
                                          dir.path("tok512.bin") + ")");

  // Not looked for when the compile is told to have none.
  llvm::Expected<ImportedModel> told = importModel(dir.path("model.bin"), "", false);
  ASSERT_TRUE(bool(told)) << errorOf(told);
  EXPECT_TRUE(told->warnings.empty());

  // tokenizer.bin is preferred, and read as a tokenizer: a damaged one is an error naming it.
  copyStoriesFile(dir, "tok512.bin", "tok512.bin");
  llvm::Expected<ImportedModel> found = importModel(dir.path("model.bin"), "");
  ASSERT_TRUE(bool(found)) << errorOf(found);
  EXPECT_TRUE(found->vocabulary.has_value());
  writeFile(dir.path("tokenizer.bin"), "\x01\x02");
  llvm::Expected<ImportedModel> damaged = importModel(dir.path("model.bin"), "");
  EXPECT_CONTAINS(errorOf(damaged), dir.path("tokenizer.bin") + ": ");
}

/// Checks every tensor of a synthetic checkpoint against the section it must come from.
void checkSections(const ImportedModel &model, int version, bool shared) {
  Llama2cParams p;
  // Section index (in file order) of each canonical tensor kind.
  struct Kind {
    const char *name;
    int v0, v1;
    int64_t perLayer; // elements per layer, 0 = not per layer
  };
  int64_t kv = 4;
  std::vector<Kind> kinds = {
      {"embed_tokens", 0, 3, 0},       {"input_norm", 1, 0, 8},
      {"q_proj", 2, 4, 64},            {"k_proj", 3, 5, kv * 8},
      {"v_proj", 4, 6, kv * 8},        {"o_proj", 5, 7, 64},
      {"post_attention_norm", 6, 1, 8}, {"gate_proj", 7, 8, 12 * 8},
      {"down_proj", 8, 9, 8 * 12},     {"up_proj", 9, 10, 12 * 8},
      {"norm", 10, 2, 0},              {"lm_head", version == 0 ? 13 : 11, 11, 0},
  };
  for (const Kind &k : kinds) {
    if (llvm::StringRef(k.name) == "lm_head" && shared) {
      EXPECT_FALSE(model.weights.contains("lm_head"));
      continue;
    }
    int section = version == 0 ? k.v0 : k.v1;
    for (int l = 0; l < (k.perLayer ? p.layers : 1); ++l) {
      std::string name = k.perLayer ? "layers." + std::to_string(l) + "." + k.name : k.name;
      std::vector<float> data;
      ASSERT_EQ(errorOf(model.weights.readF32(name, data)), "") << name;
      const WeightTensor &t = model.weights.get(name);
      int64_t cols = t.shape.size() == 2 ? t.shape[1] : 1;
      for (int64_t r = 0; r < t.shape[0]; ++r) {
        int64_t sourceRow = t.rowPermutation.empty() ? r : t.rowPermutation[r];
        float expected = float(section * 100000 + l * k.perLayer + sourceRow * cols);
        ASSERT_EQ(data[r * cols], expected) << name << " row " << r;
      }
    }
  }
}

TEST(Llama2cTest, SyntheticVersionsAndClassifiers) {
  for (int version : {0, 1}) {
    for (bool shared : {true, false}) {
      SCOPED_TRACE("version " + std::to_string(version) + (shared ? " shared" : " unshared"));
      llvm::Expected<ImportedModel> model = readBytes(makeLlama2c({}, version, shared));
      ASSERT_TRUE(bool(model)) << errorOf(model);
      EXPECT_EQ(model->config.tieWordEmbeddings, shared);
      EXPECT_EQ(model->config.vocabSize, 10);
      EXPECT_EQ(model->sourceDescription, "llama2.c checkpoint v" + std::to_string(version));
      checkSections(*model, version, shared);
      // q_proj (2 heads of 4 rows): rows 0..3 of head 0 come from 0, 2, 1, 3.
      EXPECT_EQ(model->weights.get("layers.0.q_proj").rowPermutation,
                (std::vector<int64_t>{0, 2, 1, 3, 4, 6, 5, 7}));
      EXPECT_EQ(model->weights.get("layers.1.k_proj").rowPermutation,
                (std::vector<int64_t>{0, 2, 1, 3}));
    }
  }
}

TEST(Llama2cTest, CheckpointErrors) {
  std::string good = makeLlama2c({}, 0, true);
  llvm::Expected<ImportedModel> m = readBytes(good + "xx");
  EXPECT_CONTAINS(errorOf(m), "m.bin: file is " + std::to_string(good.size() + 2) +
                                  " bytes but a llama2.c checkpoint with this header needs " +
                                  std::to_string(good.size()));
  m = readBytes(good.substr(0, good.size() - 4));
  EXPECT_CONTAINS(errorOf(m), "with this header needs " + std::to_string(good.size()));
  m = readBytes("abc");
  EXPECT_CONTAINS(errorOf(m), "m.bin: file is 3 bytes, too small for a llama2.c checkpoint");

  Llama2cParams p;
  p.heads = 0;
  m = readBytes(makeLlama2c(p, 0, true));
  EXPECT_CONTAINS(errorOf(m), "m.bin: invalid llama2.c header (dim 8, hidden_dim 12, n_layers 2, "
                              "n_heads 0, n_kv_heads 1, vocab_size 10, seq_len 4): every field "
                              "must be positive");
  p = {};
  p.kvHeads = 3;
  m = readBytes(makeLlama2c(p, 0, true));
  EXPECT_CONTAINS(errorOf(m), "n_kv_heads must divide n_heads");
  p = {};
  p.heads = 8; // head size 1: odd
  p.kvHeads = 8;
  m = readBytes(makeLlama2c(p, 0, true));
  EXPECT_CONTAINS(errorOf(m), "must be even");
  p = {};
  p.vocab = 2; // no room for </s> (found by fuzz_llama2c)
  m = readBytes(makeLlama2c(p, 0, true));
  EXPECT_CONTAINS(errorOf(m), "vocab_size must be at least 3");
  // A header whose sizes overflow 64 bits.
  std::string huge;
  for (int32_t field : {1 << 30, 1 << 30, 1 << 30, 1 << 10, 1 << 10, 1 << 30, 1 << 30})
    appendRaw<int32_t>(huge, field);
  m = readBytes(huge);
  EXPECT_CONTAINS(errorOf(m), "m.bin: file is 28 bytes but a llama2.c checkpoint with this "
                              "header needs more than 2^64 bytes");

  std::string v2 = makeLlama2c({}, 1, true);
  v2[4] = 2;
  m = readBytes(v2);
  EXPECT_CONTAINS(errorOf(m), "m.bin: llama2.c checkpoint version 2 is not supported");
  m = readBytes(v2.substr(0, 100));
  EXPECT_CONTAINS(errorOf(m), "too small for a llama2.c version 1 header");
}

std::string tokenizerBytes(int count, int32_t maxLength = 8) {
  std::string bytes;
  appendRaw<int32_t>(bytes, maxLength);
  for (int i = 0; i < count; ++i) {
    std::string text = i == 3 ? "<0x41>" : "t" + std::to_string(i);
    appendRaw<float>(bytes, -float(i));
    appendRaw<int32_t>(bytes, int32_t(text.size()));
    bytes += text;
  }
  return bytes;
}

llvm::Expected<Vocabulary> readTokenizer(llvm::StringRef bytes, int64_t vocab) {
  return readLlama2cTokenizer(llvm::MemoryBufferRef(bytes, "tok"), "tok.bin", vocab);
}

TEST(Llama2cTest, TokenizerErrors) {
  std::string good = tokenizerBytes(10);
  llvm::Expected<Vocabulary> v = readTokenizer(good, 10);
  ASSERT_TRUE(bool(v)) << errorOf(v);
  EXPECT_EQ(v->pieces[3].type, Vocabulary::TokenType::Byte);
  EXPECT_EQ(v->pieces[9].text, "t9");
  EXPECT_EQ(v->pieces[9].score, -9.0f);

  v = readTokenizer(good, 11);
  EXPECT_CONTAINS(errorOf(v), "tok.bin: file ends inside token 10 of 11");
  v = readTokenizer(good, 9);
  EXPECT_CONTAINS(errorOf(v), "tok.bin: 10 bytes follow the last of the 9 tokens");
  v = readTokenizer(good.substr(0, good.size() - 1), 10);
  EXPECT_CONTAINS(errorOf(v), "file ends inside token 9 of 10");
  v = readTokenizer(tokenizerBytes(10, 2), 10);
  EXPECT_CONTAINS(errorOf(v), "tok.bin: token 3 has length 6 outside [0, max_token_length 2]");
  v = readTokenizer("ab", 10);
  EXPECT_CONTAINS(errorOf(v), "tok.bin: file is 2 bytes, too small for a llama2.c tokenizer");
  v = readTokenizer(tokenizerBytes(0, -1), 10);
  EXPECT_CONTAINS(errorOf(v), "max_token_length is -1");
  // What the runtime could not open (found by fuzz_llama2c): EOS (2) outside the vocabulary,
  // a NaN score.
  v = readTokenizer(tokenizerBytes(2), 2);
  EXPECT_CONTAINS(errorOf(v), "tok.bin: eos_id 2 is not a piece of the 2 in the vocabulary");
  std::string nan = good;
  patch<uint32_t>(nan, 4, 0x7fc00000);
  v = readTokenizer(nan, 10);
  EXPECT_CONTAINS(errorOf(v), "tok.bin: token 0 has a NaN score");
}

} // namespace
