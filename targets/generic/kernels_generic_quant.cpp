// kernels_generic_quant.cpp - quantized linear and embedding kernels of the generic target.
//
// A quantized linear first quantizes its float activations, once per call, to the block type
// that pairs with the weights (q8_0 for q8_0/q4_0 weights, q8_1 for q4_1, q8_K for q4_K/q6_K),
// then takes each output as integer dot products of weight and activation blocks (exact int32
// sums of small-integer products) scaled by the blocks' float scales and summed in float. This
// is ggml's reference formulation (ggml_vec_dot_<w>_<x>_generic), so a SIMD kernel can reproduce
// these results closely by keeping the same integer sums and block order.
#include <cstddef>
#include <cstring>

#include "kernels_generic.h"  // beside this file, here and in out/
#include "runtime/quant_format.h"

LLMRT_NAMESPACE_BEGIN

namespace {

// Each *_row_dot returns the dot product of one quantized weight row with one quantized
// activation row, both `blocks` blocks long.
typedef float (*row_dot_fn)(const void* w_row, const void* x_row, int blocks);
typedef void (*quantize_row_fn)(const float* x, int64_t k, void* out);

float q8_0_row_dot(const void* w_row /* (blocks) q8_0 */, const void* x_row /* (blocks) q8_0 */,
                   int blocks) {
  const llmrt_block_q8_0* w = static_cast<const llmrt_block_q8_0*>(w_row);
  const llmrt_block_q8_0* x = static_cast<const llmrt_block_q8_0*>(x_row);
  float sum = 0.0f;
  for (int b = 0; b < blocks; ++b) {
    int32_t sumi = 0;
    for (int j = 0; j < LLMRT_QK; ++j) sumi += w[b].qs[j] * x[b].qs[j];
    sum += static_cast<float>(sumi) * (llmrt_fp16_to_fp32(w[b].d) * llmrt_fp16_to_fp32(x[b].d));
  }
  return sum;
}

float q4_0_row_dot(const void* w_row /* (blocks) q4_0 */, const void* x_row /* (blocks) q8_0 */,
                   int blocks) {
  const llmrt_block_q4_0* w = static_cast<const llmrt_block_q4_0*>(w_row);
  const llmrt_block_q8_0* x = static_cast<const llmrt_block_q8_0*>(x_row);
  float sum = 0.0f;
  for (int b = 0; b < blocks; ++b) {
    int32_t sumi = 0;
    for (int j = 0; j < LLMRT_QK / 2; ++j) {
      sumi += ((w[b].qs[j] & 15) - 8) * x[b].qs[j];                 // weights 0..15
      sumi += ((w[b].qs[j] >> 4) - 8) * x[b].qs[j + LLMRT_QK / 2];  // weights 16..31
    }
    sum += static_cast<float>(sumi) * llmrt_fp16_to_fp32(w[b].d) * llmrt_fp16_to_fp32(x[b].d);
  }
  return sum;
}

float q4_1_row_dot(const void* w_row /* (blocks) q4_1 */, const void* x_row /* (blocks) q8_1 */,
                   int blocks) {
  const llmrt_block_q4_1* w = static_cast<const llmrt_block_q4_1*>(w_row);
  const llmrt_block_q8_1* x = static_cast<const llmrt_block_q8_1*>(x_row);
  float sum = 0.0f;
  for (int b = 0; b < blocks; ++b) {
    int32_t sumi = 0;
    for (int j = 0; j < LLMRT_QK / 2; ++j) {
      sumi += (w[b].qs[j] & 15) * x[b].qs[j];
      sumi += (w[b].qs[j] >> 4) * x[b].qs[j + LLMRT_QK / 2];
    }
    // sum_j (dw * qw_j + mw) * dx * qx_j = dw * dx * sumi + mw * (dx * sum_j qx_j), and the
    // activation block stores dx * sum_j qx_j as s.
    const float dw = llmrt_fp16_to_fp32(w[b].d), mw = llmrt_fp16_to_fp32(w[b].m);
    const float dx = llmrt_fp16_to_fp32(x[b].d), sx = llmrt_fp16_to_fp32(x[b].s);
    sum += (dw * dx) * static_cast<float>(sumi) + mw * sx;
  }
  return sum;
}

float q4_k_row_dot(const void* w_row /* (blocks) q4_K */, const void* x_row /* (blocks) q8_K */,
                   int blocks) {
  const llmrt_block_q4_K* w = static_cast<const llmrt_block_q4_K*>(w_row);
  const llmrt_block_q8_K* x = static_cast<const llmrt_block_q8_K*>(x_row);
  float sum = 0.0f;
  for (int b = 0; b < blocks; ++b) {
    // Weight = d * sc[s] * q - dmin * mn[s] in sub-block s (32 weights), so the dot product is
    // d * dx * sum_s sc[s] * (q . qx)_s  -  dmin * dx * sum_s mn[s] * sum(qx)_s, where the
    // activation sums come ready-made as bsums (two per sub-block).
    int32_t sumi_scaled = 0, sumi_min = 0;
    for (int s = 0; s < 8; ++s) {
      int sc, mn;
      llmrt_q4_k_scale_min(w[b].scales, s, &sc, &mn);
      const uint8_t* qs = w[b].qs + (s / 2) * 32;
      const int shift = (s % 2) * 4;  // even sub-blocks in the low nibbles, odd in the high
      const int8_t* qx = x[b].qs + s * 32;
      int32_t dot = 0;
      for (int l = 0; l < 32; ++l) dot += ((qs[l] >> shift) & 15) * qx[l];
      sumi_scaled += sc * dot;
      sumi_min += mn * (x[b].bsums[2 * s] + x[b].bsums[2 * s + 1]);
    }
    const float d = llmrt_fp16_to_fp32(w[b].d) * x[b].d;
    const float dmin = llmrt_fp16_to_fp32(w[b].dmin) * x[b].d;
    // ggml's generic code spreads sumi_scaled over 8 float lanes (an artifact of emulating SIMD);
    // one sum is the same up to float rounding.
    sum += d * static_cast<float>(sumi_scaled);
    sum -= dmin * static_cast<float>(sumi_min);
  }
  return sum;
}

float q6_k_row_dot(const void* w_row /* (blocks) q6_K */, const void* x_row /* (blocks) q8_K */,
                   int blocks) {
  const llmrt_block_q6_K* w = static_cast<const llmrt_block_q6_K*>(w_row);
  const llmrt_block_q8_K* x = static_cast<const llmrt_block_q8_K*>(x_row);
  float sum = 0.0f;
  for (int b = 0; b < blocks; ++b) {
    int8_t q[LLMRT_QK_K];  // 6-bit weights q - 32 in -32..31
    llmrt_q6_k_quants(&w[b], q);
    int32_t sumi = 0;  // sum_s scale[s] * (q . qx) over 16 sub-blocks of 16
    for (int s = 0; s < 16; ++s) {
      int32_t dot = 0;
      for (int l = 0; l < 16; ++l) dot += q[s * 16 + l] * x[b].qs[s * 16 + l];
      sumi += w[b].scales[s] * dot;
    }
    sum += (llmrt_fp16_to_fp32(w[b].d) * x[b].d) * static_cast<float>(sumi);
  }
  return sum;
}

/// Blocks in a row of k values: a partial last block counts, zero-padded.
int row_blocks(int k, int block) { return (k + block - 1) / block; }

/// Quantizes one row of k activations into row_blocks(k, block) blocks. A partial last block is
/// quantized from a zero-padded copy, as the weight rows are padded (the padding adds nothing).
void quantize_activation_row(quantize_row_fn quantize, int block, size_t block_bytes,
                             const float* x /* (k) */, int k, unsigned char* out) {
  const int whole = k / block * block;
  if (whole > 0) quantize(x, whole, out);
  if (whole < k) {
    float tail[LLMRT_QK_K] = {};  // block <= 256
    std::memcpy(tail, x + whole, sizeof(float) * (k - whole));
    quantize(tail, block, out + static_cast<size_t>(whole / block) * block_bytes);
  }
}

/// An activation block type: how a row of k floats becomes blocks.
struct ActivationFormat {
  quantize_row_fn quantize_row;
  int block;  // values per block
  size_t block_bytes;
};

// Named after the table's formats and storages (kFormat_q8_0, kScheme_q4_k), which the entry
// points below paste together.
const ActivationFormat kFormat_q8_0 = {llmrt_quantize_row_q8_0, LLMRT_QK, sizeof(llmrt_block_q8_0)};
const ActivationFormat kFormat_q8_1 = {llmrt_quantize_row_q8_1, LLMRT_QK, sizeof(llmrt_block_q8_1)};
const ActivationFormat kFormat_q8_k = {llmrt_quantize_row_q8_k, LLMRT_QK_K,
                                       sizeof(llmrt_block_q8_K)};
const llmrt_quant_scheme kScheme_q8_0 = LLMRT_Q8_0, kScheme_q4_0 = LLMRT_Q4_0,
                         kScheme_q4_1 = LLMRT_Q4_1, kScheme_q4_k = LLMRT_Q4_K,
                         kScheme_q6_k = LLMRT_Q6_K;

/// What the kernels need to know of one weight scheme: its block, the activation block type that
/// pairs with it, and the row dot product of the two.
struct SchemeKernels {
  llmrt_quant_scheme weights;
  size_t weight_block_bytes;  // blocks hold as many values as the activations'
  const ActivationFormat* activations;
  row_dot_fn row_dot;
};

const SchemeKernels kSchemeKernels[] = {
    {LLMRT_Q8_0, sizeof(llmrt_block_q8_0), &kFormat_q8_0, q8_0_row_dot},
    {LLMRT_Q4_0, sizeof(llmrt_block_q4_0), &kFormat_q8_0, q4_0_row_dot},
    {LLMRT_Q4_1, sizeof(llmrt_block_q4_1), &kFormat_q8_1, q4_1_row_dot},
    {LLMRT_Q4_K, sizeof(llmrt_block_q4_K), &kFormat_q8_k, q4_k_row_dot},
    {LLMRT_Q6_K, sizeof(llmrt_block_q6_K), &kFormat_q8_k, q6_k_row_dot},
};

const SchemeKernels& kernels_of(llmrt_quant_scheme weights) {
  for (const SchemeKernels& q : kSchemeKernels) {
    if (q.weights == weights) return q;
  }
  return kSchemeKernels[0];  // unreachable for a valid scheme
}

/// Quantizes each of the n rows of x into whole blocks of `format`.
void quantize_rows(const ActivationFormat& format, const float* x /* (n, k) */, int n, int k,
                   void* out /* (n, blocks) */) {
  const size_t row_bytes = static_cast<size_t>(row_blocks(k, format.block)) * format.block_bytes;
  unsigned char* xq = static_cast<unsigned char*>(out);
  for (int i = 0; i < n; ++i) {
    quantize_activation_row(format.quantize_row, format.block, format.block_bytes,
                            x + static_cast<size_t>(i) * k, k, xq + i * row_bytes);
  }
}

/// y[:, row_begin:row_end] = x * w[row_begin:row_end, :]^T (+ bias) for quantized weights and
/// activations quantized by quantize_rows: for each output feature (weight row read once) and
/// each token, the row dot.
void linear_quantized_rows(const SchemeKernels& q, const void* x_blocks /* (n, blocks) */,
                           const void* w /* (m, blocks) */, const float* bias /* (m) or nullptr */,
                           int n, int k, int m, int row_begin, int row_end, float* y /* (n, m) */) {
  const int blocks = row_blocks(k, q.activations->block);
  const size_t x_row_bytes = static_cast<size_t>(blocks) * q.activations->block_bytes;
  const size_t w_row_bytes = static_cast<size_t>(blocks) * q.weight_block_bytes;
  const unsigned char* xq = static_cast<const unsigned char*>(x_blocks);
  const unsigned char* wq = static_cast<const unsigned char*>(w);
  for (int o = row_begin; o < row_end; ++o) {
    const unsigned char* w_row = wq + o * w_row_bytes;
    for (int i = 0; i < n; ++i) {
      float acc = q.row_dot(w_row, xq + i * x_row_bytes, blocks);
      if (bias != nullptr) acc += bias[o];
      y[static_cast<size_t>(i) * m + o] = acc;
    }
  }
}

/// out[i, :] = dequantized table row tokens[i]; a partial last block goes through a copy.
void embed_quantized(llmrt_quant_scheme scheme, const void* table /* (vocab, blocks) */,
                     const int32_t* tokens /* (n) */, int n, int dim, float* out /* (n, dim) */) {
  const SchemeKernels& q = kernels_of(scheme);
  const int block = q.activations->block;
  const int blocks = row_blocks(dim, block);
  const size_t row_bytes = static_cast<size_t>(blocks) * q.weight_block_bytes;
  const int whole = dim / block * block;
  const unsigned char* rows = static_cast<const unsigned char*>(table);
  for (int i = 0; i < n; ++i) {
    const unsigned char* row = rows + static_cast<size_t>(tokens[i]) * row_bytes;
    float* oi = out + static_cast<size_t>(i) * dim;
    if (whole > 0) llmrt_dequantize_row(scheme, row, whole, oi);
    if (whole < dim) {
      float tail[LLMRT_QK_K];
      const unsigned char* last = row + static_cast<size_t>(blocks - 1) * q.weight_block_bytes;
      llmrt_dequantize_row(scheme, last, block, tail);
      std::memcpy(oi + whole, tail, sizeof(float) * (dim - whole));
    }
  }
}

}  // namespace

size_t llmk_generic_activation_scratch_bytes(llmrt_quant_scheme weight_scheme, int n, int k) {
  const ActivationFormat& format = *kernels_of(weight_scheme).activations;
  return static_cast<size_t>(n) * row_blocks(k, format.block) * format.block_bytes;
}

// ---- the table's quantized entries (kernels_generic.def) -------------------------------------

#define LLMK_QUANTIZE(isa, format) \
  LLMK_QUANTIZE_SIGNATURE(isa, format) { quantize_rows(kFormat_##format, x, n, k, out); }
#define LLMK_LINEAR_QUANT(isa, storage, format)                                                    \
  LLMK_LINEAR_QUANT_SIGNATURE(isa, storage, format) {                                              \
    linear_quantized_rows(kernels_of(kScheme_##storage), xq, w, bias, n, k, m, row_begin, row_end, \
                          y);                                                                      \
  }
#define LLMK_EMBED_QUANT(isa, storage)                              \
  LLMK_EMBED_SIGNATURE(isa, storage) {                              \
    embed_quantized(kScheme_##storage, table, tokens, n, dim, out); \
  }
#include "kernels_abi_defaults.h"
#include "kernels_generic.def"
#include "kernels_abi_undef.h"

LLMRT_NAMESPACE_END
