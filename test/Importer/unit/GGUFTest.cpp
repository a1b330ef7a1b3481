//===- GGUFTest.cpp - GGUF import and quantized tensors in the WeightStore -===//

#include "compiler/Importer/GGUF.h"
#include "compiler/Importer/Importer.h"
#include "compiler/Importer/Llama2c.h"
#include "runtime/quant_format.h"

#include "TestUtil.h"
#include "test/common/GGUFWriter.h"

#include <cmath>
#include <map>
#include <random>

using namespace llmc;
using namespace llmc::test;

namespace {

/// Value i of tensor k: k + i / 1024, distinct across rows and tensors and exact in float.
std::string f32Data(int64_t k, int64_t count) {
  return encode("F32", count, [k](int64_t i) { return float(k) + float(i) / 1024; });
}

/// A GGUF llama with the sizes of TinyLlama (hidden 8, ffn 12, 2 layers, 2 heads, 1 KV head,
/// vocab 10), F32 tensors, and a SentencePiece vocabulary.
GGUFWriter tinyGGUF(const TinyLlama &m = TinyLlama(), bool withOutput = true,
                    const char *gpt2Pre = nullptr) {
  GGUFWriter w;
  w.string("general.architecture", "llama");
  w.string("general.name", "tiny");
  w.u32("llama.context_length", 64);
  w.u32("llama.embedding_length", m.hidden);
  w.u32("llama.block_count", m.layers);
  w.u32("llama.feed_forward_length", m.intermediate);
  w.u32("llama.attention.head_count", m.heads);
  w.u32("llama.attention.head_count_kv", m.kvHeads);
  w.u32("llama.rope.dimension_count", m.headDim());
  w.f32("llama.rope.freq_base", 500000.0f);
  w.f32("llama.attention.layer_norm_rms_epsilon", 1e-6f);
  if (gpt2Pre) { // a byte-level vocabulary: U+0120 is GPT-2's alphabet for ' '
    w.string("tokenizer.ggml.model", "gpt2");
    w.string("tokenizer.ggml.pre", gpt2Pre);
    std::vector<std::string> tokens = {"a", "b", "ab", "\xC4\xA0", "\xC4\xA0" "ab",
                                       "<|bos|>", "<|eot|>", "c", "x", "y"};
    tokens.resize(m.vocab, "z");
    w.strings("tokenizer.ggml.tokens", tokens);
    w.strings("tokenizer.ggml.merges", {"a b", "\xC4\xA0 ab"});
    std::vector<int32_t> types = {1, 1, 1, 1, 1, 3, 3, 1, 1, 1};
    types.resize(m.vocab, 1);
    w.array<int32_t>("tokenizer.ggml.token_type", kI32, types);
    w.u32("tokenizer.ggml.bos_token_id", 5);
    w.u32("tokenizer.ggml.eos_token_id", 6);
  } else {
    w.string("tokenizer.ggml.model", "llama");
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "<0x41>", "\xE2\x96\x81" "a", "b",
                                       "\xE2\x96\x81" "ab", "<user>", "<unused>", "c"};
    tokens.resize(m.vocab, "x");
    w.strings("tokenizer.ggml.tokens", tokens);
    std::vector<float> scores;
    for (int64_t i = 0; i < m.vocab; ++i)
      scores.push_back(-float(i));
    w.array<float>("tokenizer.ggml.scores", kF32, scores);
    std::vector<int32_t> types = {2, 3, 3, 6, 1, 1, 1, 4, 5, 0};
    types.resize(m.vocab, 1);
    w.array<int32_t>("tokenizer.ggml.token_type", kI32, types);
    w.u32("tokenizer.ggml.bos_token_id", 1);
    w.u32("tokenizer.ggml.eos_token_id", 2);
    w.boolean("tokenizer.ggml.add_space_prefix", false);
  }

  uint64_t h = m.hidden, ffn = m.intermediate, q = m.heads * m.headDim(),
           kvd = m.kvHeads * m.headDim(), v = m.vocab;
  int64_t k = 0;
  auto add = [&](const std::string &name, std::vector<uint64_t> dims) {
    int64_t count = 1;
    for (uint64_t d : dims)
      count *= int64_t(d);
    w.tensor(name, dims, kTF32, f32Data(k++, count));
  };
  add("token_embd.weight", {h, v});
  for (int64_t l = 0; l < m.layers; ++l) {
    std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", {h});
    add(p + "attn_q.weight", {h, q});
    add(p + "attn_k.weight", {h, kvd});
    add(p + "attn_v.weight", {h, kvd});
    add(p + "attn_output.weight", {q, h});
    add(p + "ffn_norm.weight", {h});
    add(p + "ffn_gate.weight", {h, ffn});
    add(p + "ffn_up.weight", {h, ffn});
    add(p + "ffn_down.weight", {ffn, h});
  }
  add("output_norm.weight", {h});
  if (withOutput)
    add("output.weight", {h, v});
  return w;
}

llvm::Expected<ImportedModel> readGGUFBytes(llvm::StringRef bytes) {
  return readGGUFModel(llvm::MemoryBuffer::getMemBufferCopy(bytes, "m"), "m.gguf");
}

/// The error of reading `bytes` as a GGUF model ("" when it reads).
std::string ggufError(llvm::StringRef bytes) {
  llvm::Expected<ImportedModel> model = readGGUFBytes(bytes);
  return errorOf(model);
}

//===----------------------------------------------------------------------===//
// The real file: stories260K.gguf against the llama2.c checkpoint
//===----------------------------------------------------------------------===//

