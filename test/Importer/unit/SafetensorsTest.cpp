//===- SafetensorsTest.cpp - the safetensors header parser ---------------===//

#include "compiler/Importer/Safetensors.h"

#include "TestUtil.h"

using namespace llmc;
using namespace llmc::test;

namespace {

llvm::Expected<SafetensorsHeader> parse(llvm::StringRef bytes) {
  return parseSafetensors(llvm::MemoryBufferRef(bytes, "t"), "t.safetensors");
}

std::string parseError(llvm::StringRef bytes) {
  llvm::Expected<SafetensorsHeader> header = parse(bytes);
  return errorOf(header);
}

TEST(SafetensorsTest, ParsesAndOrdersByOffset) {
  std::string file = makeSafetensors({
      {"z", "F32", {2, 3}, encode("F32", 6, [](int64_t) { return 1.0f; })},
      {"a", "BF16", {4}, encode("BF16", 4, [](int64_t) { return 1.0f; })},
      {"m", "F16", {}, encode("F16", 1, [](int64_t) { return 1.0f; })},
      {"empty", "F32", {0, 5}, ""},
  });
  llvm::Expected<SafetensorsHeader> header = parse(file);
  ASSERT_TRUE(bool(header)) << errorOf(header);
  ASSERT_EQ(header->tensors.size(), 4u);
  EXPECT_EQ(header->tensors[0].name, "z");
  EXPECT_EQ(header->tensors[0].offset, header->dataOffset);
  EXPECT_EQ(header->tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(header->tensors[1].name, "a");
  EXPECT_EQ(header->tensors[1].dtype, DType::BF16);
  EXPECT_EQ(header->tensors[1].offset, header->dataOffset + 24);
  EXPECT_EQ(header->tensors[2].name, "m");
  EXPECT_EQ(header->tensors[2].dtype, DType::F16);
  EXPECT_TRUE(header->tensors[2].shape.empty());
  EXPECT_EQ(header->tensors[3].name, "empty");
  EXPECT_EQ(header->tensors[3].size, 0u);
}

TEST(SafetensorsTest, Errors) {
  EXPECT_CONTAINS(parseError("abc"),
                  "t.safetensors: file is 3 bytes, too small for a safetensors header");
  EXPECT_CONTAINS(parseError(rawSafetensors("{}", "").substr(0, 9)),
                  "t.safetensors: safetensors header length 2 is larger than the file (9 bytes)");
  EXPECT_CONTAINS(parseError(rawSafetensors("{\"a\":", "")),
                  "t.safetensors: safetensors header is not valid JSON");
  EXPECT_CONTAINS(parseError(rawSafetensors(std::string(100000, '['), "")),
                  "nested more than 64 levels deep");
  EXPECT_CONTAINS(parseError(rawSafetensors("[1]", "")), "header is not a JSON object");
  EXPECT_CONTAINS(
      parseError(makeSafetensors({{"x", "I8", {4}, "abcd"}})),
      "t.safetensors: unsupported dtype 'I8' for tensor 'x' (supported: F32, F16, BF16)");
  EXPECT_CONTAINS(
      parseError(rawSafetensors(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                "1234")),
      "t.safetensors: tensor 'x': data_offsets [0, 8] reach past the end of the data section "
      "(4 bytes): the file is truncated or corrupt");
  EXPECT_CONTAINS(
      parseError(rawSafetensors(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                                "12345678")),
      "tensor 'x': data_offsets [0, 8] hold 8 bytes but F32 [3] needs 12");
  EXPECT_CONTAINS(
      parseError(rawSafetensors(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})",
                                "12345678")),
      "0 <= begin <= end");
  EXPECT_CONTAINS(
      parseError(rawSafetensors(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
                                "12345678")),
      "shape entries must be non-negative integers");
  EXPECT_CONTAINS(
      parseError(rawSafetensors(
          R"({"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
          "12345678")),
      "shape is too large");
  EXPECT_CONTAINS(parseError(rawSafetensors(
                      R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                      R"("y":{"dtype":"F16","shape":[2],"data_offsets":[4,8]}})",
                      "12345678")),
                  "t.safetensors: tensors 'x' and 'y' overlap in the data section");
  EXPECT_CONTAINS(parseError(rawSafetensors(R"({"x":{"dtype":"F32","shape":[2]}})", "")),
                  "tensor 'x': missing 'data_offsets'");
  EXPECT_CONTAINS(parseError(rawSafetensors(R"({"x":3})", "")),
                  "tensor 'x': header entry is not an object");
  EXPECT_CONTAINS(parseError(rawSafetensors(R"({"__metadata__":3})", "")),
                  "'__metadata__' is not an object");
}

} // namespace
