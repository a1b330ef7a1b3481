// kernels_quantize_rows.h - the half of the SIMD activation quantizers (kernels_abi.h's
// LLMK_QUANTIZE) that no instruction set changes: the loop over n rows of k floats, a short last
// block quantized from a zero-padded copy (as the generic kernels pad their activations), and the
// q8_0 and q8_1 blocks written from one 32-float quantizer. An ISA's kernel file supplies the
// block quantizers and reads its table's entries from ActivationQuantizers:
//
//   QuantizeQ8   float quantize_block_q8(const float* x, int8_t* qs, int* sum): 32 floats to
//                quants as llmrt_quantize_row_q8_0 does; returns the scale, *sum gets the sum of
//                the quants (q8_1's s)
//   QuantizeQ8K  void quantize_block_q8_k(const float* x, llmrt_block_q8_K* out): 256 floats to
//                a q8_K block as llmrt_quantize_row_q8_k does
//
// Plain C++17. Everything sits in an unnamed namespace: each kernel file gets its own copy,
// compiled for its own instruction set.
#ifndef LLMC_TARGETS_COMMON_KERNELS_QUANTIZE_ROWS_H
#define LLMC_TARGETS_COMMON_KERNELS_QUANTIZE_ROWS_H

#include "runtime/quant_format.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

typedef float (*QuantizeQ8)(const float* x /* (32) */, int8_t* qs /* (32) */, int* sum);
typedef void (*QuantizeQ8K)(const float* x /* (256) */, llmrt_block_q8_K* out);

template <QuantizeQ8 quantize_block_q8>
inline void quantize_block(const float* x, llmrt_block_q8_0* out) {
  int sum;
  out->d = llmrt_fp32_to_fp16(quantize_block_q8(x, out->qs, &sum));
}

/// s = fp16(d * sum(qs)) with d before its rounding to fp16, as llmrt_quantize_row_q8_1.
template <QuantizeQ8 quantize_block_q8>
inline void quantize_block(const float* x, llmrt_block_q8_1* out) {
  int sum;
  const float d = quantize_block_q8(x, out->qs, &sum);
  out->d = llmrt_fp32_to_fp16(d);
  out->s = llmrt_fp32_to_fp16(static_cast<float>(sum) * d);
}

/// n rows of k floats to blocks of kValues floats each, a short last block quantized from a
/// zero-padded copy.
template <typename Block, int kValues, void (*quantize)(const float* x /* (kValues) */, Block*)>
void quantize_rows_of(const float* x /* (n, k) */, int n, int k,
                      void* out /* (n, ceil(k/kValues)) */) {
  const int blocks = (k + kValues - 1) / kValues;
  const int whole = k / kValues;
  Block* y = static_cast<Block*>(out);
  for (int i = 0; i < n; ++i) {
    const float* xi = x + static_cast<size_t>(i) * k;
    Block* yi = y + static_cast<size_t>(i) * blocks;
    for (int b = 0; b < whole; ++b) quantize(xi + b * kValues, &yi[b]);
    if (whole < blocks) {
      float tail[kValues] = {};
      std::memcpy(tail, xi + whole * kValues, sizeof(float) * (k - whole * kValues));
      quantize(tail, &yi[whole]);
    }
  }
}

/// The LLMK_QUANTIZE entries of an ISA, by format: ActivationQuantizers<...>::q8_1(x, n, k, out).
template <QuantizeQ8 quantize_block_q8, QuantizeQ8K quantize_block_q8_k>
struct ActivationQuantizers {
  static void q8_0(const float* x /* (n, k) */, int n, int k, void* out /* (n, ceil(k/32)) */) {
    quantize_rows_of<llmrt_block_q8_0, LLMRT_QK, quantize_block<quantize_block_q8>>(x, n, k, out);
  }
  static void q8_1(const float* x /* (n, k) */, int n, int k, void* out /* (n, ceil(k/32)) */) {
    quantize_rows_of<llmrt_block_q8_1, LLMRT_QK, quantize_block<quantize_block_q8>>(x, n, k, out);
  }
  static void q8_k(const float* x /* (n, k) */, int n, int k, void* out /* (n, ceil(k/256)) */) {
    quantize_rows_of<llmrt_block_q8_K, LLMRT_QK_K, quantize_block_q8_k>(x, n, k, out);
  }
};

}  // namespace

#endif  // LLMC_TARGETS_COMMON_KERNELS_QUANTIZE_ROWS_H
