// arm_layout_tests.h - the ARM kernels' quantized linears on the ARM weight layouts
// (targets/arm/weight_layouts.h), through kernel_tests.h's check with a PackedLayout:
//   linear_*r4x4_rows   on the weights packed by packRows4x4 (m and the cuts multiples of 4)
//   linear_*r2x8_rows   on the weights packed by packRows2x8 (m and the cuts multiples of 2)
// each against the generic linear (both sum a block's products of a row in one int32 lane, where
// the row kernels keep four: never the row kernels' bits); and embed_*r4x4 / embed_*r2x8 on a
// packed table against the generic embedding of the table in rows, bit for bit. An ISA whose
// table lacks a layout's kernels skips its tests.
#ifndef LLMC_TEST_TARGETS_ARM_ARM_LAYOUT_TESTS_H
#define LLMC_TEST_TARGETS_ARM_ARM_LAYOUT_TESTS_H

#include "targets/arm/weight_layouts.h"
#include "test/Targets/common/kernel_tests.h"

#include <cstring>
#include <limits>
#include <string>
#include <vector>

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

/// The ISA's embedding of a `scheme` table packed by `pack` (group_rows rows a group), against
/// the generic embedding of the same table in rows: the same bits for every token of a group
/// and a last block cut short.
inline void check_packed_embed(embed_fn embed, embed_fn generic, llmrt_quant_scheme scheme,
                               decltype(PackedLayout::pack) pack, int group_rows) {
  if (embed == nullptr) GTEST_SKIP() << "the table lists no such embedding";
  const size_t block_bytes = llmrt_quant_block_bytes(scheme);
  for (int dim : {32, 64, 100, 33}) {
    const int vocab = 3 * group_rows, blocks = blocks_of(dim), padded = blocks * LLMRT_QK;
    std::vector<unsigned char> rows(static_cast<size_t>(vocab) * blocks * block_bytes);
    for (int r = 0; r < vocab; ++r) {
      std::vector<float> x = gaussian(padded, 31u * r + dim);
      std::fill(x.begin() + dim, x.end(), 0.0f);  // zero-padded, as the compiler stores a row
      llmrt_quantize_row(scheme, x.data(), padded, rows.data() + r * blocks * block_bytes);
    }
    std::vector<unsigned char> packed(rows.size());
    pack(rows.data(), vocab, group_rows, blocks, static_cast<int64_t>(block_bytes), packed.data());
    std::vector<int32_t> tokens(vocab);
    for (int t = 0; t < vocab; ++t) tokens[t] = (t * 5 + 2) % vocab;  // every row, out of order
    std::vector<float> want(static_cast<size_t>(vocab) * dim), got(want.size(), -1.0f);
    generic(rows.data(), tokens.data(), vocab, dim, want.data());
    embed(packed.data(), tokens.data(), vocab, dim, got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float)))
        << "dim " << dim;
  }
}

TEST_P(IsaKernelTest, EmbedRows4x4MatchesGeneric) {
  check_packed_embed(isa().embed("q8_0r4x4"), llmk_generic_embed_q8_0, LLMRT_Q8_0, pack_rows4x4,
                     int(llmc::arm::kRows4x4));
  check_packed_embed(isa().embed("q4_0r4x4"), llmk_generic_embed_q4_0, LLMRT_Q4_0, pack_rows4x4,
                     int(llmc::arm::kRows4x4));
}

TEST_P(IsaKernelTest, EmbedRows2x8MatchesGeneric) {
  check_packed_embed(isa().embed("q8_0r2x8"), llmk_generic_embed_q8_0, LLMRT_Q8_0, pack_rows2x8,
                     int(llmc::arm::kRows2x8));
  check_packed_embed(isa().embed("q4_0r2x8"), llmk_generic_embed_q4_0, LLMRT_Q4_0, pack_rows2x8,
                     int(llmc::arm::kRows2x8));
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