TEST(GGUFTest, Stories260KConfigAndVocabulary) {
  llvm::Expected<ImportedModel> model = importGGUF(storiesFile("stories260K.gguf"));
  ASSERT_TRUE(bool(model)) << errorOf(model);
  const ModelConfig &c = model->config;
  expectStories260KSizes(c);
  EXPECT_EQ(c.maxPositions, 128); // what the converter wrote
  EXPECT_FLOAT_EQ(float(c.rmsNormEps), 1e-5f);
  EXPECT_EQ(c.ropeTheta, 10000.0);
  EXPECT_EQ(c.ropeScaling.kind, RopeScaling::Kind::None);
  EXPECT_FALSE(c.tieWordEmbeddings); // the converter writes output.weight
  EXPECT_EQ(c.bosTokenId, 1);
  EXPECT_EQ(c.eosTokenId, 2);
  EXPECT_EQ(model->sourceDescription, "GGUF v3 (F32)");

  // The vocabulary is tok512.bin's.
  ASSERT_TRUE(model->vocabulary.has_value());
  const Vocabulary &v = *model->vocabulary;
  EXPECT_EQ(v.bosId, 1);
  EXPECT_EQ(v.eosId, 2);
  EXPECT_EQ(v.dummyPrefix, Vocabulary::DummyPrefix::Always);
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> tokFile =
      llvm::errorOrToExpected(llvm::MemoryBuffer::getFile(storiesFile("tok512.bin")));
  ASSERT_TRUE(bool(tokFile)) << errorOf(tokFile);
  llvm::Expected<Vocabulary> ref =
      readLlama2cTokenizer((*tokFile)->getMemBufferRef(), "tok512.bin", 512);
  ASSERT_TRUE(bool(ref)) << errorOf(ref);
  ASSERT_EQ(v.pieces.size(), ref->pieces.size());
  for (size_t i = 0; i < v.pieces.size(); ++i) {
    // tokenizer.bin spells <s> and </s> "\n<s>\n" and "\n</s>\n"; the GGUF does not.
    if (i != 1 && i != 2)
      EXPECT_EQ(v.pieces[i].text, ref->pieces[i].text) << i;
    EXPECT_EQ(v.pieces[i].score, ref->pieces[i].score) << i;
    EXPECT_EQ(v.pieces[i].type, ref->pieces[i].type) << i;
  }
}

TEST(GGUFTest, Stories260KTensorsEqualTheLlama2cCheckpoint) {
  // Both importers undo their format's interleaved q/k layout independently; equal tensors
  // prove the GGUF permutation (the llama2.c one is checked against transformers elsewhere).
  llvm::Expected<ImportedModel> gguf = importModel(storiesFile("stories260K.gguf"), "");
  ASSERT_TRUE(bool(gguf)) << errorOf(gguf);
  llvm::Expected<ImportedModel> bin = importLlama2c(storiesFile("stories260K.bin"), "");
  ASSERT_TRUE(bool(bin)) << errorOf(bin);
  size_t compared = 0;
  std::vector<float> a, b;
  for (const WeightTensor &t : bin->weights.tensors()) {
    ASSERT_TRUE(gguf->weights.contains(t.name)) << t.name;
    EXPECT_EQ(gguf->weights.get(t.name).shape, t.shape) << t.name;
    ASSERT_EQ(errorOf(bin->weights.readF32(t.name, a)), "");
    ASSERT_EQ(errorOf(gguf->weights.readF32(t.name, b)), "");
    EXPECT_TRUE(a == b) << t.name;
    ++compared;
  }
  EXPECT_EQ(compared, 1 + 5 * 9 + 1u);
  // The checkpoint shares its classifier; the GGUF holds a copy.
  ASSERT_EQ(errorOf(bin->weights.readF32("embed_tokens", a)), "");
  ASSERT_EQ(errorOf(gguf->weights.readF32("lm_head", b)), "");
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(gguf->weights.get("layers.0.q_proj").rowPermutation.empty());
  EXPECT_FALSE(gguf->weights.get("layers.4.k_proj").rowPermutation.empty());
  EXPECT_TRUE(gguf->weights.get("layers.0.v_proj").rowPermutation.empty());
}

//===----------------------------------------------------------------------===//
// Hand-built files that read
//===----------------------------------------------------------------------===//

