// kernels_generic.h - portable float32 kernels of the `generic` target.
//
// The emitter copies this header and kernels_generic.cpp into out/; the generated model.cpp calls
// these functions with the model's shapes as constants. They are also the reference twins that
// every target's microkernels are tested against, so they favour clarity over speed: plain loops
// in the order a reader expects. Long reductions (dot products, sums of squares, softmax sums)
// accumulate in double, so the result is close to exact whatever order a faster kernel uses;
// elementwise steps follow Hugging Face's float32 arithmetic (e.g. rope angles are float32).
//
// Shapes in comments are (rows, columns), row-major. `n` is the number of tokens in the batch.
// Outputs never alias inputs unless a comment says so.
#ifndef LLMC_TARGETS_GENERIC_KERNELS_GENERIC_H
#define LLMC_TARGETS_GENERIC_KERNELS_GENERIC_H

#include <cstddef>
#include <cstdint>

#include "kernels_abi.h"  // targets/common: the signatures
#include "runtime/namespace.h"  // LLMRT_NAMESPACE_BEGIN, _END

LLMRT_NAMESPACE_BEGIN

// Every kernel of the table (kernels_generic.def) with its ABI signature (kernels_abi.h):
// llmk_generic_quantize_<format>, llmk_generic_linear_<storage>_rows, llmk_generic_<op>_f32,
// llmk_generic_embed_<storage>, llmk_generic_rope_f32, llmk_generic_attention_f32.
#include "kernels_abi_declare.h"
#include "kernels_generic.def"
#include "kernels_abi_undef.h"

/// Copies k and v rows to positions pos0 .. pos0+n-1 of the layer's cache (the first half of
/// llmk_generic_attention_f32).
void llmk_generic_kv_store_f32(const float* k /* (n, kv_dim) */, const float* v /* (n, kv_dim) */,
                               int n, int pos0, int kv_dim,
                               float* key_cache /* (context, kv_dim) */,
                               float* value_cache /* (context, kv_dim) */);

// ---- Quantized kernels (kernels_generic_quant.cpp) -------------------------------------------
// Weights are rows of ggml-compatible blocks (runtime/quant_format.h): w (m, k) holds m rows of
// ceil(k / block) blocks (block = 32 for q8_0/q4_0/q4_1, 256 for q4_K/q6_K); when k is not a
// multiple of the block, each row's last block is zero-padded, as the blob writer stores it.
// A linear's activations are quantized once per op (llmk_generic_quantize_<format>: q8_0 for q8_0
// and q4_0 weights, q8_1 for q4_1, q8_K for q4_K and q6_K; padded like the weights); the linear
// then sums exact integer block dot products scaled by the blocks' scales, in float.

enum llmrt_quant_scheme : uint32_t;  // runtime/quant_format.h

/// Bytes of the quantized activations of n rows of k for a linear with `weight_scheme` weights.
size_t llmk_generic_activation_scratch_bytes(llmrt_quant_scheme weight_scheme, int n, int k);

LLMRT_NAMESPACE_END

#endif  // LLMC_TARGETS_GENERIC_KERNELS_GENERIC_H
