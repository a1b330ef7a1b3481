// x86_kernel_tests.h - the tests every x86 kernel file passes: the suite of every ISA
// (kernel_tests.h), and its quantized linears on the x86 weight layouts:
//   linear_*x4_rows     on the weights packed by interleaveRows4 (m a multiple of 4; ranges cut
//                       at multiples of 4 and anywhere), and bit-identical to the unpacked kernel
//   linear_*p8_rows     on the weights stored as panels by packPanels (8 rows on AVX2, 16 on
//   linear_*p16_rows    AVX-512; m and the cuts multiples of it), bit-identical to the unpacked
//                       kernel from 4 tokens on (both through the panels)
#ifndef LLMC_TEST_TARGETS_X86_X86_KERNEL_TESTS_H
#define LLMC_TEST_TARGETS_X86_X86_KERNEL_TESTS_H

#include "targets/x86/weight_layouts.h"
#include "test/Targets/common/kernel_tests.h"

#include <string>

namespace kernel_tests {

inline void interleave_rows4(const void* in, int64_t rows, int64_t /*group_rows: 4*/,
                             int64_t row_blocks, int64_t block_bytes, void* out) {
  llmc::x86::interleaveRows4(in, rows, row_blocks, block_bytes, out);
}

inline PackedLayout interleave4(quant_linear_rows_fn linear) {
  return {linear, "interleave4", interleave_rows4, int(llmc::x86::kInterleaveRows), 1, 1};
}

/// Decode (1 to 3 tokens) goes through the panels, the unpacked kernel through row tiles.
inline PackedLayout panels(quant_linear_rows_fn linear, int rows) {
  return {linear, rows == 8 ? "panel8" : "panel16", llmc::x86::packPanels, rows, rows, 4};
}

/// The ISA's kernel on `scheme` weights stored as its panels (#x86.panel<panel_rows>).
inline quant_linear_rows_fn panel_linear(const IsaKernels& isa, const std::string& scheme) {
  return isa.linear(scheme + "p" + std::to_string(isa.panel_rows));
}

TEST_P(IsaKernelTest, LinearQ8_0x4MatchesGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q8_0, generic_linear_q8_0, isa().linear("q8_0")),
                      interleave4(isa().linear("q8_0x4")));
}

TEST_P(IsaKernelTest, LinearQ4_0x4MatchesGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q4_0, generic_linear_q4_0, isa().linear("q4_0")),
                      interleave4(isa().linear("q4_0x4")));
}

TEST_P(IsaKernelTest, LinearQ8_0PanelsMatchGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q8_0, generic_linear_q8_0, isa().linear("q8_0")),
                      panels(panel_linear(isa(), "q8_0"), isa().panel_rows));
}

TEST_P(IsaKernelTest, LinearQ4_0PanelsMatchGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q4_0, generic_linear_q4_0, isa().linear("q4_0")),
                      panels(panel_linear(isa(), "q4_0"), isa().panel_rows));
}

TEST_P(IsaKernelTest, LinearQ4_1x4MatchesGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q4_1, generic_linear_q4_1, isa().linear("q4_1")),
                      interleave4(isa().linear("q4_1x4")));
}

TEST_P(IsaKernelTest, LinearQ4_Kx4MatchesGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q4_K, generic_linear_q4_k, isa().linear("q4_k")),
                      interleave4(isa().linear("q4_kx4")));
}

TEST_P(IsaKernelTest, LinearQ6_Kx4MatchesGeneric) {
  check_packed_scheme(quant_scheme(isa(), LLMRT_Q6_K, generic_linear_q6_k, isa().linear("q6_k")),
                      interleave4(isa().linear("q6_kx4")));
}

}  // namespace kernel_tests

#endif  // LLMC_TEST_TARGETS_X86_X86_KERNEL_TESTS_H