TEST(GGUFTest, TinyModel) {
  TinyLlama m;
  std::string bytes = tinyGGUF(m).build();
  llvm::Expected<ImportedModel> model = readGGUFBytes(bytes);
  ASSERT_TRUE(bool(model)) << errorOf(model);
  const ModelConfig &c = model->config;
  EXPECT_EQ(c.hiddenSize, 8);
  EXPECT_EQ(c.intermediateSize, 12);
  EXPECT_EQ(c.numLayers, 2);
  EXPECT_EQ(c.numHeads, 2);
  EXPECT_EQ(c.numKVHeads, 1);
  EXPECT_EQ(c.headDim, 4);
  EXPECT_EQ(c.vocabSize, 10);
  EXPECT_EQ(c.maxPositions, 64);
  EXPECT_EQ(c.ropeTheta, 500000.0);
  EXPECT_FLOAT_EQ(float(c.rmsNormEps), 1e-6f);
  EXPECT_FALSE(c.tieWordEmbeddings);
  EXPECT_FALSE(c.attentionBias);

  // Shapes reversed, canonical order as every importer.
  const WeightStore &w = model->weights;
  ASSERT_EQ(w.tensors().size(), 1 + 2 * 9 + 2u);
  EXPECT_EQ(w.tensors()[0].name, "embed_tokens");
  EXPECT_EQ(w.tensors()[2].name, "layers.0.q_proj");
  EXPECT_EQ(w.get("embed_tokens").shape, (std::vector<int64_t>{10, 8}));
  EXPECT_EQ(w.get("layers.1.down_proj").shape, (std::vector<int64_t>{8, 12}));
  EXPECT_EQ(w.get("layers.0.k_proj").shape, (std::vector<int64_t>{4, 8}));

  // q_proj (tensor 2): two heads of 4 rows, stored interleaved (0 1 2 3) -> rotate-half (0 2 1 3).
  std::vector<float> out;
  ASSERT_EQ(errorOf(w.readF32("layers.0.q_proj", out)), "");
  std::vector<int64_t> sourceRows = {0, 2, 1, 3, 4, 6, 5, 7};
  for (int64_t r = 0; r < 8; ++r)
    for (int64_t col = 0; col < 8; ++col)
      EXPECT_EQ(out[r * 8 + col], 2.0f + float(sourceRows[r] * 8 + col) / 1024) << r;
  // k_proj (tensor 3): one KV head.
  ASSERT_EQ(errorOf(w.readF32("layers.0.k_proj", out)), "");
  EXPECT_EQ(out[1 * 8], 3.0f + float(2 * 8) / 1024);
  // v_proj is not permuted.
  ASSERT_EQ(errorOf(w.readF32("layers.0.v_proj", out)), "");
  EXPECT_EQ(out[1 * 8], 4.0f + float(1 * 8) / 1024);

  ASSERT_TRUE(model->vocabulary.has_value());
  const Vocabulary &v = *model->vocabulary;
  ASSERT_EQ(v.pieces.size(), 10u);
  EXPECT_EQ(v.pieces[0].type, Vocabulary::TokenType::Unknown);
  EXPECT_EQ(v.pieces[1].type, Vocabulary::TokenType::Control);
  EXPECT_EQ(v.pieces[3].type, Vocabulary::TokenType::Byte);
  EXPECT_EQ(v.pieces[4].text, " a");
  EXPECT_EQ(v.pieces[6].text, " ab");
  EXPECT_EQ(v.pieces[6].score, -6.0f);
  EXPECT_EQ(v.pieces[7].type, Vocabulary::TokenType::Normal);  // user-defined
  EXPECT_EQ(v.pieces[8].type, Vocabulary::TokenType::Control); // unused
  EXPECT_EQ(v.pieces[9].type, Vocabulary::TokenType::Normal);  // undefined
  EXPECT_EQ(v.dummyPrefix, Vocabulary::DummyPrefix::None);
  EXPECT_EQ(v.bosId, 1);
  EXPECT_EQ(v.eosId, 2);
}

TEST(GGUFTest, TiedVersion2AndOtherTokenizers) {
  GGUFWriter w = tinyGGUF(TinyLlama(), /*withOutput=*/false);
  w.version = 2;
  w.alignment = 64;
  w.u32("general.alignment", 64);
  llvm::Expected<ImportedModel> model = readGGUFBytes(w.build());
  ASSERT_TRUE(bool(model)) << errorOf(model);
  EXPECT_TRUE(model->config.tieWordEmbeddings);
  EXPECT_FALSE(model->weights.contains("lm_head"));
  EXPECT_EQ(model->sourceDescription, "GGUF v2 (F32)");

  // A BPE tokenizer llmc cannot read yet: no vocabulary, the model still reads, and the
  // tokenizer is named for the driver to refuse (or drop with --no-tokenizer).
  std::string bytes = tinyGGUF().build();
  size_t at = bytes.find("llama", bytes.find("tokenizer.ggml.model"));
  bytes.replace(at, 5, "gpt2x");
  model = readGGUFBytes(bytes);
  ASSERT_TRUE(bool(model)) << errorOf(model);
  EXPECT_FALSE(model->vocabulary.has_value());
  EXPECT_CONTAINS(model->unreadTokenizer, ": tokenizer.ggml.model 'gpt2x' is not supported");
  EXPECT_EQ(model->config.vocabSize, 10);
}

TEST(GGUFTest, ByteLevelVocabulary) {
  llvm::Expected<ImportedModel> model = readGGUFBytes(tinyGGUF(TinyLlama(), true, "llama-bpe").build());
  ASSERT_TRUE(bool(model)) << errorOf(model);
  ASSERT_TRUE(model->vocabulary.has_value()) << model->unreadTokenizer;
  const Vocabulary &v = *model->vocabulary;
  EXPECT_EQ(v.model, Vocabulary::Model::ByteLevel);
  EXPECT_EQ(v.preTokenizer, Vocabulary::PreTokenizer::Llama3);
  EXPECT_TRUE(v.parseSpecial);
  EXPECT_TRUE(v.wholePieces);
  EXPECT_EQ(v.bosId, 5);
  EXPECT_EQ(v.eosId, 6);
  EXPECT_EQ(v.pieces[3].text, " "); // GPT-2's alphabet undone
  EXPECT_EQ(v.pieces[4].text, " ab");
  EXPECT_EQ(v.pieces[5].text, "<|bos|>");
  EXPECT_EQ(v.pieces[5].type, Vocabulary::TokenType::Control);
  ASSERT_EQ(v.merges.size(), 2u);
  EXPECT_EQ(v.merges[1].left, 3u);
  EXPECT_EQ(v.merges[1].right, 2u);
  EXPECT_EQ(v.merges[1].result, 4u);

  // Another pre-tokenizer is named and not read; the model still imports.
  model = readGGUFBytes(tinyGGUF(TinyLlama(), true, "qwen2").build());
  ASSERT_TRUE(bool(model)) << errorOf(model);
  EXPECT_FALSE(model->vocabulary.has_value());
  EXPECT_CONTAINS(model->unreadTokenizer, "tokenizer.ggml.pre 'qwen2' is not supported");
}

