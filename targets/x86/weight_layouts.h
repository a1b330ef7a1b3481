//===- weight_layouts.h - the x86 kernels' weight layouts, as byte moves --===//
//
// The x86 kernels read quantized weights in three orders: rows (as GGUF stores them), groups of
// 4 rows with their blocks interleaved (`#x86.interleave4`), and panels of 8 or 16 rows stored
// block column by block column, transposed in 4-byte words (`#x86.panel<8>`, `#x86.panel<16>`).
// These functions reorder row-major blocks into the other two; the compiler's blob writer calls
// them through the layout attributes (targets/x86/IR), the kernel tests to make their inputs.
// Plain C++17: no MLIR, so tests and benchmarks link it on its own.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_X86_WEIGHT_LAYOUTS_H
#define LLMC_TARGETS_X86_WEIGHT_LAYOUTS_H

#include <cstdint>

namespace llmc::x86 {

/// Rows whose blocks `interleaveRows4` interleaves: the row tile of the `x4` kernels
/// (kernels_x86_tiling.h's InterleavedRows::kRows, checked equal by the kernel tests).
constexpr int64_t kInterleaveRows = 4;

/// Groups of kInterleaveRows consecutive rows with their blocks interleaved: block b of row r
/// moves to block index (r / 4) * 4 * row_blocks + b * 4 + r % 4, so that a kernel computing 4
/// rows at once streams one contiguous run of memory. `rows` is a multiple of 4.
void interleaveRows4(const void *in, int64_t rows, int64_t rowBlocks, int64_t blockBytes,
                     void *out);

/// Panels of `panelRows` (8 or 16) consecutive rows stored block column by block column, each
/// column transposed in 4-byte words: what the kernels multiply with one 32-bit lane per row.
/// For blocks that are one fp16 scale followed by their quant bytes (q8_0: 32, q4_0: 16), block
/// b of panel p (rows Pp..Pp+P-1) takes P blocks' bytes at block index (p * row_blocks + b) * P:
/// the P rows' scales (row order), then for each word j of the quants the P rows' bytes
/// 4j..4j+3 (row order). `rows` is a multiple of `panelRows`. (targets/common/block_words.h's
/// transposeBlockWords, which #arm.rows4x4 shares.)
void packPanels(const void *in, int64_t rows, int64_t panelRows, int64_t rowBlocks,
                int64_t blockBytes, void *out);

} // namespace llmc::x86

#endif // LLMC_TARGETS_X86_WEIGHT_LAYOUTS_H
