//===- WeightStoreTest.cpp - the weight table and half/bfloat16 ----------===//

#include "compiler/Weights/WeightCheck.h"
#include "compiler/Weights/WeightStore.h"

#include "TestUtil.h"

#include <cmath>

using namespace llmc;
using namespace llmc::test;

namespace {

uint32_t bitsOf(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

std::shared_ptr<llvm::MemoryBuffer> bufferOf(llvm::StringRef bytes) {
  return llvm::MemoryBuffer::getMemBufferCopy(bytes, "test");
}

TEST(HalfTest, KnownValues) {
  EXPECT_EQ(halfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(halfToFloat(0xc000), -2.0f);
  EXPECT_EQ(halfToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24)); // smallest subnormal
  EXPECT_EQ(halfToFloat(0x03ff), std::ldexp(1023.0f, -24)); // largest subnormal
  EXPECT_EQ(halfToFloat(0x0400), std::ldexp(1.0f, -14)); // smallest normal
  EXPECT_EQ(bitsOf(halfToFloat(0x8000)), 0x80000000u);
  EXPECT_EQ(halfToFloat(0x7c00), INFINITY);
  EXPECT_EQ(halfToFloat(0xfc00), -INFINITY);
  EXPECT_TRUE(std::isnan(halfToFloat(0x7e00)));
  EXPECT_EQ(bfloat16ToFloat(0x3f80), 1.0f);
  EXPECT_EQ(bfloat16ToFloat(0xc049), -3.140625f);
  EXPECT_EQ(bfloat16ToFloat(0x0001), std::ldexp(1.0f, -133));
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(0x7fc0)));
}

#ifdef __FLT16_MAX__
TEST(HalfTest, ExhaustiveAgainstCompiler) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    _Float16 h;
    uint16_t b = uint16_t(bits);
    std::memcpy(&h, &b, 2);
    float expected = float(h);
    float actual = halfToFloat(b);
    if (std::isnan(expected))
      EXPECT_TRUE(std::isnan(actual)) << bits;
    else
      EXPECT_EQ(bitsOf(actual), bitsOf(expected)) << bits;
  }
}
#endif

TEST(WeightStoreTest, ReadsEveryDTypeWithPermutation) {
  // Three rows of two values in each dtype.
  std::string bytes = encode("F32", 6, [](int64_t i) { return float(i); }) +
                      encode("F16", 6, [](int64_t i) { return float(i) + 0.5f; }) +
                      encode("BF16", 6, [](int64_t i) { return -float(i); });
  auto buffer = bufferOf(bytes);
  WeightStore store;
  ASSERT_FALSE(errorOf(store.addMapped("a", DType::F32, {3, 2}, buffer, 0, "f")).size());
  ASSERT_FALSE(errorOf(store.addMapped("b", DType::F16, {3, 2}, buffer, 24, "f")).size());
  ASSERT_FALSE(errorOf(store.addMapped("c", DType::BF16, {3, 2}, buffer, 36, "f")).size());
  EXPECT_EQ(store.tensors().size(), 3u);
  EXPECT_EQ(store.get("b").numBytes(), 12u);
  EXPECT_EQ(store.get("c").numElements(), 6);

  std::vector<float> out;
  ASSERT_FALSE(errorOf(store.readF32("a", out)).size());
  EXPECT_EQ(out, (std::vector<float>{0, 1, 2, 3, 4, 5}));
  ASSERT_FALSE(errorOf(store.readF32("b", out)).size());
  EXPECT_EQ(out, (std::vector<float>{0.5, 1.5, 2.5, 3.5, 4.5, 5.5}));

  // result row r = source row perm[r]; a second permutation composes with the first.
  ASSERT_FALSE(errorOf(store.permuteRows("c", {2, 0, 1})).size());
  ASSERT_FALSE(errorOf(store.readF32("c", out)).size());
  EXPECT_EQ(out, (std::vector<float>{-4, -5, -0, -1, -2, -3}));
  ASSERT_FALSE(errorOf(store.permuteRows("c", {1, 2, 0})).size());
  ASSERT_FALSE(errorOf(store.readF32("c", out)).size());
  EXPECT_EQ(out, (std::vector<float>{-0, -1, -2, -3, -4, -5}));
}

