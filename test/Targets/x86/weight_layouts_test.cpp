// weight_layouts_test.cpp - the byte moves of the x86 weight layouts (targets/x86/weight_layouts.h)
// put every byte where the kernels read it.
#include "targets/x86/weight_layouts.h"
#include "targets/x86/kernels_x86_tiling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

// The kernels' tiling (copied into out/ without the compiler's headers) keeps its own row count.
static_assert(Interleave4::kRows == llmc::x86::kInterleaveRows,
              "the x4 kernels and the interleave4 layout agree on the group");

/// rows x row_blocks blocks, each byte its index mod 251: a misplaced byte shows.
std::vector<uint8_t> numberedBlocks(int64_t rows, int64_t row_blocks, int64_t block_bytes) {
  std::vector<uint8_t> in(rows * row_blocks * block_bytes);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>(i % 251);
  return in;
}

TEST(X86WeightLayouts, Interleave4PutsBlockBOfRowRAtGroupColumnAndLane) {
  const int64_t rows = 12, row_blocks = 5, block_bytes = 18;
  std::vector<uint8_t> in = numberedBlocks(rows, row_blocks, block_bytes), out(in.size(), 0xee);
  llmc::x86::interleaveRows4(in.data(), rows, row_blocks, block_bytes, out.data());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t b = 0; b < row_blocks; ++b) {
      const int64_t at = (r / 4) * 4 * row_blocks + b * 4 + r % 4;
      EXPECT_EQ(0, std::memcmp(&out[at * block_bytes], &in[(r * row_blocks + b) * block_bytes],
                               block_bytes))
          << "r=" << r << " b=" << b;
    }
  }
}

TEST(X86WeightLayouts, PanelsPlaceEachScaleAndQuantWordWhereTheLayoutSays) {
  // 32 rows (2 or 4 panels) of 3 blocks of q4_0 (18 bytes) or q8_0 (34 bytes).
  for (int64_t p : {8, 16}) {
    for (int64_t block_bytes : {18, 34}) {
      const int64_t rows = 32, row_blocks = 3, words = (block_bytes - 2) / 4;
      std::vector<uint8_t> in = numberedBlocks(rows, row_blocks, block_bytes);
      std::vector<uint8_t> out(in.size(), 0xee);
      llmc::x86::packPanels(in.data(), rows, p, row_blocks, block_bytes, out.data());
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t b = 0; b < row_blocks; ++b) {
          const uint8_t* block = &in[(r * row_blocks + b) * block_bytes];
          // Panel r / p, block column b: p scales of 2 bytes, then words of p rows x 4 bytes.
          const uint8_t* column = &out[((r / p) * row_blocks + b) * p * block_bytes];
          EXPECT_EQ(0, std::memcmp(column + 2 * (r % p), block, 2)) << "r=" << r << " b=" << b;
          for (int64_t j = 0; j < words; ++j) {
            const uint8_t* word = column + 2 * p + 4 * p * j + 4 * (r % p);
            EXPECT_EQ(0, std::memcmp(word, block + 2 + 4 * j, 4))
                << "word " << j << " r=" << r << " b=" << b << " panel rows " << p;
          }
        }
      }
      EXPECT_EQ(std::count(out.begin(), out.end(), 0xee), std::count(in.begin(), in.end(), 0xee));
    }
  }
}

}  // namespace