TEST(GGUFTest, QuantizedTensors) {
  // A model with 32-wide rows so that Q8_0 and Q4_0 blocks fit.
  TinyLlama m;
  m.hidden = 32;
  m.intermediate = 64;
  m.heads = 4;
  m.kvHeads = 2;
  GGUFWriter w = tinyGGUF(m);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::map<std::string, std::vector<float>> floats;
  for (GGUFWriter::Tensor &t : w.tensors) {
    if (t.dims.size() != 2)
      continue;
    int64_t count = int64_t(t.dims[0] * t.dims[1]);
    std::vector<float> x(count);
    for (float &f : x)
      f = normal(rng);
    bool q8 = t.name.find("attn_q") != std::string::npos || t.name.find("ffn") != std::string::npos;
    t.type = q8 ? kTQ8_0 : kTQ4_0;
    t.data.assign(count / 32 * (q8 ? 34 : 18), '\0');
    if (q8)
      llmrt_quantize_row_q8_0(x.data(), count, t.data.data());
    else
      llmrt_quantize_row_q4_0(x.data(), count, t.data.data());
    floats[t.name] = std::move(x);
  }
  std::string bytes = w.build();
  llvm::Expected<ImportedModel> model = readGGUFBytes(bytes);
  ASSERT_TRUE(bool(model)) << errorOf(model);
  EXPECT_EQ(model->sourceDescription, "GGUF v3 (F32, Q4_0, Q8_0)");
  const WeightStore &ws = model->weights;
  EXPECT_EQ(ws.get("layers.0.q_proj").dtype, DType::Q8_0);
  EXPECT_EQ(ws.get("layers.0.k_proj").dtype, DType::Q4_0);
  EXPECT_EQ(ws.get("layers.0.q_proj").numBytes(), 32u * 34);

  // readF32 = dequantized source rows, permuted; readRaw = the source bytes, permuted by rows.
  std::vector<float> out;
  std::vector<uint8_t> raw;
  for (const char *name : {"layers.1.q_proj", "layers.1.k_proj", "layers.1.v_proj"}) {
    const WeightTensor &t = ws.get(name);
    int64_t rows = t.shape[0], cols = t.shape[1];
    uint64_t rowBytes = llmc::rowBytes(t.dtype, cols);
    ASSERT_EQ(errorOf(ws.readF32(name, out)), "");
    ASSERT_EQ(errorOf(ws.readRaw(name, raw)), "");
    ASSERT_EQ(out.size(), size_t(rows * cols));
    ASSERT_EQ(raw.size(), rows * rowBytes);
    const char *source = bytes.data() + t.offset;
    bool permuted = llvm::StringRef(name) != "layers.1.v_proj";
    std::vector<int64_t> headPerm = interleavedToRotateHalf(rows / 8, 8);
    std::vector<float> row(cols);
    for (int64_t r = 0; r < rows; ++r) {
      int64_t src = permuted ? headPerm[r] : r;
      EXPECT_EQ(std::memcmp(raw.data() + r * rowBytes, source + src * rowBytes, rowBytes), 0);
      llmrt_dequantize_row(t.dtype == DType::Q8_0 ? LLMRT_Q8_0 : LLMRT_Q4_0,
                           source + src * rowBytes, cols, row.data());
      for (int64_t col = 0; col < cols; ++col)
        ASSERT_EQ(out[r * cols + col], row[col]) << name << " " << r;
    }
  }
  // Quantization error is what the scheme promises.
  ASSERT_EQ(errorOf(ws.readF32("layers.0.gate_proj", out)), "");
  const std::vector<float> &x = floats["blk.0.ffn_gate.weight"];
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i)
    worst = std::max(worst, double(std::fabs(out[i] - x[i])));
  EXPECT_LT(worst, 0.05);
}

TEST(GGUFTest, BiasesAndLinearRope) {
  GGUFWriter w = tinyGGUF();
  w.string("llama.rope.scaling.type", "linear");
  w.f32("llama.rope.scaling.factor", 4.0f);
  for (int64_t l = 0; l < 2; ++l) {
    std::string p = "blk." + std::to_string(l) + ".";
    w.tensor(p + "attn_q.bias", {8}, kTF32, f32Data(100, 8));
    w.tensor(p + "attn_k.bias", {4}, kTF32, f32Data(101, 4));
    w.tensor(p + "attn_v.bias", {4}, kTF32, f32Data(102, 4));
    w.tensor(p + "attn_output.bias", {8}, kTF32, f32Data(103, 8));
  }
  llvm::Expected<ImportedModel> model = readGGUFBytes(w.build());
  ASSERT_TRUE(bool(model)) << errorOf(model);
  EXPECT_TRUE(model->config.attentionBias);
  EXPECT_FALSE(model->config.mlpBias);
  EXPECT_EQ(model->config.ropeScaling.kind, RopeScaling::Kind::Linear);
  EXPECT_EQ(model->config.ropeScaling.factor, 4.0);
  std::vector<float> out;
  ASSERT_EQ(errorOf(model->weights.readF32("layers.1.q_proj.bias", out)), "");
  EXPECT_EQ(out[1], 100.0f + 2.0f / 1024); // rotate-half row 1 = interleaved row 2
}

//===----------------------------------------------------------------------===//
// The WeightStore with quantized tensors
//===----------------------------------------------------------------------===//

