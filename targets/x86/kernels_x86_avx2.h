// kernels_x86_avx2.h - hand-written microkernels of the `x86-avx2` target (AVX2 + FMA + F16C,
// no AVX-512). Build kernels_x86_avx2.cpp with -mavx2 -mfma -mf16c.
//
// The kernels are the entries of kernels_x86_avx2.def; each has a reference twin among the
// generic kernels (kernels_generic.def) that its tests compare it with. The quantized linears
// take activations already quantized (by the quantize kernel of the matching block type, once
// per linear) and compute the output columns [row_begin, row_end) of y, so the generated code
// can split the weight rows over threads. Their per-block integer dot products are exact, as in
// the generic kernels; only the order in which the scaled block sums are added differs.
//
// Shapes in comments are (rows, columns), row-major; n is the number of tokens. Quantized rows are
// ggml-compatible blocks (runtime/quant_format.h), the last block of a row zero-padded when k is
// not a multiple of the block size (32, or 256 for q4_K, q6_K and q8_K). Block pointers need only
// the blocks' own alignment (2 bytes; q8_K 4).
#ifndef LLMC_TARGETS_X86_KERNELS_X86_AVX2_H
#define LLMC_TARGETS_X86_KERNELS_X86_AVX2_H

#include "kernels_abi.h"  // targets/common: the signatures
#include "runtime/namespace.h"  // LLMRT_NAMESPACE_BEGIN, _END

LLMRT_NAMESPACE_BEGIN

// Every kernel of the table (kernels_x86_avx2.def) with its ABI signature (kernels_abi.h).
#include "kernels_abi_declare.h"
#include "kernels_x86_avx2.def"
#include "kernels_abi_undef.h"

/// out[i] = e^x[i] within 2e-7 relative wherever e^x is a normal float; overflows to +inf,
/// underflows through subnormals to 0, NaN stays NaN (a polynomial; also softmax's exp).
void llmk_avx2_exp_f32(const float* x /* (count) */, int count, float* out /* (count) */);

LLMRT_NAMESPACE_END

#endif  // LLMC_TARGETS_X86_KERNELS_X86_AVX2_H
