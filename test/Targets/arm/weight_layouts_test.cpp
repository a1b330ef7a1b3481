// weight_layouts_test.cpp - the byte moves of the ARM weight layouts (targets/arm/weight_layouts.h)
// put every quant where the header says the kernels read it. Host-built: plain C++, no NEON.
#include "targets/arm/weight_layouts.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace {

const int64_t kScaleBytes = 2;

/// rows x row_blocks blocks, each byte its index mod 251: a misplaced byte shows.
std::vector<uint8_t> numberedBlocks(int64_t rows, int64_t row_blocks, int64_t block_bytes) {
  std::vector<uint8_t> in(rows * row_blocks * block_bytes);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>(i % 251);
  return in;
}

/// `pack` on q4_0 (18-byte) and q8_0 (34-byte) blocks: groups of `group` rows, block column by
/// block column, the scales, then each `word`-byte word of the quants for the group's rows, q4_0's
/// quant bytes xor q4_0_flip.
void checkWordGroups(void (*pack)(const void*, int64_t, int64_t, int64_t, void*), int64_t group,
                     int64_t word, uint8_t q4_0_flip) {
  for (int64_t block_bytes : {18, 34}) {
    const int64_t rows = 3 * group, row_blocks = 3, words = (block_bytes - kScaleBytes) / word;
    std::vector<uint8_t> in = numberedBlocks(rows, row_blocks, block_bytes);
    std::vector<uint8_t> out(in.size(), 0xee);
    pack(in.data(), rows, row_blocks, block_bytes, out.data());
    const uint8_t flip = block_bytes == 18 ? q4_0_flip : 0;
    std::vector<uint8_t> want(in);
    for (size_t i = 0; i < want.size(); ++i) want[i] ^= i % block_bytes >= kScaleBytes ? flip : 0;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t b = 0; b < row_blocks; ++b) {
        const uint8_t* block = &want[(r * row_blocks + b) * block_bytes];
        const uint8_t* column = &out[((r / group) * row_blocks + b) * group * block_bytes];
        EXPECT_EQ(0, std::memcmp(column + kScaleBytes * (r % group), block, kScaleBytes));
        for (int64_t j = 0; j < words; ++j) {
          const uint8_t* at = column + group * kScaleBytes + word * (group * j + r % group);
          EXPECT_EQ(0, std::memcmp(at, block + kScaleBytes + word * j, word))
              << "word " << j << " r=" << r << " b=" << b << " block bytes " << block_bytes;
        }
      }
    }
  }
}

TEST(ArmWeightLayouts, Rows4x4PutsEachRowsWordInItsLane) {
  checkWordGroups(llmc::arm::packRows4x4, llmc::arm::kRows4x4, 4, llmc::arm::kQ4_0NibbleFlip);
}

TEST(ArmWeightLayouts, Rows2x8PutsTwoRowsWordsInEachMatrix) {
  checkWordGroups(llmc::arm::packRows2x8, llmc::arm::kRows2x8, 8, llmc::arm::kQ4_0NibbleFlip);
}

}  // namespace
