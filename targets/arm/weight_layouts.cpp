//===- weight_layouts.cpp - the ARM kernels' weight layouts, as byte moves ===//
#include "targets/arm/weight_layouts.h"
#include "targets/common/block_words.h"

#include <cstring>

namespace llmc::arm {
namespace {

constexpr int64_t kScaleBytes = 2;
constexpr int64_t kQ4_0BlockBytes = 18;

/// The stored 4-bit quant (value + 8) of value v (0..31) of a q4_0 block's quants.
uint8_t nibble(const uint8_t *qs, int v) {
  return v < 16 ? qs[v] & 15 : qs[v - 16] >> 4;
}

/// Value j (0..7) of row r of the 2x8 matrix M_l: values 4l..4l+3, then 16+4l..16+4l+3.
int matrixValue(int l, int j) { return (j < 4 ? 0 : 16) + 4 * l + j % 4; }

} // namespace

void packRows4x4(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes,
                 void *out) {
  transposeBlockWords(in, rows, kRows4x4, rowBlocks, blockBytes, out);
}

void packRows2x8(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes,
                 void *out) {
  const auto *src = static_cast<const uint8_t *>(in);
  auto *dst = static_cast<uint8_t *>(out);
  const int64_t n = kRows2x8;
  const bool q4 = blockBytes == kQ4_0BlockBytes;
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t *row = src + r * rowBlocks * blockBytes;
    uint8_t *pair = dst + (r / n) * n * rowBlocks * blockBytes;
    const int half = static_cast<int>(r % n);  // the matrices' row
    for (int64_t b = 0; b < rowBlocks; ++b) {
      const uint8_t *block = row + b * blockBytes;
      const uint8_t *qs = block + kScaleBytes;
      uint8_t *column = pair + b * n * blockBytes;
      std::memcpy(column + half * kScaleBytes, block, kScaleBytes);
      uint8_t *matrices = column + n * kScaleBytes;
      for (int l = 0; l < 4; ++l) {
        for (int j = 0; j < 8; ++j) {
          const int v = matrixValue(l, j), at = 8 * half + j;  // byte of the 16 of M_l
          if (!q4) {
            matrices[16 * l + at] = qs[v];
            continue;
          }
          // M_l in register l / 2, low nibbles for even l.
          uint8_t &byte = matrices[16 * (l / 2) + at];
          byte = l % 2 == 0 ? (byte & 0xf0) | nibble(qs, v)
                            : static_cast<uint8_t>((byte & 0x0f) | nibble(qs, v) << 4);
        }
      }
    }
  }
}

} // namespace llmc::arm
