//===- weight_layouts.cpp - the ARM kernels' weight layouts, as byte moves ===//
#include "targets/arm/weight_layouts.h"
#include "targets/common/block_words.h"
#include "runtime/quant_format.h"

namespace llmc::arm {

namespace {
constexpr int64_t kScaleBytes = sizeof(llmrt_fp16);
constexpr int64_t kQ4_0BlockBytes = sizeof(llmrt_block_q4_0);
} // namespace

void packRows4x4(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes,
                 void *out) {
  transposeBlockWords(in, rows, kRows4x4, /*wordBytes=*/4, rowBlocks, blockBytes, out);
  if (blockBytes != kQ4_0BlockBytes)
    return;
  // Each group's block column: 4 scales, then the quant bytes.
  const int64_t columnBytes = kRows4x4 * blockBytes, scaleBytes = kRows4x4 * kScaleBytes;
  uint8_t *bytes = static_cast<uint8_t *>(out);
  for (int64_t column = 0; column < rows / kRows4x4 * rowBlocks; ++column)
    for (int64_t i = scaleBytes; i < columnBytes; ++i)
      bytes[column * columnBytes + i] ^= kRows4x4Q4_0Flip;
}

void packRows2x8(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes,
                 void *out) {
  transposeBlockWords(in, rows, kRows2x8, /*wordBytes=*/8, rowBlocks, blockBytes, out);
}

} // namespace llmc::arm