TEST(WeightStoreTest, Errors) {
  auto buffer = bufferOf(std::string(16, '\0'));
  WeightStore store;
  EXPECT_CONTAINS(errorOf(store.addMapped("a", DType::F32, {5}, buffer, 0, "w.bin")),
                  "w.bin: tensor 'a' (f32 [5], 20 bytes at offset 0) lies outside the file");
  EXPECT_CONTAINS(errorOf(store.addMapped("a", DType::F32, {1}, buffer, ~0ull, "w.bin")),
                  "lies outside the file");
  EXPECT_CONTAINS(errorOf(store.addMapped("a", DType::F32, {-1}, buffer, 0, "w.bin")),
                  "invalid shape");
  EXPECT_CONTAINS(
      errorOf(store.addMapped("a", DType::F32, {1ll << 62, 1ll << 62}, buffer, 0, "w.bin")),
      "invalid shape");
  ASSERT_EQ(errorOf(store.addMapped("a", DType::F32, {2, 2}, buffer, 0, "w.bin")), "");
  EXPECT_CONTAINS(errorOf(store.addMapped("a", DType::F32, {2}, buffer, 0, "w.bin")),
                  "w.bin: tensor 'a' is defined twice");
  EXPECT_CONTAINS(errorOf(store.permuteRows("a", {0, 0})), "not a permutation");
  EXPECT_CONTAINS(errorOf(store.permuteRows("a", {0, 1, 2})), "does not fit");
  EXPECT_CONTAINS(errorOf(store.permuteRows("b", {0})), "no tensor 'b'");
  std::vector<float> out;
  EXPECT_CONTAINS(errorOf(store.readF32("b", out)), "no tensor 'b'");
}

} // namespace

namespace {

/// One Q8_0 block (fp16 scale, 32 int8 values) per row; `scale` is the fp16 bit pattern.
std::string q8Block(uint16_t scale, int8_t value) {
  std::string block(34, char(value));
  std::memcpy(block.data(), &scale, 2);
  return block;
}

std::string checkError(const WeightStore &store, bool allow, std::vector<std::string> &warnings) {
  llvm::Error error = checkWeightValues(store, allow, warnings);
  return error ? llvm::toString(std::move(error)) : "";
}

TEST(WeightCheckTest, FindsNonFiniteValuesInEveryDType) {
  // Row 2 of a 3 x 32 Q8_0 tensor has a NaN scale: its values are all NaN once dequantized.
  std::string q8 = q8Block(0x3c00, 1) + q8Block(0x3c00, 2) + q8Block(0x7e00, 3);
  WeightStore store;
  ASSERT_FALSE(bool(store.addMapped("layers.0.q_proj", DType::Q8_0, {3, 32}, bufferOf(q8), 0,
                                    "model.gguf")));
  std::vector<std::string> warnings;
  EXPECT_EQ(checkError(store, false, warnings),
            "model.gguf: tensor 'layers.0.q_proj' [3, 32] holds NaN at [2, 0] (a program with "
            "it computes garbage; --allow-nonfinite keeps such values)");
  EXPECT_EQ(checkError(store, true, warnings), "");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "model.gguf: tensor 'layers.0.q_proj' [3, 32] holds 32 non-finite "
                         "values, the first NaN at [2, 0]; kept (--allow-nonfinite)");

  // bf16 -Inf at flat index 5 of a [2, 3] tensor: [1, 2].
  std::string bf16 = encode("BF16", 6, [](int64_t i) { return i == 5 ? -INFINITY : float(i); });
  WeightStore other;
  ASSERT_FALSE(bool(other.addMapped("norm", DType::BF16, {2, 3}, bufferOf(bf16), 0, "m.st")));
  warnings.clear();
  EXPECT_CONTAINS(checkError(other, false, warnings), "m.st: tensor 'norm' [2, 3] holds -Inf "
                                                      "at [1, 2]");
}

TEST(WeightCheckTest, LooksAtEveryPieceOfALargeTensor) {
  // scanF32 hands over 16384 float32 values at a time; after the first piece the check knows
  // the tensor varies and takes a faster path, which must still find a +Inf and a NaN in later
  // pieces, and still count each.
  const int64_t columns = 1 << 14;
  std::string varied = encode("F32", 3 * columns, [&](int64_t i) {
    return i == columns + 3616 ? INFINITY : i == 2 * columns + 7232 ? NAN : float(i);
  });
  WeightStore store;
  ASSERT_FALSE(bool(store.addMapped("w", DType::F32, {3, columns}, bufferOf(varied), 0, "f")));
  std::vector<std::string> warnings;
  EXPECT_CONTAINS(checkError(store, false, warnings), "holds +Inf at [1, 3616]");
  EXPECT_EQ(checkError(store, true, warnings), "");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_CONTAINS(warnings[0], "holds 2 non-finite values, the first +Inf at [1, 3616]");

  // Equal values through the first piece: one different value in the last keeps it quiet.
  std::string zerosThenOne =
      encode("F32", 2 * columns, [&](int64_t i) { return i == 2 * columns - 1 ? 1.0f : 0.0f; });
  std::string zeros = encode("F32", 2 * columns, [](int64_t) { return 0.0f; });
  WeightStore constant;
  ASSERT_FALSE(bool(
      constant.addMapped("a", DType::F32, {2, columns}, bufferOf(zerosThenOne), 0, "f")));
  ASSERT_FALSE(bool(constant.addMapped("b", DType::F32, {2, columns}, bufferOf(zeros), 0, "f")));
  warnings.clear();
  EXPECT_EQ(checkError(constant, false, warnings), "");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_CONTAINS(warnings[0], "tensor 'b' [2, 16384] is all zeros");
}

