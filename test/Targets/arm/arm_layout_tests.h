// arm_layout_tests.h - the ARM kernels' quantized linears on the ARM weight layouts
// (targets/arm/weight_layouts.h), through kernel_tests.h's check with a PackedLayout:
//   linear_*r4x4_rows   on the weights packed by packRows4x4 (m and the cuts multiples of 4)
//   linear_*r2x8_rows   on the weights packed by packRows2x8 (m and the cuts multiples of 2)
// each against the generic linear (both sum a block's products of a row in one int32 lane, where
// the row kernels keep four: never the row kernels' bits). An ISA whose table lacks a layout's
// kernels skips its tests.
#ifndef LLMC_TEST_TARGETS_ARM_ARM_LAYOUT_TESTS_H
#define LLMC_TEST_TARGETS_ARM_ARM_LAYOUT_TESTS_H

#include "targets/arm/weight_layouts.h"
#include "test/Targets/common/kernel_tests.h"

#include <limits>
#include <string>

namespace kernel_tests {

inline void pack_rows4x4(const void* in, int64_t rows, int64_t /*group_rows: 4*/,
                         int64_t row_blocks, int64_t block_bytes, void* out) {
  llmc::arm::packRows4x4(in, rows, row_blocks, block_bytes, out);
}

inline void pack_rows2x8(const void* in, int64_t rows, int64_t /*group_rows: 2*/,
                         int64_t row_blocks, int64_t block_bytes, void* out) {
  llmc::arm::packRows2x8(in, rows, row_blocks, block_bytes, out);
}

inline PackedLayout rows4x4(quant_linear_rows_fn linear) {
  const int rows = int(llmc::arm::kRows4x4);
  return {linear, "rows4x4", pack_rows4x4, rows, rows, std::numeric_limits<int>::max()};
}

inline PackedLayout rows2x8(quant_linear_rows_fn linear) {
  const int rows = int(llmc::arm::kRows2x8);
  return {linear, "rows2x8", pack_rows2x8, rows, rows, std::numeric_limits<int>::max()};
}

TEST_P(IsaKernelTest, LinearQ8_0Rows4x4MatchesGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q8_0, generic_linear_q8_0, isa().linear("q8_0")),
                      rows4x4(isa().linear("q8_0r4x4")));
}

TEST_P(IsaKernelTest, LinearQ4_0Rows4x4MatchesGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q4_0, generic_linear_q4_0, isa().linear("q4_0")),
                      rows4x4(isa().linear("q4_0r4x4")));
}

TEST_P(IsaKernelTest, LinearQ8_0Rows2x8MatchesGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q8_0, generic_linear_q8_0, isa().linear("q8_0")),
                      rows2x8(isa().linear("q8_0r2x8")));
}

TEST_P(IsaKernelTest, LinearQ4_0Rows2x8MatchesGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q4_0, generic_linear_q4_0, isa().linear("q4_0")),
                      rows2x8(isa().linear("q4_0r2x8")));
}

}  // namespace kernel_tests

#endif  // LLMC_TEST_TARGETS_ARM_ARM_LAYOUT_TESTS_H