TEST(GGUFTest, WeightStoreQuantizedTypes) {
  EXPECT_EQ(dtypeName(DType::Q4_K), "q4_k");
  EXPECT_EQ(blockSize(DType::Q6_K), 256);
  EXPECT_EQ(blockSize(DType::F16), 1);
  EXPECT_TRUE(isQuantized(DType::Q4_1));
  EXPECT_FALSE(isQuantized(DType::BF16));
  EXPECT_EQ(rowBytes(DType::Q8_0, 64), 68u);
  EXPECT_EQ(rowBytes(DType::Q4_1, 32), 20u);
  EXPECT_EQ(rowBytes(DType::Q4_K, 512), 288u);
  EXPECT_EQ(rowBytes(DType::Q6_K, 256), 210u);
  EXPECT_EQ(rowBytes(DType::F16, 3), 6u);

  // Every scheme: 4 rows of 256, permuted; readF32 matches the runtime's dequantizer.
  struct Scheme {
    DType dtype;
    llmrt_quant_scheme scheme;
  };
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  for (Scheme s : {Scheme{DType::Q8_0, LLMRT_Q8_0}, Scheme{DType::Q4_0, LLMRT_Q4_0},
                   Scheme{DType::Q4_1, LLMRT_Q4_1}, Scheme{DType::Q4_K, LLMRT_Q4_K},
                   Scheme{DType::Q6_K, LLMRT_Q6_K}}) {
    const int64_t rows = 4, cols = 256;
    std::vector<float> x(rows * cols);
    for (float &f : x)
      f = normal(rng);
    uint64_t bytesPerRow = rowBytes(s.dtype, cols);
    std::string bytes(8 + rows * bytesPerRow, '\0');
    for (int64_t r = 0; r < rows; ++r)
      llmrt_quantize_row(s.scheme, x.data() + r * cols, cols, &bytes[8 + r * bytesPerRow]);
    auto buffer = std::shared_ptr<llvm::MemoryBuffer>(
        llvm::MemoryBuffer::getMemBufferCopy(bytes, "q"));
    WeightStore store;
    ASSERT_EQ(errorOf(store.addMapped("w", s.dtype, {rows, cols}, buffer, 8, "q.bin")), "");
    EXPECT_EQ(store.get("w").numBytes(), rows * bytesPerRow);
    ASSERT_EQ(errorOf(store.permuteRows("w", {3, 1, 0, 2})), "");
    std::vector<float> out;
    std::vector<uint8_t> raw;
    ASSERT_EQ(errorOf(store.readF32("w", out)), "");
    ASSERT_EQ(errorOf(store.readRaw("w", raw)), "");
    std::vector<float> row(cols);
    int64_t perm[] = {3, 1, 0, 2};
    for (int64_t r = 0; r < rows; ++r) {
      const char *src = buffer->getBufferStart() + 8 + perm[r] * bytesPerRow;
      llmrt_dequantize_row(s.scheme, src, cols, row.data());
      EXPECT_TRUE(std::equal(row.begin(), row.end(), out.begin() + r * cols))
          << dtypeName(s.dtype).str() << " row " << r;
      EXPECT_EQ(std::memcmp(raw.data() + r * bytesPerRow, src, bytesPerRow), 0);
    }
  }

  // Rows must be whole blocks; a 1-D quantized tensor cannot be permuted.
  auto buffer = std::shared_ptr<llvm::MemoryBuffer>(
      llvm::MemoryBuffer::getMemBufferCopy(std::string(1024, '\0'), "q"));
  WeightStore store;
  EXPECT_CONTAINS(errorOf(store.addMapped("a", DType::Q4_0, {2, 48}, buffer, 0, "q.bin")),
                  "q.bin: tensor 'a' (q4_0 [2, 48]): rows of q4_0 must be a multiple of 32");
  EXPECT_CONTAINS(errorOf(store.addMapped("a", DType::Q8_0, {1024}, buffer, 0, "q.bin")),
                  "q.bin: tensor 'a' (q8_0 [1024], 1088 bytes at offset 0) lies outside");
  ASSERT_EQ(errorOf(store.addMapped("b", DType::Q8_0, {64}, buffer, 0, "q.bin")), "");
  // Empty tensors need no bytes, however large their other dimensions.
  ASSERT_EQ(errorOf(store.addMapped("z", DType::Q4_K, {int64_t(1) << 62, 0}, buffer, 1024,
                                    "q.bin")),
            "");
  EXPECT_EQ(store.get("z").numBytes(), 0u);
  std::vector<int64_t> identity(64);
  for (int64_t i = 0; i < 64; ++i)
    identity[i] = i;
  EXPECT_CONTAINS(errorOf(store.permuteRows("b", identity)),
                  "cannot permute the values of the one-dimensional q8_0 tensor 'b'");
}

//===----------------------------------------------------------------------===//
// Corrupt and unsupported files
//===----------------------------------------------------------------------===//

