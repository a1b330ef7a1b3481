//===- weight_layouts.cpp - the x86 kernels' weight layouts, as byte moves ===//
#include "targets/x86/weight_layouts.h"
#include "targets/common/block_words.h"

#include <cstring>

namespace llmc::x86 {

void interleaveRows4(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes,
                     void *out) {
  const auto *src = static_cast<const uint8_t *>(in);
  auto *dst = static_cast<uint8_t *>(out);
  const int64_t n = kInterleaveRows;
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t *row = src + r * rowBlocks * blockBytes;
    uint8_t *group = dst + (r / n) * n * rowBlocks * blockBytes;
    for (int64_t b = 0; b < rowBlocks; ++b)
      std::memcpy(group + (b * n + r % n) * blockBytes, row + b * blockBytes, blockBytes);
  }
}

void packPanels(const void *in, int64_t rows, int64_t panelRows, int64_t rowBlocks,
                int64_t blockBytes, void *out) {
  transposeBlockWords(in, rows, panelRows, /*wordBytes=*/4, rowBlocks, blockBytes, out);
}

} // namespace llmc::x86
