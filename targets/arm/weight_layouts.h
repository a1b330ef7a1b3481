//===- weight_layouts.h - the ARM kernels' weight layouts, as byte moves --===//
//
// The ARM kernels read q8_0 and q4_0 weights in three orders: rows (as GGUF stores them), groups
// of 4 rows with their quants interleaved in 4-byte words (`#arm.rows4x4`, for sdot), and pairs
// of rows interleaved in 8-byte words, each 16 bytes a 2x8 int8 matrix (`#arm.rows2x8`, for
// smmla). These functions reorder row-major blocks into the other two; the compiler's blob writer calls them through the layout
// attributes (targets/arm/IR), the kernel tests to make their inputs. Plain C++17: no MLIR, so
// the cross-built kernel tests compile it on their own.
//
// #arm.rows4x4 is what sdot by lane takes: a 16-byte load holds word j of 4 rows, multiplied by
// word j of one token's activations into the 4 rows' lanes. #arm.rows2x8 is what smmla takes,
// 8 bytes of 2 rows. The kernels of both sum a block's products of a row in one int32 lane.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_ARM_WEIGHT_LAYOUTS_H
#define LLMC_TARGETS_ARM_WEIGHT_LAYOUTS_H

#include <cstdint>

namespace llmc::arm {

/// Rows per group of `#arm.rows4x4` (kernels_arm_rows4x4.h: Rows4x4::kRows).
constexpr int64_t kRows4x4 = 4;
/// What both layouts xor q4_0's quant bytes with: the top bit of each nibble, so that each
/// nibble, q + 8, holds q in 4-bit two's complement, which the kernels move to the top of a byte
/// as 16 q in one instruction (kernels_arm_rows4x4.h, kernels_arm_rows2x8.h).
constexpr uint8_t kQ4_0NibbleFlip = 0x88;
/// Rows per group of `#arm.rows2x8` (kernels_arm_rows2x8.h: Rows2x8::kRows).
constexpr int64_t kRows2x8 = 2;

/// Groups of 4 consecutive rows of q8_0 (34-byte) or q4_0 (18-byte) blocks, block column by
/// block column: block b of group g takes the 4 blocks' bytes at block index (g * row_blocks +
/// b) * 4: the 4 rows' fp16 scales (row order), then for each 4-byte word j of the quants the 4
/// rows' bytes 4j..4j+3 (row order): the x86 panels' move (targets/common/block_words.h) on 4
/// rows. q4_0's quant bytes are stored xor kQ4_0NibbleFlip. `rows` is a multiple of 4.
void packRows4x4(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes, void *out);

/// Pairs of consecutive rows of q8_0 or q4_0 blocks, block column by block column: block b of
/// pair g takes 2 blocks' bytes at block index (g * row_blocks + b) * 2: the 2 rows' fp16
/// scales, then for each 8-byte word j of the quants the 2 rows' bytes 8j..8j+7 (the move of
/// targets/common/block_words.h in 8-byte words): 16 bytes that are a 2x8 int8 matrix for smmla
/// (q8_0: values 8j..8j+7 of each row; q4_0: values 8j.. in the low nibbles, 16+8j.. in the
/// high ones; its quant bytes xor kQ4_0NibbleFlip). `rows` is a multiple of 2.
void packRows2x8(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes, void *out);

} // namespace llmc::arm

#endif // LLMC_TARGETS_ARM_WEIGHT_LAYOUTS_H