TEST(GGUFTest, BadHeaders) {
  std::string good = tinyGGUF().build();
  ASSERT_EQ(ggufError(good), "");

  std::string bytes = good;
  bytes[0] = 'X';
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: not a GGUF file");
  EXPECT_CONTAINS(ggufError("GGU"), "m.gguf: file is 3 bytes, too small for a GGUF header");

  for (uint32_t version : {1u, 99u, 0u}) {
    bytes = good;
    patch<uint32_t>(bytes, 4, version);
    EXPECT_CONTAINS(ggufError(bytes), "m.gguf: GGUF version " + std::to_string(version) +
                                          " is not supported (llmc reads versions 2 and 3)");
  }
  bytes = good;
  patch<uint32_t>(bytes, 4, 0x03000000u);
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: big-endian GGUF files are not supported");

  bytes = good;
  patch<uint64_t>(bytes, 8, uint64_t(1) << 40);
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: tensor count 1099511627776 is larger than the file");
  bytes = good;
  patch<uint64_t>(bytes, 8, ~uint64_t(0));
  EXPECT_CONTAINS(ggufError(bytes), "tensor count 18446744073709551615 is larger than the file");
  bytes = good;
  patch<uint64_t>(bytes, 16, uint64_t(1) << 40);
  EXPECT_CONTAINS(ggufError(bytes),
                  "m.gguf: metadata count 1099511627776 is larger than the file can hold");

  // The first key's length (at offset 24) past the end.
  bytes = good;
  patch<uint64_t>(bytes, 24, uint64_t(1) << 50);
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: string length 1125899906842624 of metadata key 0 "
                                    "at offset 24 runs past the end of the file");
  // A string value's length past the end.
  bytes = good;
  size_t at = bytes.find("general.name") + std::strlen("general.name") + 4;
  patch<uint64_t>(bytes, at, uint64_t(1) << 33);
  EXPECT_CONTAINS(ggufError(bytes), "string length 8589934592 of the value of metadata key "
                                    "'general.name' at offset " + std::to_string(at) +
                                    " runs past the end of the file");
}

TEST(GGUFTest, BadMetadata) {
  std::string good = tinyGGUF().build();
  std::string bytes = good;
  size_t typeAt = bytes.find("general.name") + std::strlen("general.name");
  patch<uint32_t>(bytes, typeAt, 13);
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: unknown metadata value type 13 for key "
                                    "'general.name'");

  // An array longer than the file.
  bytes = good;
  size_t countAt = bytes.find("tokenizer.ggml.scores") + std::strlen("tokenizer.ggml.scores") + 8;
  patch<uint64_t>(bytes, countAt, uint64_t(1) << 60);
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: the value of metadata key 'tokenizer.ggml.scores' "
                                    "is an array of 1152921504606846976 float32 values, larger "
                                    "than the rest of the file");

  GGUFWriter w = tinyGGUF();
  w.u32("llama.block_count", 3);
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: metadata key 'llama.block_count' appears twice");

  w = tinyGGUF();
  w.string("general.architecture", "x");
  bytes = w.build();
  // Rename the first general.architecture so that only the second counts.
  bytes.replace(bytes.find("general.architecture"), 7, "generaX");
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: unsupported architecture 'x' (general.architecture;"
                                    " llmc reads 'llama')");

  bytes = good;
  bytes.replace(bytes.find("llama.embedding_length"), 6, "xxxxxx");
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: missing metadata 'llama.embedding_length'");

  w = tinyGGUF();
  w.u32("llama.attention.key_length", 8);
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: partial rotary not supported: "
                                        "llama.rope.dimension_count 4 is smaller than the head "
                                        "size 8");

  w = tinyGGUF();
  w.u32("llama.block_count", 100000);
  bytes = w.build();
  bytes.replace(bytes.find("llama.block_count"), 5, "xxxxx"); // the first one
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: llama.block_count 100000 needs at least 900000 "
                                    "tensors but the file has 21");

  w = tinyGGUF();
  w.string("llama.rope.scaling.type", "yarn");
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: RoPE scaling type 'yarn'");

  // Token types outside 0..6, and a score array of the wrong length.
  bytes = good;
  size_t typesAt = bytes.find("tokenizer.ggml.token_type") +
                   std::strlen("tokenizer.ggml.token_type") + 4 + 4 + 8;
  patch<int32_t>(bytes, typesAt + 4 * 5, 9);
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: token 5 has type 9");
  // A byte token the runtime's tokenizer could not read (what fuzz_gguf checks of vocabularies).
  bytes = good;
  bytes[bytes.find("<0x41>")] = '-';
  EXPECT_CONTAINS(ggufError(bytes), "m.gguf: byte token 3 is not of the form <0xNN>");
  bytes = good;
  patch<uint64_t>(bytes, countAt, 9);
  EXPECT_NE(ggufError(bytes), ""); // now misparses what follows; any clean error will do

  w = tinyGGUF();
  w.u32("tokenizer.ggml.unknown", 0);
  w.f32("llama.rope.freq_base", 1.0f);
  EXPECT_CONTAINS(ggufError(w.build()), "'llama.rope.freq_base' appears twice");
}

