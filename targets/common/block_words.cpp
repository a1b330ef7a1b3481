//===- block_words.cpp - quantized blocks transposed in 4-byte words ------===//
#include "targets/common/block_words.h"

#include <cstring>

namespace llmc {

void transposeBlockWords(const void *in, int64_t rows, int64_t groupRows, int64_t wordBytes,
                         int64_t rowBlocks, int64_t blockBytes, void *out) {
  const auto *src = static_cast<const uint8_t *>(in);
  auto *dst = static_cast<uint8_t *>(out);
  const int64_t n = groupRows, w = wordBytes, scaleBytes = 2;
  const int64_t words = (blockBytes - scaleBytes) / w;
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t *row = src + r * rowBlocks * blockBytes;
    uint8_t *group = dst + (r / n) * n * rowBlocks * blockBytes;
    for (int64_t b = 0; b < rowBlocks; ++b) {
      const uint8_t *block = row + b * blockBytes;
      uint8_t *column = group + b * n * blockBytes;
      std::memcpy(column + (r % n) * scaleBytes, block, scaleBytes);
      for (int64_t j = 0; j < words; ++j)
        std::memcpy(column + n * scaleBytes + (j * n + r % n) * w, block + scaleBytes + w * j, w);
    }
  }
}

} // namespace llmc
