//===- weight_layouts.cpp - the ARM kernels' weight layouts, as byte moves ===//
#include "targets/arm/weight_layouts.h"
#include "targets/common/block_words.h"
#include "runtime/quant_format.h"

namespace llmc::arm {

namespace {
constexpr int64_t kScaleBytes = sizeof(llmrt_fp16);
constexpr int64_t kQ4_0BlockBytes = sizeof(llmrt_block_q4_0);

/// Flips the nibbles' top bits (kQ4_0NibbleFlip) in the quant bytes of q4_0 blocks packed in
/// groups of groupRows rows; other blocks are left alone.
void flipQ4_0Nibbles(int64_t rows, int64_t groupRows, int64_t rowBlocks, int64_t blockBytes,
                     void *out) {
  if (blockBytes != kQ4_0BlockBytes)
    return;
  // Each group's block column: the group's scales, then its quant bytes.
  const int64_t columnBytes = groupRows * blockBytes, scaleBytes = groupRows * kScaleBytes;
  uint8_t *bytes = static_cast<uint8_t *>(out);
  for (int64_t column = 0; column < rows / groupRows * rowBlocks; ++column)
    for (int64_t i = scaleBytes; i < columnBytes; ++i)
      bytes[column * columnBytes + i] ^= kQ4_0NibbleFlip;
}

} // namespace

void packRows4x4(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes,
                 void *out) {
  transposeBlockWords(in, rows, kRows4x4, /*wordBytes=*/4, rowBlocks, blockBytes, out);
  flipQ4_0Nibbles(rows, kRows4x4, rowBlocks, blockBytes, out);
}

void packRows2x8(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes,
                 void *out) {
  transposeBlockWords(in, rows, kRows2x8, /*wordBytes=*/8, rowBlocks, blockBytes, out);
  flipQ4_0Nibbles(rows, kRows2x8, rowBlocks, blockBytes, out);
}

} // namespace llmc::arm