TEST(GGUFTest, BadTensors) {
  // Data offset out of range.
  GGUFWriter w = tinyGGUF();
  w.tensors.back().offset = uint64_t(1) << 20;
  EXPECT_CONTAINS(ggufError(w.build()),
                  "m.gguf: tensor 'output.weight' (F32 [10, 8], 320 bytes at data offset "
                  "1048576) runs past the end of the file");
  w.tensors.back().offset = ~uint64_t(31);
  EXPECT_CONTAINS(ggufError(w.build()), "tensor 'output.weight' (F32 [10, 8], 320 bytes at data "
                                        "offset 18446744073709551584) runs past the end");

  // Misaligned.
  w = tinyGGUF();
  w.tensors[3].offset = 4;
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: tensor 'blk.0.attn_k.weight' has data offset 4,"
                                        " not a multiple of the alignment 32");

  // Overlapping.
  w = tinyGGUF();
  w.tensors[3].offset = 0;
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: the data of tensors 'blk.0.attn_k.weight' and "
                                        "'token_embd.weight' overlap");

  // Duplicate names.
  w = tinyGGUF();
  w.tensor("blk.0.attn_q.weight", {8, 8}, kTF32, f32Data(0, 64));
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: tensor 'blk.0.attn_q.weight' is listed twice");

  // Unsupported and unknown types.
  w = tinyGGUF();
  w.tensors[9].type = kTQ5_K;
  EXPECT_CONTAINS(ggufError(w.build()),
                  "m.gguf: unsupported tensor type 'Q5_K' (13) for tensor "
                  "'blk.0.ffn_down.weight' (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, "
                  "Q6_K)");
  w.tensors[9].type = 99;
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: unknown tensor type 99 for tensor "
                                        "'blk.0.ffn_down.weight'");
  // Rows that are not whole blocks.
  w = tinyGGUF();
  w.tensors[2].type = kTQ4_0;
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: tensor 'blk.0.attn_q.weight' has rows of 8 "
                                        "values, not a multiple of the Q4_0 block size 32");
  // Dimensions.
  w = tinyGGUF();
  w.tensors[1].dims = {1, 1, 1, 1, 8};
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: tensor 'blk.0.attn_norm.weight' has 5 "
                                        "dimensions (GGUF allows 1 to 4)");
  w.tensors[1].dims = {(uint64_t(1) << 62) + 8}; // 2^64 + 32 bytes
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: tensor 'blk.0.attn_norm.weight' is too large");
  w.tensors[1].dims = {uint64_t(1) << 32, uint64_t(1) << 32};
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: tensor 'blk.0.attn_norm.weight' has too many "
                                        "elements");

  // Shapes the config does not imply, missing and unexpected tensors, named as GGUF names them.
  w = tinyGGUF();
  w.tensors[3].dims = {8, 2};
  w.tensors[3].data.resize(64);
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: tensor 'layers.0.k_proj' has shape [2, 8] but "
                                        "the config implies [4, 8] (blk.0.attn_k.weight)");
  w = tinyGGUF();
  w.tensors.erase(w.tensors.begin() + 5);
  EXPECT_CONTAINS(ggufError(w.build()),
                  "m.gguf: missing tensor 'layers.0.o_proj' (blk.0.attn_output.weight)");
  w = tinyGGUF();
  w.tensor("blk.0.ffn_gate_exps.weight", {8}, kTF32, f32Data(0, 8));
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: unexpected tensor 'blk.0.ffn_gate_exps.weight' "
                                        "(not a tensor of a llama model)");
  w = tinyGGUF();
  w.tensor("blk.2.ffn_norm.weight", {8}, kTF32, f32Data(0, 8));
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: unexpected tensor 'layers.2.post_attention_norm'"
                                        " (blk.2.ffn_norm.weight) that the config does not imply");

  // rope_freqs.weight must hold one f32 per frequency.
  w = tinyGGUF();
  w.tensor("rope_freqs.weight", {3}, kTF32, f32Data(1, 3));
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: tensor 'rope_freqs.weight' is f32 [3]; expected "
                                        "f32 [2] (one RoPE factor per frequency)");
}

/// llama.cpp's converter (convert_hf_to_gguf.py LlamaModel): the RoPE divisors of llama3 scaling,
/// frequencies in float32 as torch computes them.
std::vector<float> llama3Factors(double theta, int64_t headDim, double factor, double low,
                                 double high, double original) {
  std::vector<float> factors;
  for (int64_t i = 0; i < headDim; i += 2) {
    float freq = 1.0f / std::pow(float(theta), float(i) / float(headDim));
    double wavelength = 2 * M_PI / freq;
    if (wavelength < original / high) {
      factors.push_back(1.0f);
    } else if (wavelength > original / low) {
      factors.push_back(float(factor));
    } else {
      double smooth = (original / wavelength - low) / (high - low);
      factors.push_back(float(1 / ((1 - smooth) / factor + smooth)));
    }
  }
  return factors;
}

/// The inverse frequencies llm.rope computes for llama3 scaling (LLMOps.cpp).
std::vector<double> llama3InvFreq(const RopeScaling &s, double theta, int64_t headDim) {
  std::vector<double> out;
  for (int64_t j = 0; j < headDim / 2; ++j) {
    double freq = 1.0 / std::pow(theta, double(2 * j) / double(headDim));
    double wavelength = 2.0 * M_PI / freq, original = double(s.originalMaxPositions);
    if (wavelength > original / s.lowFreqFactor) {
      freq /= s.factor;
    } else if (wavelength >= original / s.highFreqFactor) {
      double smooth = (original / wavelength - s.lowFreqFactor) /
                      (s.highFreqFactor - s.lowFreqFactor);
      freq = (1.0 - smooth) * freq / s.factor + smooth * freq;
    }
    out.push_back(freq);
  }
  return out;
}