TEST(WeightCheckTest, WarnsAboutConstantMatricesOnly) {
  std::string zeros = encode("F32", 6, [](int64_t) { return 0.0f; });
  std::string ones = encode("F16", 4, [](int64_t) { return 1.0f; });
  std::string varied = encode("F32", 4, [](int64_t i) { return float(i); });
  WeightStore store;
  ASSERT_FALSE(bool(store.addMapped("a", DType::F32, {2, 3}, bufferOf(zeros), 0, "f")));
  ASSERT_FALSE(bool(store.addMapped("b", DType::F16, {2, 2}, bufferOf(ones), 0, "f")));
  ASSERT_FALSE(bool(store.addMapped("c", DType::F16, {4}, bufferOf(ones), 0, "f")));
  ASSERT_FALSE(bool(store.addMapped("d", DType::F32, {2, 2}, bufferOf(varied), 0, "f")));
  std::vector<std::string> warnings;
  EXPECT_EQ(checkError(store, false, warnings), "");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0], "f: tensor 'a' [2, 3] is all zeros (an untrained or damaged "
                         "checkpoint?)");
  EXPECT_EQ(warnings[1], "f: tensor 'b' [2, 2] holds one value, 1, throughout (an untrained or "
                         "damaged checkpoint?)");
}

} // namespace

namespace {

/// float32 values first, first + 1, ... as bytes.
std::string floats(int count, float first) {
  return encode("F32", count, [&](int64_t i) { return first + float(i); });
}

TEST(WeightStoreTest, JoinsPartsWhenRead) {
  // Two 2x3 parts of one file and a third of another: values 0..5, 100..105, 200..205.
  auto a = bufferOf(floats(6, 0) + floats(6, 100));
  auto b = bufferOf("pad!" + floats(6, 200));
  std::vector<WeightPart> parts = {{a, 0}, {a, 24}, {b, 4}};
  WeightStore store;
  ASSERT_FALSE(errorOf(store.addJoined("rows", DType::F32, {2, 3}, 0, parts, "s.pth")).size());
  ASSERT_FALSE(errorOf(store.addJoined("cols", DType::F32, {2, 3}, 1, parts, "s.pth")).size());
  EXPECT_EQ(store.get("rows").shape, (std::vector<int64_t>{6, 3}));
  EXPECT_EQ(store.get("cols").shape, (std::vector<int64_t>{2, 9}));

  std::vector<float> values;
  ASSERT_FALSE(errorOf(store.readF32("rows", values)).size());
  EXPECT_EQ(values, (std::vector<float>{0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105, 200,
                                        201, 202, 203, 204, 205}));
  ASSERT_FALSE(errorOf(store.readF32("cols", values)).size());
  EXPECT_EQ(values, (std::vector<float>{0, 1, 2, 100, 101, 102, 200, 201, 202, 3, 4, 5, 103,
                                        104, 105, 203, 204, 205}));

  // A row permutation applies to the joined rows; readRaw and scanF32 see the same bytes.
  ASSERT_FALSE(errorOf(store.permuteRows("cols", {1, 0})).size());
  ASSERT_FALSE(errorOf(store.readF32("cols", values)).size());
  EXPECT_EQ(values[0], 3);
  EXPECT_EQ(values[9], 0);
  std::vector<uint8_t> raw;
  ASSERT_FALSE(errorOf(store.readRaw("cols", raw)).size());
  ASSERT_EQ(raw.size(), 18u * 4);
  EXPECT_EQ(std::memcmp(raw.data(), values.data(), raw.size()), 0);
  std::vector<float> scanned;
  ASSERT_FALSE(errorOf(store.scanF32("rows", [&](int64_t first, llvm::ArrayRef<float> v) {
                 EXPECT_EQ(first, int64_t(scanned.size()));
                 scanned.insert(scanned.end(), v.begin(), v.end());
                 return true;
               })).size());
  EXPECT_EQ(scanned.size(), 18u);
  EXPECT_EQ(scanned[12], 200);
}

TEST(WeightStoreTest, JoinErrors) {
  auto a = bufferOf(floats(6, 0));
  WeightStore store;
  EXPECT_CONTAINS(errorOf(store.addJoined("t", DType::F32, {2, 3}, 0, {{a, 0}, {a, 4}}, "s.pth")),
                  "s.pth: tensor 't' (f32 [2, 3], 24 bytes at offset 4) lies outside the file");
  EXPECT_CONTAINS(errorOf(store.addJoined("t", DType::F32, {6}, 1, {{a, 0}}, "s.pth")),
                  "s.pth: tensor 't' [6] cannot be joined from 1 parts along dimension 1");
  EXPECT_CONTAINS(errorOf(store.addJoined("t", DType::F32, {6}, 0, {}, "s.pth")),
                  "cannot be joined from 0 parts");
  ASSERT_FALSE(errorOf(store.addJoined("t", DType::F32, {6}, 0, {{a, 0}}, "s.pth")).size());
  EXPECT_CONTAINS(errorOf(store.addJoined("t", DType::F32, {6}, 0, {{a, 0}}, "s.pth")),
                  "tensor 't' is defined twice");
}

} // namespace
