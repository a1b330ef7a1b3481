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

/// Value v (0..31) of a block's quants: q8_0 a byte, q4_0 a nibble (low: v < 16).
int quant(const uint8_t* qs, bool q4, int v) {
  if (!q4) return qs[v];
  return v < 16 ? qs[v] & 15 : qs[v - 16] >> 4;
}

TEST(ArmWeightLayouts, Rows4x4PutsEachRowsWordInItsLane) {
  for (int64_t block_bytes : {18, 34}) {
    const int64_t rows = 12, row_blocks = 3, words = (block_bytes - kScaleBytes) / 4;
    std::vector<uint8_t> in = numberedBlocks(rows, row_blocks, block_bytes);
    std::vector<uint8_t> out(in.size(), 0xee);
    llmc::arm::packRows4x4(in.data(), rows, row_blocks, block_bytes, out.data());
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t b = 0; b < row_blocks; ++b) {
        const uint8_t* block = &in[(r * row_blocks + b) * block_bytes];
        const uint8_t* column = &out[((r / 4) * row_blocks + b) * 4 * block_bytes];
        EXPECT_EQ(0, std::memcmp(column + kScaleBytes * (r % 4), block, kScaleBytes));
        for (int64_t j = 0; j < words; ++j) {
          EXPECT_EQ(0, std::memcmp(column + 4 * kScaleBytes + 16 * j + 4 * (r % 4),
                                   block + kScaleBytes + 4 * j, 4))
              << "word " << j << " r=" << r << " b=" << b << " block bytes " << block_bytes;
        }
      }
    }
  }
}

TEST(ArmWeightLayouts, Rows2x8PutsEachValueInItsMatrix) {
  for (int64_t block_bytes : {18, 34}) {
    const bool q4 = block_bytes == 18;
    const int64_t rows = 6, row_blocks = 3;
    std::vector<uint8_t> in = numberedBlocks(rows, row_blocks, block_bytes);
    std::vector<uint8_t> out(in.size(), 0xee);
    llmc::arm::packRows2x8(in.data(), rows, row_blocks, block_bytes, out.data());
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t b = 0; b < row_blocks; ++b) {
        const uint8_t* block = &in[(r * row_blocks + b) * block_bytes];
        const uint8_t* column = &out[((r / 2) * row_blocks + b) * 2 * block_bytes];
        EXPECT_EQ(0, std::memcmp(column + kScaleBytes * (r % 2), block, kScaleBytes));
        const uint8_t* matrices = column + 2 * kScaleBytes;
        for (int l = 0; l < 4; ++l) {
          for (int j = 0; j < 8; ++j) {
            // Row r % 2 of M_l: values 4l..4l+3, then 16+4l..16+4l+3.
            const int v = (j < 4 ? 0 : 16) + 4 * l + j % 4, at = 8 * (r % 2) + j;
            const int got = q4 ? (matrices[16 * (l / 2) + at] >> (4 * (l % 2))) & 15
                               : matrices[16 * l + at];
            EXPECT_EQ(got, quant(block + kScaleBytes, q4, v))
                << "M_" << l << " value " << v << " r=" << r << " b=" << b << " block bytes "
                << block_bytes;
          }
        }
      }
    }
  }
}

}  // namespace
