//===- weight_layouts.cpp - the ARM kernels' weight layouts, as byte moves ===//
#include "targets/arm/weight_layouts.h"
#include "targets/common/block_words.h"

namespace llmc::arm {

void packRows4x4(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes,
                 void *out) {
  transposeBlockWords(in, rows, kRows4x4, /*wordBytes=*/4, rowBlocks, blockBytes, out);
}

void packRows2x8(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes,
                 void *out) {
  transposeBlockWords(in, rows, kRows2x8, /*wordBytes=*/8, rowBlocks, blockBytes, out);
}

} // namespace llmc::arm
