//===- SentencePieceTest.cpp - tokenizer.model ---------------------------===//

#include "compiler/Importer/Importer.h"
#include "compiler/Importer/SentencePiece.h"

#include "TestUtil.h"

using namespace llmc;
using namespace llmc::test;

namespace {

TEST(SentencePieceTest, Llama2Tokenizer) {
  llvm::Expected<Vocabulary> vocab = readSentencePieceModel(LLMC_LLAMA2_TOKENIZER);
  ASSERT_TRUE(bool(vocab)) << errorOf(vocab);
  ASSERT_EQ(vocab->pieces.size(), 32000u);
  EXPECT_EQ(vocab->bosId, 1);
  EXPECT_EQ(vocab->eosId, 2);
  EXPECT_EQ(vocab->dummyPrefix, Vocabulary::DummyPrefix::Always);
  EXPECT_EQ(vocab->pieces[0].text, "<unk>");
  EXPECT_EQ(vocab->pieces[0].type, Vocabulary::TokenType::Unknown);
  EXPECT_EQ(vocab->pieces[1].text, "<s>");
  EXPECT_EQ(vocab->pieces[1].type, Vocabulary::TokenType::Control);
  EXPECT_EQ(vocab->pieces[2].text, "</s>");
  EXPECT_EQ(vocab->pieces[2].type, Vocabulary::TokenType::Control);
  EXPECT_EQ(vocab->pieces[3].text, "<0x00>");
  EXPECT_EQ(vocab->pieces[3].type, Vocabulary::TokenType::Byte);
  EXPECT_EQ(vocab->pieces[258].text, "<0xFF>");
  EXPECT_EQ(vocab->pieces[259].text, "  "); // U+2581 U+2581
  EXPECT_EQ(vocab->pieces[259].type, Vocabulary::TokenType::Normal);
  EXPECT_EQ(vocab->pieces[29871].text, " ");
  EXPECT_LT(vocab->pieces[300].score, 0.0f);
  for (const Vocabulary::Piece &piece : vocab->pieces)
    ASSERT_EQ(piece.text.find("\xE2\x96\x81"), std::string::npos) << piece.text;
}

TEST(SentencePieceTest, HFFolderOverride) {
  TempDir dir;
  TinyLlama m;
  m.vocab = 32000;
  writeFile(dir.path("config.json"), tinyLlamaConfig(m));
  writeFile(dir.path("model.safetensors"), makeSafetensors(tinyLlamaTensors(m, "F32", true)));
  llvm::Expected<ImportedModel> model = importModel(dir.path(), LLMC_LLAMA2_TOKENIZER);
  ASSERT_TRUE(bool(model)) << errorOf(model);
  ASSERT_TRUE(model->vocabulary.has_value());
  EXPECT_EQ(model->vocabulary->pieces.size(), 32000u);

  // A tokenizer of another size is refused, naming both sizes.
  TempDir small;
  m.vocab = 10;
  writeFile(small.path("config.json"), tinyLlamaConfig(m));
  writeFile(small.path("model.safetensors"), makeSafetensors(tinyLlamaTensors(m, "F32", true)));
  llvm::Expected<ImportedModel> refused = importModel(small.path(), LLMC_LLAMA2_TOKENIZER);
  EXPECT_EQ(errorOf(refused),
            std::string(LLMC_LLAMA2_TOKENIZER) +
                ": holds 32000 tokens but the model's vocabulary (" + small.path() + ") has 10");
}

/// A hand-encoded ModelProto: two pieces, trainer_spec {bos_id: 0, eos_id: 1},
/// normalizer_spec {add_dummy_prefix: false}.
TEST(SentencePieceTest, HandEncodedModel) {
  std::string bytes;
  auto piece = [&](llvm::StringRef text, uint8_t type) {
    std::string body = "\x0a" + std::string(1, char(text.size())) + text.str(); // piece = 1
    body += "\x15";                                                                 // score = 2
    appendRaw<float>(body, -1.5f);
    body += "\x18" + std::string(1, char(type)); // type = 3
    bytes += "\x0a" + std::string(1, char(body.size())) + body;
  };
  piece("\xE2\x96\x81hi", 1);
  piece("<s>", 3);
  bytes += std::string("\x12\x06\xc8\x02\x00\xd0\x02\x01", 8); // trainer_spec 41:0, 42:1
  bytes += std::string("\x1a\x02\x18\x00", 4);                  // normalizer_spec 3:false
  llvm::Expected<Vocabulary> vocab =
      parseSentencePieceModel(llvm::MemoryBufferRef(bytes, "m"), "m.model");
  ASSERT_TRUE(bool(vocab)) << errorOf(vocab);
  ASSERT_EQ(vocab->pieces.size(), 2u);
  EXPECT_EQ(vocab->pieces[0].text, " hi");
  EXPECT_EQ(vocab->pieces[0].score, -1.5f);
  EXPECT_EQ(vocab->pieces[1].type, Vocabulary::TokenType::Control);
  EXPECT_EQ(vocab->bosId, 0);
  EXPECT_EQ(vocab->eosId, 1);
  EXPECT_EQ(vocab->dummyPrefix, Vocabulary::DummyPrefix::None);
}

TEST(SentencePieceTest, Errors) {
  llvm::Expected<Vocabulary> vocab =
      parseSentencePieceModel(llvm::MemoryBufferRef("\x0a\x7f", "m"), "m.model");
  EXPECT_CONTAINS(errorOf(vocab), "m.model: not a SentencePiece model");
  vocab = parseSentencePieceModel(llvm::MemoryBufferRef("", "m"), "m.model");
  EXPECT_CONTAINS(errorOf(vocab), "m.model: SentencePiece model has no pieces");
  // One piece, trainer_spec {bos_id: 0, eos_id: 5}.
  std::string onePiece("\x0a\x03\x0a\x01x\x12\x06\xc8\x02\x00\xd0\x02\x05", 13);
  vocab = parseSentencePieceModel(llvm::MemoryBufferRef(onePiece, "m"), "m.model");
  EXPECT_CONTAINS(errorOf(vocab), "m.model: eos_id 5 is not a piece of the 1 in the vocabulary");
  // A BYTE piece that is not "<0xNN>", which the runtime's tokenizer refuses (found by
  // fuzz_sentencepiece); trainer_spec {bos_id: -1, eos_id: -1}.
  std::string badByte("\x0a\x0a\x0a\x06-0x41>\x18\x06"
                      "\x12\x18\xc8\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
                      "\xd0\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
                      38);
  vocab = parseSentencePieceModel(llvm::MemoryBufferRef(badByte, "m"), "m.model");
  EXPECT_CONTAINS(errorOf(vocab), "m.model: byte token 0 is not of the form <0xNN>");
  vocab = readSentencePieceModel("/nonexistent/tokenizer.model");
  EXPECT_CONTAINS(errorOf(vocab), "/nonexistent/tokenizer.model: cannot open");
}

} // namespace
