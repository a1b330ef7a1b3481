//===- weight_layouts.h - the ARM kernels' weight layouts, as byte moves --===//
//
// The ARM kernels read q8_0 and q4_0 weights in three orders: rows (as GGUF stores them), groups
// of 4 rows with their quants interleaved in 4-byte words (`#arm.rows4x4`, for sdot), and pairs
// of rows as 2x8 int8 matrices (`#arm.rows2x8`, for smmla). These functions reorder row-major
// blocks into the other two; the compiler's blob writer calls them through the layout
// attributes (targets/arm/IR), the kernel tests to make their inputs. Plain C++17: no MLIR, so
// the cross-built kernel tests compile it on their own.
//
// Both keep what the row kernels compute (kernels_arm_rows.h) in reach of one instruction: the
// row kernels sum a block's 32 products into four int32 lanes, lane l holding values 4l..4l+3
// and 16+4l..16+4l+3; the layouts put exactly those values where sdot (a lane per row) and
// smmla (a 2x8 matrix per row pair) take them, so the packed kernels get the same integer sums
// and can add them in the same float order.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_ARM_WEIGHT_LAYOUTS_H
#define LLMC_TARGETS_ARM_WEIGHT_LAYOUTS_H

#include <cstdint>

namespace llmc::arm {

/// Rows per group of `#arm.rows4x4` (kernels_arm_rows4x4.h: Rows4x4::kRows).
constexpr int64_t kRows4x4 = 4;
/// Rows per group of `#arm.rows2x8` (kernels_arm_rows2x8.h: Rows2x8::kRows).
constexpr int64_t kRows2x8 = 2;

/// Groups of 4 consecutive rows of q8_0 (34-byte) or q4_0 (18-byte) blocks, block column by
/// block column: block b of group g takes the 4 blocks' bytes at block index (g * row_blocks +
/// b) * 4: the 4 rows' fp16 scales (row order), then for each 4-byte word j of the quants the 4
/// rows' bytes 4j..4j+3 (row order): the x86 panels' move (targets/common/block_words.h) on 4
/// rows. `rows` is a multiple of 4.
void packRows4x4(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes, void *out);

/// Pairs of consecutive rows of q8_0 or q4_0 blocks, block column by block column: block b of
/// pair g takes 2 blocks' bytes at block index (g * row_blocks + b) * 2: the 2 rows' fp16
/// scales, then four 2x8 matrices M_l (l = 0..3), row r of M_l being that row's values 4l..4l+3
/// and 16+4l..16+4l+3. q8_0 (blockBytes 34): the 4 matrices' 16 bytes each. q4_0 (18): their
/// nibbles (stored value + 8) in two 16-byte registers, register h holding M_2h in its low
/// nibbles and M_2h+1 in its high ones. `rows` is a multiple of 2.
void packRows2x8(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes, void *out);

} // namespace llmc::arm

#endif // LLMC_TARGETS_ARM_WEIGHT_LAYOUTS_H
