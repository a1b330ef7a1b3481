//===- block_words.h - quantized blocks transposed in 4-byte words --------===//
//
// The byte move that the x86 panels (`#x86.panel<8|16>`) and the ARM layouts (`#arm.rows4x4`,
// `#arm.rows2x8`) share: groups of rows stored block column by block column, each column's
// quants transposed in words of 4 bytes (one 32-bit lane per row) or 8 (one smmla row). Plain C++17: no MLIR, so the
// kernel tests (cross-built ones too) compile it on their own.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_COMMON_BLOCK_WORDS_H
#define LLMC_TARGETS_COMMON_BLOCK_WORDS_H

#include <cstdint>

namespace llmc {

/// Groups of `groupRows` consecutive rows stored block column by block column, for blocks that
/// are one fp16 scale followed by their quant bytes (q8_0: 32, q4_0: 16): block b of group g
/// (rows Gg..Gg+G-1) takes G blocks' bytes at block index (g * row_blocks + b) * G: the G rows'
/// scales (row order), then for each word j of the quants (`wordBytes` W: 4 or 8) the G rows'
/// bytes Wj..Wj+W-1 (row order). `rows` is a multiple of `groupRows`.
void transposeBlockWords(const void *in, int64_t rows, int64_t groupRows, int64_t wordBytes,
                         int64_t rowBlocks, int64_t blockBytes, void *out);

} // namespace llmc

#endif // LLMC_TARGETS_COMMON_BLOCK_WORDS_H
