// kernels_arm_embed.h - the embedding of a table stored in a packed layout (#arm.rows4x4,
// #arm.rows2x8), so that a classifier tied to the embedding table is packed for the linears
// too: each block of the token's row is copied back to the row layout (q4_0's nibbles flipped
// back) and dequantized by the runtime, as the generic kernel dequantizes a row-major table,
// so the values are the same bits. One row a token: no vector code pays here.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_EMBED_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_EMBED_H

#include "runtime/quant_format.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

/// What the packing xors q4_0's quant bytes with: llmc::arm::kQ4_0NibbleFlip (weight_layouts.h).
const uint8_t kQ4_0PackedFlip = 0x88;

/// out[i, :] = row tokens[i] of a q8_0 or q4_0 table (`Block`: llmrt_block_q8_0 or
/// llmrt_block_q4_0) stored in groups of R rows whose quants are interleaved in W-byte words
/// (targets/arm/weight_layouts.h: R = 4, W = 4 for #arm.rows4x4; R = 2, W = 8 for
/// #arm.rows2x8), dequantized to float. `flip`: what the packing xored the quant bytes with.
template <class Block, int R, int W>
void embed_interleaved(llmrt_quant_scheme scheme, uint8_t flip, const void* table,
                       const int32_t* tokens, int n, int dim, float* out) {
  constexpr int kQuantBytes = sizeof(Block) - sizeof(llmrt_fp16);
  constexpr size_t kColumnBytes = R * sizeof(Block);  // a group's block: R scales, R rows' words
  const int blocks = (dim + LLMRT_QK - 1) / LLMRT_QK;
  const uint8_t* groups = static_cast<const uint8_t*>(table);
  for (int i = 0; i < n; ++i) {
    const int group = tokens[i] / R, lane = tokens[i] % R;
    const uint8_t* column = groups + static_cast<size_t>(group) * blocks * kColumnBytes;
    float* oi = out + static_cast<size_t>(i) * dim;
    for (int b = 0; b < blocks; ++b, column += kColumnBytes) {
      uint8_t block[sizeof(Block)];
      std::memcpy(block, column + lane * sizeof(llmrt_fp16), sizeof(llmrt_fp16));
      for (int j = 0; j < kQuantBytes / W; ++j) {
        const uint8_t* word = column + R * sizeof(llmrt_fp16) + (j * R + lane) * W;
        for (int byte = 0; byte < W; ++byte) {
          block[sizeof(llmrt_fp16) + j * W + byte] = word[byte] ^ flip;
        }
      }
      float values[LLMRT_QK];
      llmrt_dequantize_row(scheme, block, LLMRT_QK, values);
      const int count = dim - b * LLMRT_QK < LLMRT_QK ? dim - b * LLMRT_QK : LLMRT_QK;
      std::memcpy(oi + b * LLMRT_QK, values, sizeof(float) * count);
    }
  }
}

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_EMBED_H