TEST(GGUFTest, Llama3RopeFactors) {
  struct Case {
    int64_t hidden, heads;
    double theta, factor, low, high, original;
  };
  // Llama 3.1 (head 128) and 3.2 (factor 32); the e2e test model (head 16: one smoothed
  // frequency); a head of 8 with no smoothed frequency.
  for (Case k : {Case{256, 2, 500000, 8, 1, 4, 8192}, Case{256, 2, 500000, 32, 1, 4, 8192},
                 Case{32, 2, 500000, 8, 1, 4, 64}, Case{16, 2, 10000, 4, 1, 2, 100}}) {
    TinyLlama m;
    m.hidden = k.hidden;
    m.heads = k.heads;
    int64_t headDim = k.hidden / k.heads;
    GGUFWriter w = tinyGGUF(m);
    std::vector<float> factors =
        llama3Factors(k.theta, headDim, k.factor, k.low, k.high, k.original);
    std::string data;
    for (float f : factors)
      appendRaw<float>(data, f);
    w.tensor("rope_freqs.weight", {uint64_t(headDim / 2)}, kTF32, data);
    // Replace freq_base 500000 by the case's theta.
    std::string bytes = w.build();
    size_t at = bytes.find("llama.rope.freq_base") + std::strlen("llama.rope.freq_base") + 4;
    patch<float>(bytes, at, float(k.theta));
    llvm::Expected<ImportedModel> model = readGGUFBytes(bytes);
    if (!model) {
      ADD_FAILURE() << errorOf(model);
      continue;
    }
    const RopeScaling &s = model->config.ropeScaling;
    EXPECT_EQ(s.kind, RopeScaling::Kind::Llama3);
    EXPECT_EQ(s.factor, k.factor);
    EXPECT_LT(s.lowFreqFactor, s.highFreqFactor);
    // The same frequencies as the true parameters give.
    RopeScaling truth;
    truth.kind = RopeScaling::Kind::Llama3;
    truth.factor = k.factor;
    truth.lowFreqFactor = k.low;
    truth.highFreqFactor = k.high;
    truth.originalMaxPositions = int64_t(k.original);
    std::vector<double> ours = llama3InvFreq(s, k.theta, headDim),
                        want = llama3InvFreq(truth, k.theta, headDim);
    for (size_t j = 0; j < ours.size(); ++j)
      EXPECT_NEAR(ours[j], want[j], 1e-6 * want[j]) << "head " << headDim << " j " << j;
    if (k.original == 8192 && headDim == 128) { // the common case comes out exact
      EXPECT_NEAR(s.lowFreqFactor, 1.0, 1e-3);
      EXPECT_NEAR(s.highFreqFactor, 4.0, 1e-3);
    }
  }

  // All ones is no scaling; factors that no llama3 parameters give are refused.
  GGUFWriter w = tinyGGUF();
  w.tensor("rope_freqs.weight", {2}, kTF32, encode("F32", 2, [](int64_t) { return 1.0f; }));
  llvm::Expected<ImportedModel> model = readGGUFBytes(w.build());
  ASSERT_TRUE(bool(model)) << errorOf(model);
  EXPECT_EQ(model->config.ropeScaling.kind, RopeScaling::Kind::None);
  w = tinyGGUF();
  w.tensor("rope_freqs.weight", {2}, kTF32, encode("F32", 2, [](int64_t i) { return 2.0f - i; }));
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: the per-frequency RoPE factors in tensor "
                                        "'rope_freqs.weight' are not llama3-style scaling");
  w = tinyGGUF();
  w.string("llama.rope.scaling.type", "linear");
  w.f32("llama.rope.scaling.factor", 2.0f);
  w.tensor("rope_freqs.weight", {2}, kTF32, encode("F32", 2, [](int64_t i) { return 1.0f + i; }));
  EXPECT_CONTAINS(ggufError(w.build()), "m.gguf: both llama.rope.scaling.type and per-frequency");
}

TEST(GGUFTest, TruncatedFiles) {
  std::string good = tinyGGUF().build();
  // Every prefix fails cleanly, naming the file.
  for (size_t size = 0; size < good.size(); size += (size < 600 ? 1 : 37)) {
    std::string error = ggufError(llvm::StringRef(good).take_front(size));
    EXPECT_CONTAINS(error, "m.gguf: ");
  }
  // Inside the tensor infos, and inside the data.
  size_t infos = good.find("token_embd.weight") - 8;
  EXPECT_CONTAINS(ggufError(llvm::StringRef(good).take_front(infos + 12)),
                  "m.gguf: file ends inside the tensor infos (21 tensors need at least 504 "
                  "bytes after offset " + std::to_string(infos) + ", 12 are left)");
  size_t dims = good.find("blk.1.attn_q.weight") + std::strlen("blk.1.attn_q.weight") + 4;
  EXPECT_CONTAINS(ggufError(llvm::StringRef(good).take_front(dims + 3)),
                  "m.gguf: file ends inside the dimensions of tensor 'blk.1.attn_q.weight' "
                  "(offset " + std::to_string(dims) + ": 8 bytes needed, 3 left)");
  EXPECT_CONTAINS(ggufError(llvm::StringRef(good).drop_back(40)),
                  "m.gguf: tensor 'output.weight' (F32 [10, 8], 320 bytes at data offset");
}

TEST(GGUFTest, ImportModelDispatch) {
  TempDir dir;
  std::string bytes = tinyGGUF().build();
  writeFile(dir.path("model.gguf"), bytes);
  writeFile(dir.path("model.bin"), bytes); // sniffed by its magic
  for (const char *name : {"model.gguf", "model.bin"}) {
    llvm::Expected<ImportedModel> model = importModel(dir.path(name), "");
    ASSERT_TRUE(bool(model)) << errorOf(model);
    EXPECT_EQ(model->config.hiddenSize, 8);
  }
  writeFile(dir.path("bad.gguf"), "GGUF");
  llvm::Expected<ImportedModel> bad = importModel(dir.path("bad.gguf"), "");
  EXPECT_CONTAINS(errorOf(bad), dir.path("bad.gguf") + ": file is 4 bytes, too small");
  llvm::Expected<ImportedModel> missing = importModel(dir.path("none.gguf"), "");
  EXPECT_CONTAINS(errorOf(missing), dir.path("none.gguf") + ": cannot open");
}

} // namespace
