// kernel_tests.h - the tests every ISA's kernel file passes, against its generic twin.
//
// A test source fills an IsaKernels with one ISA's functions (read_kernel_table.h reads its
// kernel table) and instantiates the suite with it:
//   INSTANTIATE_TEST_SUITE_P(X86, IsaKernelTest, ::testing::Values(&kAvx2Kernels), IsaName);
// Each test skips when the running CPU lacks the ISA (IsaKernels::supported), or when the ISA's
// table lacks the kernel. The tests of kernels on a target's own weight layouts (x86:
// x86_kernel_tests.h) run the quantized linear checks below with a PackedLayout.
//
// What is checked:
//   quantize_q8_0/q8_1/q8_k  byte for byte what llmrt_quantize_row_q8_* writes (rounding ties,
//                       NaN, infinities, zero and subnormal blocks, short last blocks)
//   linear_*_rows       the generic linear on the same inputs, up to 1e-5 of the sum of |terms|
//                       (the integer block sums are exact; only float summation order differs),
//                       over row ranges that split the matrix anywhere (small m: at every row,
//                       with bit-identical results); columns outside the range untouched
//   with a PackedLayout  the same on the weights packed by its byte move (m a multiple of its
//                       group; ranges cut at multiples of it), bit-identical to the unpacked
//                       kernel from its identical_from_n tokens on
//   rms_norm, swiglu    the generic kernel within 1e-6 relative; exp within 1e-6 of double exp
//   add                 exactly
//   rope                the generic kernel within 2^-22 of |a cos| + |b sin| per output (a few
//                       roundings of the same terms), in place too, over head sizes with tails,
//                       more than one chunk of pairs, and positions up to 100000
//   linear_f16_rows     generic_linear_f16 / generic_linear_bf16 up to 1e-5 of the sum of |terms|,
//   linear_bf16_rows    and bit-identical to linear_f32_rows on the weights widened (the same
//                       products and order)
//   attend              llmk_generic_attend_f32 up to 1e-5 of the sum of |terms| (softmax weight times
//                       |value|), MHA and GQA, odd head_dim, decode and prefill rows after a
//                       history, over head ranges that split the heads anywhere; the columns of
//                       other heads untouched; cache rows past the causal window never read
#ifndef LLMC_TEST_TARGETS_COMMON_KERNEL_TESTS_H
#define LLMC_TEST_TARGETS_COMMON_KERNEL_TESTS_H

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/quant_format.h"
#include "test/common/generic_linear.h"

namespace kernel_tests {

typedef void (*quantize_fn)(const float* x, int n, int k, void* out);
typedef void (*quant_linear_rows_fn)(const void* xq, const void* w, const float* bias, int n,
                                     int k, int m, int row_begin, int row_end, float* y);
typedef void (*f32_linear_rows_fn)(const float* x, const float* w, const float* bias, int n,
                                   int k, int m, int row_begin, int row_end, float* y);
typedef void (*f16_linear_rows_fn)(const float* x, const void* w, const float* bias, int n,
                                   int k, int m, int row_begin, int row_end, float* y);
typedef void (*attend_fn)(const float* q, int n, int pos0, int n_heads, int n_kv_heads,
                          int head_dim, const float* key_cache, const float* value_cache,
                          int head_begin, int head_end, float* scores, float* out);
typedef void (*embed_fn)(const void* table, const int32_t* tokens, int n, int dim, float* out);
typedef void (*generic_quant_linear_fn)(const float* x, const void* w, const float* bias, int n,
                                        int k, int m, void* x_scratch, float* y);

/// One ISA's kernels, filled from its kernel table (read_kernel_table.h); a kernel the table
/// lacks stays nullptr and its tests skip.
struct IsaKernels {
  const char* name = nullptr;
  bool (*supported)() = nullptr;  // whether this CPU runs them
  int panel_rows = 0;  // the height of its stored panels (#x86.panel<8|16>); 0: none
  quantize_fn quantize_q8_0 = nullptr;
  quantize_fn quantize_q8_1 = nullptr;
  quantize_fn quantize_q8_k = nullptr;  // the activations of q4_K and q6_K weights
  f32_linear_rows_fn linear_f32_rows = nullptr;
  f16_linear_rows_fn linear_f16_rows = nullptr;   // binary16 weights, float activations
  f16_linear_rows_fn linear_bf16_rows = nullptr;  // bfloat16 weights, float activations
  /// The quantized linears by storage: "q4_0", "q4_0x4" (#x86.interleave4), "q4_0p8" (panels).
  std::map<std::string, quant_linear_rows_fn> quant_linear;
  /// The embeddings of quantized tables the table lists (the generic target's serve the rest).
  std::map<std::string, embed_fn> quant_embed;
  void (*rms_norm)(const float* x, const float* weight, int n, int dim, float eps,
                   float* out) = nullptr;
  void (*swiglu)(const float* gate, const float* up, int count, float* out) = nullptr;
  void (*add)(const float* a, const float* b, int count, float* out) = nullptr;
  attend_fn attend = nullptr;  // llmk_generic_attend_f32's signature
  void (*rope)(const float* x, int n, int n_heads, int head_dim, int pos0, const float* inv_freq,
               float* out) = nullptr;
  void (*exp)(const float* x, int count, float* out) = nullptr;  // not in the table

  quant_linear_rows_fn linear(const std::string& storage) const {
    auto it = quant_linear.find(storage);
    return it == quant_linear.end() ? nullptr : it->second;
  }
  embed_fn embed(const std::string& storage) const {
    auto it = quant_embed.find(storage);
    return it == quant_embed.end() ? nullptr : it->second;
  }
};

inline std::string IsaName(const ::testing::TestParamInfo<const IsaKernels*>& info) {
  return info.param->name;
}

class IsaKernelTest : public ::testing::TestWithParam<const IsaKernels*> {
 protected:
  void SetUp() override {
    if (!GetParam()->supported()) GTEST_SKIP() << "this CPU lacks " << GetParam()->name;
  }
  const IsaKernels& isa() const { return *GetParam(); }
};

inline std::vector<float> gaussian(size_t count, unsigned seed, float sd = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sd);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

/// Blocks in a row of k values: a partial last block counts (zero-padded).
inline int blocks_of(int k, int block = LLMRT_QK) { return (k + block - 1) / block; }

/// Values per block: 32, or 256 for the K-quants' super-blocks.
inline int block_values(llmrt_quant_scheme scheme) {
  return static_cast<int>(llmrt_quant_block_size(scheme));
}

/// The values in an activation block of type Block.
template <typename Block>
int activation_block_values() {
  return sizeof(Block) == sizeof(llmrt_block_q8_K) ? LLMRT_QK_K : LLMRT_QK;
}

/// What the generic kernels do to a row: whole blocks, the last one from a zero-padded copy.
template <typename Block>
std::vector<Block> reference_quantize(void (*quantize_row)(const float*, int64_t, void*),
                                      const std::vector<float>& x, int n, int k) {
  const int values = activation_block_values<Block>();
  const int blocks = blocks_of(k, values);
  std::vector<Block> out(static_cast<size_t>(n) * blocks);
  std::vector<float> padded(static_cast<size_t>(blocks) * values);
  for (int i = 0; i < n; ++i) {
    std::fill(padded.begin(), padded.end(), 0.0f);
    std::memcpy(padded.data(), &x[static_cast<size_t>(i) * k], sizeof(float) * k);
    quantize_row(padded.data(), static_cast<int64_t>(blocks) * values,
                 &out[static_cast<size_t>(i) * blocks]);
  }
  return out;
}

/// Three rows of `count` values: halfway values j + 0.5 in 0.5 .. 126.5 of both signs, then
/// their neighbours just below and just above in magnitude; the quantizers' rounding ties once a
/// block's absmax of 127 makes its scale +-1.
inline std::vector<std::vector<float>> tie_rows(int count) {
  std::vector<std::vector<float>> rows;
  for (int variant = 0; variant < 3; ++variant) {
    std::vector<float> r(count);
    for (int j = 0; j < count; ++j) {
      float v = static_cast<float>((j * 37) % 127) + 0.5f;  // 0.5 .. 126.5
      if (variant == 1) v = std::nextafter(v, 0.0f);
      if (variant == 2) v = std::nextafter(v, 200.0f);
      r[j] = (j % 3 == 1) ? -v : v;
    }
    rows.push_back(r);
  }
  return rows;
}

/// The rows one after another; *n_out gets their number.
inline std::vector<float> concatenate(const std::vector<std::vector<float>>& rows, int* n_out) {
  std::vector<float> flat;
  for (const std::vector<float>& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  *n_out = static_cast<int>(rows.size());
  return flat;
}

/// Rows of floats meant to trip the quantizers: rounding ties, NaN, infinities, zeros,
/// subnormals, huge values. Each row is 96 values (3 blocks).
inline std::vector<float> tricky_rows(int* n_out) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Ties: a block whose absmax is 127 has d = 1 and scale 1, so x * id = x exactly; x + 0.5 and
  // its neighbours test roundf's halfway cases.
  std::vector<std::vector<float>> rows = tie_rows(96);
  for (std::vector<float>& r : rows) {
    for (int j = 0; j < 96; j += 32) r[j] = (j % 3 == 1) ? -127.0f : 127.0f;  // block absmax
  }
  {
    std::vector<float> r(96, 0.0f);  // zeros, then a NaN among values, then an infinity
    r[40] = nan;
    r[41] = 3.0f;
    r[42] = -2.0f;
    r[70] = inf;
    r[71] = 1.0f;
    r[72] = -inf;
    rows.push_back(r);
  }
  {
    std::vector<float> r(96);
    for (int j = 0; j < 96; ++j) {
      r[j] = (j < 32 ? 1e-40f : j < 64 ? 3e38f : 6.0e-8f) * static_cast<float>((j % 7) - 3);
    }
    rows.push_back(r);
  }
  {
    std::vector<float> r(96);  // -0.0 and the smallest normal
    for (int j = 0; j < 96; ++j) r[j] = j % 2 ? -0.0f : std::numeric_limits<float>::min();
    rows.push_back(r);
  }
  return concatenate(rows, n_out);
}

/// Rows of two q8_K blocks (512 values) meant to trip the q8_K quantizer, whose scale maps the
/// value of largest magnitude (the first on ties) to -127 and rounds to nearest even.
inline std::vector<float> tricky_rows_q8_k(int* n_out) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Ties: an absmax of 127 makes the scale -1 or 1 (sign of that value), so iscale * x is x or -x
  // exactly, and x = j + 0.5 and its neighbours test the halfway cases. The first block's
  // absmax is negative (scale 1), the second's positive (scale -1).
  std::vector<std::vector<float>> rows = tie_rows(512);
  for (std::vector<float>& r : rows) {
    r[7] = -127.0f;
    r[256 + 200] = 127.0f;
  }
  {
    // Equal magnitudes of both signs: the first decides the sign of the scale.
    std::vector<float> r(512);
    for (int j = 0; j < 512; ++j) r[j] = 0.25f * static_cast<float>((j % 11) - 5);
    r[30] = -3.0f;
    r[31] = 3.0f;
    r[100] = 3.0f;
    r[256 + 3] = 3.0f;
    r[256 + 4] = -3.0f;
    r[256 + 255] = -3.0f;
    rows.push_back(r);
  }
  {
    // An all-zero block (of -0.0s and NaNs too), then NaNs among values.
    std::vector<float> r(512, 0.0f);
    r[3] = -0.0f;
    r[9] = nan;
    r[300] = nan;
    r[301] = 3.0f;
    r[302] = -2.0f;
    r[511] = nan;
    rows.push_back(r);
  }
  {
    // Infinities: the scale becomes -0, every finite value 0, inf * -0 NaN (-128).
    std::vector<float> r(512);
    for (int j = 0; j < 512; ++j) r[j] = static_cast<float>((j % 5) - 2);
    r[40] = inf;
    r[41] = -inf;
    r[256 + 17] = -inf;
    rows.push_back(r);
  }
  {
    // A subnormal absmax (the scale overflows to -inf), then huge values.
    std::vector<float> r(512);
    for (int j = 0; j < 512; ++j) {
      r[j] = (j < 256 ? 1e-40f : 1e38f) * static_cast<float>((j % 7) - 3);
    }
    rows.push_back(r);
  }
  {
    // Values just below the absmax in magnitude: all round to -+127.
    std::vector<float> r(512);
    for (int j = 0; j < 512; ++j) r[j] = (j % 2 ? -1.0f : 1.0f) * (1.0f - 1e-7f * (j % 3));
    rows.push_back(r);
  }
  return concatenate(rows, n_out);
}

/// An ISA's quantizer against the runtime's, byte for byte: random rows (1 and 3 of them) of
/// lengths below, at and around a block and across many, then the tricky rows above (q8_0 and
/// q8_1: tricky_rows, q8_K: tricky_rows_q8_k), whole and cut short.
template <typename Block>
void check_quantizer(quantize_fn quantize, void (*reference)(const float*, int64_t, void*)) {
  const int values = activation_block_values<Block>();
  const bool super = values == LLMRT_QK_K;
  const std::vector<int> ks = super ? std::vector<int>{1, 31, 255, 256, 257, 300, 512, 1000, 4099}
                                    : std::vector<int>{1, 7, 31, 32, 33, 64, 95, 256, 1000, 4099};
  for (int k : ks) {
    for (int n : {1, 3}) {
      const std::vector<float> x =
          gaussian(static_cast<size_t>(n) * k, (super ? 300 : 100) + k + n, 3.0f);
      const std::vector<Block> want = reference_quantize<Block>(reference, x, n, k);
      std::vector<Block> got(want.size());
      std::memset(got.data(), 0xcd, got.size() * sizeof(Block));
      quantize(x.data(), n, k, got.data());
      EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(Block)))
          << "n=" << n << " k=" << k;
    }
  }
  int n = 0;
  const std::vector<float> x = super ? tricky_rows_q8_k(&n) : tricky_rows(&n);
  const int row = super ? 512 : 96;
  // Whole rows, and shorter rows over the same values.
  for (int k : super ? std::vector<int>{512, 400, 256, 100} : std::vector<int>{96, 80, 40}) {
    std::vector<float> xk;
    for (int i = 0; i < n; ++i) xk.insert(xk.end(), &x[i * row], &x[i * row] + k);
    const std::vector<Block> want = reference_quantize<Block>(reference, xk, n, k);
    std::vector<Block> got(want.size());
    std::memset(got.data(), 0xcd, got.size() * sizeof(Block));
    quantize(xk.data(), n, k, got.data());
    for (size_t b = 0; b < want.size(); ++b) {
      EXPECT_EQ(0, std::memcmp(&got[b], &want[b], sizeof(Block)))
          << "k=" << k << " block " << b << " (row " << b / blocks_of(k, values) << ")";
    }
  }
}

TEST_P(IsaKernelTest, QuantizeQ8_0MatchesRuntime) {
  if (isa().quantize_q8_0 == nullptr) GTEST_SKIP();
  check_quantizer<llmrt_block_q8_0>(isa().quantize_q8_0, llmrt_quantize_row_q8_0);
}

TEST_P(IsaKernelTest, QuantizeQ8_1MatchesRuntime) {
  if (isa().quantize_q8_1 == nullptr) GTEST_SKIP();
  check_quantizer<llmrt_block_q8_1>(isa().quantize_q8_1, llmrt_quantize_row_q8_1);
}

TEST_P(IsaKernelTest, QuantizeQ8_KMatchesRuntime) {
  if (isa().quantize_q8_k == nullptr) GTEST_SKIP();
  check_quantizer<llmrt_block_q8_K>(isa().quantize_q8_k, llmrt_quantize_row_q8_k);
}

// ---- quantized linears -----------------------------------------------------------------------

struct Shape {
  int n, k, m;
};

// Tokens 1..5, 17 and 33; k below, at and around one block, odd sizes, and long enough to cross
// the kernels' 32 KiB activation chunks (for 1 row and for 4-row tiles) and the AVX2 prompt
// panels' 64-block chunks and 16-token groups; m from 1 row up.
const Shape kShapes[] = {
    {1, 32, 1},  {1, 31, 5},   {1, 1, 3},    {2, 33, 7},   {3, 64, 9},    {4, 100, 13},
    {5, 256, 31}, {17, 96, 10}, {1, 4096, 67}, {4, 2048, 37}, {1, 19205, 9}, {6, 5000, 11},
    {2, 4099, 6}, {3, 160, 1},  {1, 2048, 8},  {8, 64, 4},  {33, 2080, 21},
};

/// A weight layout of a target's own and the ISA's kernel on it.
struct PackedLayout {
  quant_linear_rows_fn linear;
  const char* name;
  void (*pack)(const void* in, int64_t rows, int64_t group_rows, int64_t row_blocks,
               int64_t block_bytes, void* out);
  int group_rows;         // m a multiple of it
  int cut_rows;           // row ranges start at multiples of it
  int identical_from_n;   // from this many tokens on, the unpacked kernel's bits
};

struct QuantScheme {
  llmrt_quant_scheme weights;
  size_t weight_block_bytes;
  generic_quant_linear_fn generic;
  quantize_fn quantize;         // the ISA's activation quantizer for these weights
  quant_linear_rows_fn linear;  // the ISA's kernel
  size_t activation_block_bytes;
  void (*dequantize_activations)(const void*, int64_t, float*);
  PackedLayout packed;  // the ISA's kernel on packed weights (packed.linear nullptr: not tested)
};

/// Upper bounds of |each term| summed, per (token, output): the scale of the float rounding.
inline std::vector<double> abs_term_sums(llmrt_quant_scheme scheme, const unsigned char* w,
                                         size_t w_row_bytes, const unsigned char* xq,
                                         size_t x_row_bytes, size_t x_block_bytes,
                                         void (*dequantize_x)(const void*, int64_t, float*),
                                         int n, int k, int m) {
  const int blocks = blocks_of(k, block_values(scheme)), kp = blocks * block_values(scheme);
  std::vector<float> wd(kp), xd(static_cast<size_t>(n) * kp);
  for (int i = 0; i < n; ++i) dequantize_x(xq + i * x_row_bytes, kp, &xd[size_t(i) * kp]);
  std::vector<double> out(static_cast<size_t>(n) * m);
  for (int o = 0; o < m; ++o) {
    llmrt_dequantize_row(scheme, w + o * w_row_bytes, kp, wd.data());
    if (scheme == LLMRT_Q4_K) {  // |d * sc * q| + |dmin * mn|: the two parts may cancel in wd
      for (int b = 0; b < blocks; ++b) {
        llmrt_block_q4_K wb;
        std::memcpy(&wb, w + o * w_row_bytes + b * sizeof(wb), sizeof(wb));
        for (int j = 0; j < LLMRT_QK_K; ++j) {
          int sc, mn;
          llmrt_q4_k_scale_min(wb.scales, j / 32, &sc, &mn);
          const int q = (wb.qs[(j / 64) * 32 + j % 32] >> ((j / 32) % 2 * 4)) & 15;
          wd[b * LLMRT_QK_K + j] =
              std::fabs(llmrt_fp16_to_fp32(wb.d) * sc * q) + std::fabs(llmrt_fp16_to_fp32(wb.dmin) * mn);
        }
      }
    }
    for (int i = 0; i < n; ++i) {
      double s = 0.0;
      for (int j = 0; j < kp; ++j) s += std::fabs(double(wd[j]) * xd[size_t(i) * kp + j]);
      if (scheme == LLMRT_Q4_1) {  // the m * s terms, whose parts cancel in wd * xd
        for (int b = 0; b < blocks; ++b) {
          llmrt_block_q4_1 wb;
          llmrt_block_q8_1 xb;
          std::memcpy(&wb, w + o * w_row_bytes + b * sizeof(wb), sizeof(wb));
          std::memcpy(&xb, xq + i * x_row_bytes + b * x_block_bytes, sizeof(xb));
          s += std::fabs(double(llmrt_fp16_to_fp32(wb.m)) * llmrt_fp16_to_fp32(xb.s));
        }
      }
      out[size_t(i) * m + o] = s;
    }
  }
  return out;
}

/// Runs the ISA's linear on weights w (m rows) and activations x against the generic linear;
/// with q.packed.linear (m a multiple of its group), also that kernel on w packed, which must
/// match the unpacked kernel bit for bit (from packed.identical_from_n tokens on).
inline void check_quant_linear(const QuantScheme& q, const Shape& s,
                               const std::vector<unsigned char>& w, const std::vector<float>& x,
                               bool with_bias, const std::string& what) {
  const int n = s.n, k = s.k, m = s.m, blocks = blocks_of(k, block_values(q.weights));
  const size_t w_row_bytes = blocks * q.weight_block_bytes;
  const size_t x_row_bytes = blocks * q.activation_block_bytes;
  std::vector<float> bias = gaussian(m, 7u + m);
  const float* b = with_bias ? bias.data() : nullptr;

  std::vector<unsigned char> scratch(llmk_generic_activation_scratch_bytes(q.weights, n, k));
  std::vector<float> want(static_cast<size_t>(n) * m);
  q.generic(x.data(), w.data(), b, n, k, m, scratch.data(), want.data());

  std::vector<unsigned char> xq(static_cast<size_t>(n) * x_row_bytes);
  q.quantize(x.data(), n, k, xq.data());
  const std::vector<double> scale =
      abs_term_sums(q.weights, w.data(), w_row_bytes, xq.data(), x_row_bytes,
                    q.activation_block_bytes, q.dequantize_activations, n, k, m);

  // A kernel on its weights, whose row ranges start at multiples of cut.
  struct Kernel {
    quant_linear_rows_fn linear;
    const unsigned char* w;
    std::string what;
    int cut;
  };
  std::vector<Kernel> kernels = {{q.linear, w.data(), what, 1}};
  std::vector<unsigned char> packed;
  const PackedLayout& layout = q.packed;
  if (layout.linear != nullptr) {
    packed.resize(w.size());
    layout.pack(w.data(), m, layout.group_rows, blocks, static_cast<int64_t>(q.weight_block_bytes),
                packed.data());
    kernels.push_back(
        {layout.linear, packed.data(), what + " (" + layout.name + ")", layout.cut_rows});
  }
  // The whole matrix in three row ranges (one maybe empty), split at cut1 and cut2.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto run = [&](const Kernel& kn, int cut1, int cut2) {
    std::vector<float> y(static_cast<size_t>(n) * m, nan);
    kn.linear(xq.data(), kn.w, b, n, k, m, 0, cut1, y.data());
    kn.linear(xq.data(), kn.w, b, n, k, m, cut1, cut2, y.data());
    kn.linear(xq.data(), kn.w, b, n, k, m, cut2, m, y.data());
    return y;
  };
  auto expect_near = [&](const std::vector<float>& y, const std::string& label) {
    for (int i = 0; i < n; ++i) {
      for (int o = 0; o < m; ++o) {
        const size_t at = static_cast<size_t>(i) * m + o;
        const double tol = 1e-5 * scale[at] + 1e-6 * std::fabs(bias[o]) * with_bias + 1e-30;
        ASSERT_NEAR(y[at], want[at], tol) << label << " n=" << n << " k=" << k << " m=" << m
                                          << " token " << i << " output " << o;
      }
    }
  };
  // Unaligned cuts; the packed kernel at multiples of its group (as threads get its rows), and
  // anywhere where it may be cut anywhere.
  std::vector<std::vector<float>> results = {run(kernels[0], m / 3, m - m / 4)};
  expect_near(results[0], what);
  if (::testing::Test::HasFatalFailure()) return;
  if (layout.linear != nullptr) {
    std::vector<int> aligns = {layout.group_rows};
    if (layout.cut_rows != layout.group_rows) aligns.push_back(layout.cut_rows);
    for (int align : aligns) {
      const int cut1 = m / 3 / align * align, cut2 = (m - m / 4) / align * align;
      const std::vector<float> y = run(kernels[1], cut1, cut2);
      const std::string label = kernels[1].what + " cuts aligned to " + std::to_string(align);
      expect_near(y, label);
      if (::testing::Test::HasFatalFailure()) return;
      for (size_t at = 0; n >= layout.identical_from_n && at < y.size(); ++at) {
        ASSERT_EQ(y[at], results[0][at]) << label << ": not the unpacked kernel's, n=" << n
                                         << " k=" << k << " m=" << m << " output " << at % m;
      }
      if (align == layout.group_rows) results.push_back(y);
    }
  }
  for (size_t which = 0; which < kernels.size(); ++which) {
    const Kernel& kn = kernels[which];
    const std::vector<float>& got = results[which];
    const int u = kn.cut;
    // A range in the middle leaves the other columns alone.
    if (m >= 3 * u) {
      std::vector<float> part(static_cast<size_t>(n) * m, nan);
      kn.linear(xq.data(), kn.w, b, n, k, m, u, m - u, part.data());
      for (int i = 0; i < n; ++i) {
        for (int o = 0; o < m; ++o) {
          const float v = part[static_cast<size_t>(i) * m + o];
          if (o < u || o >= m - u) {
            EXPECT_TRUE(std::isnan(v)) << kn.what << " output " << o;
          } else {
            EXPECT_EQ(v, got[static_cast<size_t>(i) * m + o]) << kn.what << " output " << o;
          }
        }
      }
    }
    // A few rows split at every place: each output is computed the same way whatever range holds
    // it, so the results are bit-identical to the three-range run.
    if (m <= 16 && static_cast<int64_t>(n) * k <= 20000) {
      for (int cut = 0; cut <= m; cut += u) {
        std::vector<float> split(static_cast<size_t>(n) * m, nan);
        kn.linear(xq.data(), kn.w, b, n, k, m, 0, cut, split.data());
        kn.linear(xq.data(), kn.w, b, n, k, m, cut, m, split.data());
        for (size_t at = 0; at < split.size(); ++at) {
          ASSERT_EQ(split[at], got[at]) << kn.what << " n=" << n << " k=" << k << " m=" << m
                                        << " cut at row " << cut << ", output " << at % m;
        }
      }
    }
  }
}

inline std::vector<unsigned char> quantize_weights(llmrt_quant_scheme scheme,
                                                   const std::vector<float>& w, int m, int k) {
  const int blocks = blocks_of(k, block_values(scheme)), kp = blocks * block_values(scheme);
  const size_t row_bytes = static_cast<size_t>(llmrt_quant_row_bytes(scheme, kp));
  std::vector<unsigned char> out(row_bytes * m);
  std::vector<float> padded(kp);
  for (int o = 0; o < m; ++o) {
    std::fill(padded.begin(), padded.end(), 0.0f);
    std::memcpy(padded.data(), &w[static_cast<size_t>(o) * k], sizeof(float) * k);
    llmrt_quantize_row(scheme, padded.data(), kp, &out[o * row_bytes]);
  }
  return out;
}

/// Weight blocks with extreme quants and scales: every quant at its minimum or maximum, or
/// mixed; zero scales. q8_0, q4_0, q4_1: the padding of a short last block zero quants; q4_K,
/// q6_K: scales and mins at their limits (q6_K's signed both ways), and a short last block's
/// padding as it comes (it meets zero activations, so its contents do not matter).
inline std::vector<unsigned char> extreme_weights(llmrt_quant_scheme scheme, int m, int k,
                                                  int pattern) {
  const int blocks = blocks_of(k, block_values(scheme));
  const size_t block_bytes = static_cast<size_t>(llmrt_quant_block_bytes(scheme));
  std::vector<unsigned char> out(block_bytes * blocks * m);
  for (int o = 0; o < m; ++o) {
    for (int b = 0; b < blocks; ++b) {
      unsigned char* p = &out[(static_cast<size_t>(o) * blocks + b) * block_bytes];
      const int v = (o + b + pattern) % 4;  // 0: min, 1: max, 2: mixed, 3: zero scale
      const llmrt_fp16 d = llmrt_fp32_to_fp16(v == 3 ? 0.0f : 0.5f + 0.25f * ((o * 7 + b) % 5));
      const uint8_t fill = static_cast<uint8_t>(v == 0 ? 0x00 : 0xff);
      if (scheme == LLMRT_Q8_0) {
        llmrt_block_q8_0 blk;
        blk.d = d;
        for (int j = 0; j < LLMRT_QK; ++j) {
          blk.qs[j] = static_cast<int8_t>(v == 0 ? (pattern == 3 ? -128 : -127)
                                                 : v == 1 ? 127 : (j % 2 ? 127 : -127));
        }
        std::memcpy(p, &blk, sizeof(blk));
      } else if (scheme == LLMRT_Q4_0) {
        llmrt_block_q4_0 blk;
        blk.d = d;
        for (int j = 0; j < LLMRT_QK / 2; ++j) {
          blk.qs[j] = static_cast<uint8_t>(v == 0 ? 0x00 : v == 1 ? 0xff : (j % 2 ? 0x0f : 0xf0));
        }
        std::memcpy(p, &blk, sizeof(blk));
      } else if (scheme == LLMRT_Q4_1) {
        llmrt_block_q4_1 blk;
        blk.d = d;
        blk.m = llmrt_fp32_to_fp16(v == 2 ? 3.0f : -2.5f);
        for (int j = 0; j < LLMRT_QK / 2; ++j) {
          blk.qs[j] = static_cast<uint8_t>(v == 0 ? 0x00 : v == 1 ? 0xff : (j % 2 ? 0x0f : 0xf0));
        }
        std::memcpy(p, &blk, sizeof(blk));
      } else if (scheme == LLMRT_Q4_K) {
        llmrt_block_q4_K blk;
        blk.d = d;
        blk.dmin = llmrt_fp32_to_fp16(v == 3 ? 0.0f : 0.75f);
        for (int j = 0; j < 12; ++j) {  // all scales and mins 63, or a mixture
          blk.scales[j] = static_cast<uint8_t>(v == 2 ? (j * 89 + pattern * 31) & 0xff : 0xff);
        }
        for (int j = 0; j < LLMRT_QK_K / 2; ++j) {
          blk.qs[j] = v == 2 ? static_cast<uint8_t>(j % 2 ? 0x0f : 0xf0) : fill;
        }
        std::memcpy(p, &blk, sizeof(blk));
      } else if (scheme == LLMRT_Q6_K) {
        llmrt_block_q6_K blk;
        blk.d = d;
        for (int j = 0; j < LLMRT_QK_K / 16; ++j) {
          blk.scales[j] = static_cast<int8_t>(v == 0 ? -128 : v == 1 ? 127 : (j % 2 ? 127 : -128));
        }
        for (int j = 0; j < LLMRT_QK_K / 2; ++j) {
          blk.ql[j] = v == 2 ? static_cast<uint8_t>(j % 3 ? 0x0f : 0xf0) : fill;
        }
        for (int j = 0; j < LLMRT_QK_K / 4; ++j) {
          blk.qh[j] = v == 2 ? static_cast<uint8_t>(j % 2 ? 0x33 : 0xcc) : fill;
        }
        std::memcpy(p, &blk, sizeof(blk));
      }
    }
    // The padding of a short last block is zero quants, as the blob writer stores it.
    const int rem = k % LLMRT_QK;
    if (rem != 0 && block_values(scheme) == LLMRT_QK) {
      unsigned char* last = &out[(static_cast<size_t>(o) * blocks + blocks - 1) * block_bytes];
      for (int j = rem; j < LLMRT_QK; ++j) {
        if (scheme == LLMRT_Q8_0) {
          last[2 + j] = 0;
        } else {
          const int at = (scheme == LLMRT_Q4_0 ? 2 : 4) + (j % 16);
          last[at] = static_cast<unsigned char>(j < 16 ? last[at] & 0xf0 : last[at] & 0x0f);
        }
      }
    }
  }
  return out;
}

// Shapes for the K-quants: k at, around and between super-blocks (300: a padded last block),
// long rows crossing the 32 KiB activation chunks (for 1 row and for 4-row tiles).
const Shape kShapesK[] = {
    {1, 256, 1},  {1, 512, 7},   {2, 300, 9},   {3, 256, 5},    {4, 512, 13},  {5, 768, 31},
    {17, 300, 10}, {1, 1, 3},    {1, 4096, 67}, {4, 2048, 37},  {1, 27000, 5}, {6, 7000, 11},
    {2, 4099, 6},  {1, 2048, 8}, {8, 256, 4},   {3, 100, 2},
};

/// An ISA's linear for one scheme against the generic one: random weights and activations over
/// kShapes (kShapesK for the K-quants), then weights at their limits (extreme_weights) with
/// extreme activations: all +1, all -1 (quants -+127), alternating
/// +-3.5, and last NaNs among +-2 for the K-quants (the q8_K quantizer makes NaNs -128),
/// alternating again for the others. With q.packed the same with m rounded up to a multiple of
/// its group, both kernels.
inline void check_scheme(const QuantScheme& q) {
  if (q.quantize == nullptr || q.linear == nullptr) GTEST_SKIP();
  const bool k_quant = block_values(q.weights) == LLMRT_QK_K;
  const int rows = q.packed.linear != nullptr ? q.packed.group_rows : 1;  // m a multiple of it
  auto shape = [rows](const Shape& s) { return Shape{s.n, s.k, (s.m + rows - 1) / rows * rows}; };
  const std::vector<Shape> shapes =
      k_quant ? std::vector<Shape>(std::begin(kShapesK), std::end(kShapesK))
              : std::vector<Shape>(std::begin(kShapes), std::end(kShapes));
  int case_index = 0;
  for (const Shape& listed : shapes) {
    const Shape s = shape(listed);
    const std::vector<float> wf =
        gaussian(static_cast<size_t>(s.m) * s.k, (k_quant ? 41 : 11) + case_index);
    const std::vector<float> x =
        gaussian(static_cast<size_t>(s.n) * s.k, (k_quant ? 53 : 29) + case_index);
    check_quant_linear(q, s, quantize_weights(q.weights, wf, s.m, s.k), x,
                       case_index % 2 == 0, "random");
    ++case_index;
    if (::testing::Test::HasFatalFailure()) return;
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<Shape> extreme_shapes =
      k_quant ? std::vector<Shape>{{1, 256, 9}, {4, 300, 5}, {5, 512, 3}, {1, 5, 2}, {2, 768, 4}}
              : std::vector<Shape>{{1, 96, 9}, {4, 70, 5}, {5, 33, 3}, {1, 5, 2}};
  for (int pattern = 0; pattern < 4; ++pattern) {
    for (const Shape& listed : extreme_shapes) {
      const Shape s = shape(listed);
      std::vector<float> x(static_cast<size_t>(s.n) * s.k);
      for (size_t j = 0; j < x.size(); ++j) {
        x[j] = pattern == 0                ? 1.0f
               : pattern == 1              ? -1.0f
               : pattern == 2 || !k_quant ? (j % 2 ? 1.0f : -1.0f) * 3.5f
                                           : (j % 3 == 2 ? nan : j % 2 ? 2.0f : -2.0f);
      }
      check_quant_linear(q, s, extreme_weights(q.weights, s.m, s.k, pattern), x,
                         pattern % 2 == 1, "extreme pattern " + std::to_string(pattern));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

/// The QuantScheme of an ISA's linear over `weights`, with the activations those weights pair
/// with: q8_0 (q8_0, q4_0 weights), q8_1 (q4_1) or q8_K (q4_K, q6_K).
inline QuantScheme quant_scheme(const IsaKernels& isa, llmrt_quant_scheme weights,
                                generic_quant_linear_fn generic, quant_linear_rows_fn linear) {
  const size_t weight_block_bytes = static_cast<size_t>(llmrt_quant_block_bytes(weights));
  if (block_values(weights) == LLMRT_QK_K) {
    return QuantScheme{weights, weight_block_bytes, generic, isa.quantize_q8_k, linear,
                       sizeof(llmrt_block_q8_K), llmrt_dequantize_row_q8_k, PackedLayout()};
  }
  if (weights == LLMRT_Q4_1) {
    return QuantScheme{weights, weight_block_bytes, generic, isa.quantize_q8_1, linear,
                       sizeof(llmrt_block_q8_1), llmrt_dequantize_row_q8_1, PackedLayout()};
  }
  return QuantScheme{weights, weight_block_bytes, generic, isa.quantize_q8_0, linear,
                     sizeof(llmrt_block_q8_0), llmrt_dequantize_row_q8_0, PackedLayout()};
}

/// check_scheme for the kernel on packed weights (skips where the ISA has none).
inline void check_packed_scheme(QuantScheme q, const PackedLayout& packed) {
  if (packed.linear == nullptr) GTEST_SKIP();
  q.packed = packed;
  check_scheme(q);
}

TEST_P(IsaKernelTest, LinearQ8_0MatchesGeneric) {
  check_scheme(quant_scheme(isa(), LLMRT_Q8_0, generic_linear_q8_0, isa().linear("q8_0")));
}

TEST_P(IsaKernelTest, LinearQ4_0MatchesGeneric) {
  check_scheme(quant_scheme(isa(), LLMRT_Q4_0, generic_linear_q4_0, isa().linear("q4_0")));
}

TEST_P(IsaKernelTest, LinearQ4_1MatchesGeneric) {
  check_scheme(quant_scheme(isa(), LLMRT_Q4_1, generic_linear_q4_1, isa().linear("q4_1")));
}

TEST_P(IsaKernelTest, LinearQ4_KMatchesGeneric) {
  check_scheme(quant_scheme(isa(), LLMRT_Q4_K, generic_linear_q4_k, isa().linear("q4_k")));
}

TEST_P(IsaKernelTest, LinearQ6_KMatchesGeneric) {
  check_scheme(quant_scheme(isa(), LLMRT_Q6_K, generic_linear_q6_k, isa().linear("q6_k")));
}

// ---- float kernels ---------------------------------------------------------------------------

enum class FloatStorage { f32, f16, bf16 };

/// Gaussian weights stored as float32, or rounded to binary16 (`f16`) or bfloat16 (`bf16`), with
/// `f32` then holding the widened values the kernels multiply.
struct FloatWeights {
  std::vector<float> f32;
  std::vector<llmrt_fp16> f16;
  std::vector<llmrt_bf16> bf16;
};

inline FloatWeights float_weights(size_t count, unsigned seed, FloatStorage storage) {
  FloatWeights w;
  w.f32 = gaussian(count, seed);
  for (float& v : w.f32) {
    if (storage == FloatStorage::f16) {
      w.f16.push_back(llmrt_fp32_to_fp16(v));
      v = llmrt_fp16_to_fp32(w.f16.back());
    } else if (storage == FloatStorage::bf16) {
      w.bf16.push_back(llmrt_fp32_to_bf16(v));
      v = llmrt_bf16_to_fp32(w.bf16.back());
    }
  }
  return w;
}

/// Runs `linear(x, w, bias, n, k, m, row_begin, row_end, y)` on the float test shapes, over two
/// row ranges, and checks it against `reference(x, w, bias, n, k, m, y)` (the generic kernel) up
/// to 1e-5 of the sum of |terms|. Returns the outputs of every shape, in order.
template <typename Linear, typename Reference>
std::vector<float> check_float_linear(FloatStorage storage, Linear linear, Reference reference) {
  // One token: the decode row tile's every step (k = 100: 64 + 16 + 16 + a tail of 4). Prompts
  // walk blocks of rows (kFloatRowBlockBytes): k = 4099 and 1500 make several per range, of
  // other sizes for float32 than for the 16-bit storages.
  const Shape shapes[] = {{1, 1, 1},    {1, 7, 3},     {1, 100, 5},  {2, 8, 9},
                          {3, 9, 17},   {4, 15, 5},    {5, 16, 33},  {17, 31, 10},
                          {1, 4099, 21}, {4, 1024, 19}, {6, 333, 7}, {6, 4099, 37},
                          {9, 1500, 61}};
  std::vector<float> all;
  int case_index = 0;
  for (const Shape& s : shapes) {
    const int n = s.n, k = s.k, m = s.m;
    const std::vector<float> x = gaussian(static_cast<size_t>(n) * k, 3 + case_index);
    const FloatWeights w = float_weights(static_cast<size_t>(m) * k, 5 + case_index, storage);
    const std::vector<float> bias = gaussian(m, 9 + case_index);
    const float* b = case_index % 2 ? bias.data() : nullptr;
    std::vector<float> want(static_cast<size_t>(n) * m);
    reference(x.data(), w, b, n, k, m, want.data());
    std::vector<float> got(want.size(), std::numeric_limits<float>::quiet_NaN());
    const int cut = (m * 2) / 5;
    linear(x.data(), w, b, n, k, m, 0, cut, got.data());
    linear(x.data(), w, b, n, k, m, cut, m, got.data());
    for (int i = 0; i < n; ++i) {
      for (int o = 0; o < m; ++o) {
        double scale = b ? std::fabs(b[o]) : 0.0;
        for (int j = 0; j < k; ++j) {
          scale += std::fabs(double(x[size_t(i) * k + j]) * w.f32[size_t(o) * k + j]);
        }
        const size_t at = static_cast<size_t>(i) * m + o;
        EXPECT_NEAR(got[at], want[at], 1e-5 * scale + 1e-30)
            << "n=" << n << " k=" << k << " m=" << m << " token " << i << " output " << o;
      }
    }
    all.insert(all.end(), got.begin(), got.end());
    ++case_index;
  }
  return all;
}

TEST_P(IsaKernelTest, LinearF32MatchesGeneric) {
  if (isa().linear_f32_rows == nullptr) GTEST_SKIP();
  const IsaKernels& isa_kernels = isa();
  check_float_linear(
      FloatStorage::f32,
      [&](const float* x, const FloatWeights& w, const float* b, int n, int k, int m, int r0,
          int r1, float* y) {
        isa_kernels.linear_f32_rows(x, w.f32.data(), b, n, k, m, r0, r1, y);
      },
      [](const float* x, const FloatWeights& w, const float* b, int n, int k, int m, float* y) {
        generic_linear_f32(x, w.f32.data(), b, n, k, m, y);
      });
}

/// A half-width storage's kernel (`half`, on the stored weights) against the generic twin, and
/// bit-identical to the float32 kernel on the widened weights.
template <typename Half, typename Generic>
void check_half_float_linear(const IsaKernels& isa_kernels, FloatStorage storage, Half half,
                             Generic generic) {
  const std::vector<float> narrow = check_float_linear(storage, half, generic);
  const std::vector<float> widened = check_float_linear(
      storage,
      [&](const float* x, const FloatWeights& w, const float* b, int n, int k, int m, int r0,
          int r1, float* y) {
        isa_kernels.linear_f32_rows(x, w.f32.data(), b, n, k, m, r0, r1, y);
      },
      generic);
  ASSERT_EQ(narrow.size(), widened.size());
  for (size_t i = 0; i < narrow.size(); ++i) ASSERT_EQ(narrow[i], widened[i]) << "output " << i;
}

TEST_P(IsaKernelTest, LinearF16MatchesGenericAndWidenedF32) {
  if (isa().linear_f16_rows == nullptr || isa().linear_f32_rows == nullptr) GTEST_SKIP();
  const IsaKernels& isa_kernels = isa();
  check_half_float_linear(
      isa_kernels, FloatStorage::f16,
      [&](const float* x, const FloatWeights& w, const float* b, int n, int k, int m, int r0,
          int r1, float* y) {
        isa_kernels.linear_f16_rows(x, w.f16.data(), b, n, k, m, r0, r1, y);
      },
      [](const float* x, const FloatWeights& w, const float* b, int n, int k, int m, float* y) {
        generic_linear_f16(x, w.f16.data(), b, n, k, m, y);
      });
}

TEST_P(IsaKernelTest, LinearBf16MatchesGenericAndWidenedF32) {
  if (isa().linear_bf16_rows == nullptr || isa().linear_f32_rows == nullptr) GTEST_SKIP();
  const IsaKernels& isa_kernels = isa();
  check_half_float_linear(
      isa_kernels, FloatStorage::bf16,
      [&](const float* x, const FloatWeights& w, const float* b, int n, int k, int m, int r0,
          int r1, float* y) {
        isa_kernels.linear_bf16_rows(x, w.bf16.data(), b, n, k, m, r0, r1, y);
      },
      [](const float* x, const FloatWeights& w, const float* b, int n, int k, int m, float* y) {
        generic_linear_bf16(x, w.bf16.data(), b, n, k, m, y);
      });
}

TEST_P(IsaKernelTest, RmsNormMatchesGeneric) {
  if (isa().rms_norm == nullptr) GTEST_SKIP();
  for (int dim : {1, 7, 8, 9, 64, 4099}) {
    for (int n : {1, 3}) {
      const std::vector<float> x = gaussian(static_cast<size_t>(n) * dim, dim + n, 2.0f);
      const std::vector<float> weight = gaussian(dim, 77 + dim);
      std::vector<float> want(x.size()), got(x.size());
      llmk_generic_rms_norm_f32(x.data(), weight.data(), n, dim, 1e-5f, want.data());
      isa().rms_norm(x.data(), weight.data(), n, dim, 1e-5f, got.data());
      for (size_t j = 0; j < x.size(); ++j) {
        ASSERT_NEAR(got[j], want[j], 1e-6 * std::fabs(want[j]) + 1e-30) << "dim=" << dim;
      }
    }
  }
}

/// Inputs across exp's whole range: a fine sweep, Gaussian values, and the special values.
inline std::vector<float> exp_inputs() {
  std::vector<float> v;
  for (float x = -110.0f; x <= 110.0f; x += 0.0137f) v.push_back(x);
  for (float x : gaussian(20000, 5, 4.0f)) v.push_back(x);
  const float inf = std::numeric_limits<float>::infinity();
  for (float x : {0.0f, -0.0f, 1.0f, -1.0f, 88.72283f, 88.72284f, 88.7f, -87.33654f, -87.4f,
                  -103.9f, -104.0f, -150.0f, 1e-30f, -1e-30f, inf, -inf,
                  std::numeric_limits<float>::quiet_NaN()}) {
    v.push_back(x);
  }
  return v;
}

TEST_P(IsaKernelTest, ExpWithinOneMillionth) {
  if (isa().exp == nullptr) GTEST_SKIP();
  const std::vector<float> x = exp_inputs();
  std::vector<float> got(x.size());
  isa().exp(x.data(), static_cast<int>(x.size()), got.data());
  double worst = 0.0;
  for (size_t j = 0; j < x.size(); ++j) {
    const double want = std::exp(static_cast<double>(x[j]));
    if (std::isnan(x[j])) {
      EXPECT_TRUE(std::isnan(got[j]));
    } else if (want > std::numeric_limits<float>::max()) {
      EXPECT_EQ(got[j], std::numeric_limits<float>::infinity()) << "x=" << x[j];
    } else if (want >= std::numeric_limits<float>::min()) {
      const double rel = std::fabs(got[j] - want) / want;
      worst = std::max(worst, rel);
      ASSERT_LT(rel, 1e-6) << "x=" << x[j] << " got " << got[j] << " want " << want;
    } else {  // subnormal or zero results: within one subnormal step-ish of the truth
      EXPECT_NEAR(got[j], want, 2.0 * std::numeric_limits<float>::denorm_min() + want * 1e-6)
          << "x=" << x[j];
    }
  }
  std::printf("[ %s ] exp: worst relative error %.3g\n", isa().name, worst);
}

TEST_P(IsaKernelTest, SwigluMatchesGeneric) {
  if (isa().swiglu == nullptr) GTEST_SKIP();
  std::vector<float> gate = exp_inputs();
  for (float& g : gate) g = -g;  // the same range, seen from silu's side
  const std::vector<float> up = gaussian(gate.size(), 17);
  for (int count : {0, 1, 7, 8, 9, static_cast<int>(gate.size())}) {
    std::vector<float> want(count), got(count);
    llmk_generic_swiglu_f32(gate.data(), up.data(), count, want.data());
    isa().swiglu(gate.data(), up.data(), count, got.data());
    for (int j = 0; j < count; ++j) {
      if (std::isnan(want[j]) || std::isinf(want[j])) {
        EXPECT_TRUE(std::isnan(want[j]) ? std::isnan(got[j]) : got[j] == want[j])
            << "gate " << gate[j] << " up " << up[j];
        continue;
      }
      ASSERT_NEAR(got[j], want[j], 1e-6 * std::fabs(want[j]) + 1e-36)
          << "gate " << gate[j] << " up " << up[j];
    }
  }
}

TEST_P(IsaKernelTest, AddIsExact) {
  if (isa().add == nullptr) GTEST_SKIP();
  for (int count : {0, 1, 7, 8, 9, 1001}) {
    const std::vector<float> a = gaussian(count, 1), b = gaussian(count, 2);
    std::vector<float> got(count), in_place = a;
    isa().add(a.data(), b.data(), count, got.data());
    isa().add(in_place.data(), b.data(), count, in_place.data());
    for (int j = 0; j < count; ++j) {
      ASSERT_EQ(got[j], a[j] + b[j]);
      ASSERT_EQ(in_place[j], a[j] + b[j]);
    }
  }
}

TEST_P(IsaKernelTest, RopeMatchesGeneric) {
  if (isa().rope == nullptr) GTEST_SKIP();
  struct RopeShape {
    int n, n_heads, head_dim, pos0;
  };
  // Tails of the 4-pair steps (head_dim 2, 6, 10, 130), more than one 64-pair chunk (256, 130),
  // long contexts (the angles' cos and sin far from 0).
  const RopeShape shapes[] = {{1, 1, 2, 0},  {3, 2, 6, 5},     {2, 4, 8, 100},  {5, 3, 10, 7},
                              {1, 8, 64, 4095}, {4, 2, 128, 3}, {2, 2, 256, 900}, {3, 3, 130, 11},
                              {1, 2, 128, 100000}};
  int case_index = 0;
  for (const RopeShape& s : shapes) {
    const int half = s.head_dim / 2;
    std::vector<float> inv_freq(half);
    for (int i = 0; i < half; ++i) {
      inv_freq[i] = static_cast<float>(1.0 / std::pow(10000.0, 2.0 * i / s.head_dim));
    }
    const size_t row = static_cast<size_t>(s.n_heads) * s.head_dim;
    const std::vector<float> x = gaussian(s.n * row, 600 + case_index, 2.0f);
    std::vector<float> want(x.size()), got(x.size()), in_place = x;
    llmk_generic_rope_f32(x.data(), s.n, s.n_heads, s.head_dim, s.pos0, inv_freq.data(),
                          want.data());
    isa().rope(x.data(), s.n, s.n_heads, s.head_dim, s.pos0, inv_freq.data(), got.data());
    isa().rope(in_place.data(), s.n, s.n_heads, s.head_dim, s.pos0, inv_freq.data(),
               in_place.data());
    for (size_t at = 0; at < x.size(); ++at) {
      const int r = static_cast<int>(at / row), j = static_cast<int>(at % s.head_dim);
      const int i = j % half;
      const size_t base = at - j;  // the head's first element
      const float angle = static_cast<float>(s.pos0 + r) * inv_freq[i];
      const double terms = std::fabs(double(x[base + i]) * std::cos(angle)) +
                           std::fabs(double(x[base + i + half]) * std::sin(angle));
      const double tol = std::ldexp(terms, -22) + 1e-30;
      ASSERT_NEAR(got[at], want[at], tol) << "shape " << case_index << " row " << r << " element "
                                          << at % row;
      ASSERT_EQ(in_place[at], got[at]) << "shape " << case_index << " in place";
    }
    ++case_index;
  }
}

// ---- attention -------------------------------------------------------------------------------

/// Per element of out: sum_t w_t * |v_t[j]|, w the exact (double) softmax weights of its row and
/// head: the scale of the float rounding in a weighted sum of values.
inline std::vector<double> attend_term_sums(const std::vector<float>& q,
                                            const std::vector<float>& kc,
                                            const std::vector<float>& vc, int n, int pos0,
                                            int n_heads, int n_kv_heads, int head_dim) {
  const size_t q_dim = size_t(n_heads) * head_dim, kv_dim = size_t(n_kv_heads) * head_dim;
  std::vector<double> out(n * q_dim, 0.0);
  for (int i = 0; i < n; ++i) {
    const int n_pos = pos0 + i + 1;
    for (int h = 0; h < n_heads; ++h) {
      const size_t kv_off = size_t(h / (n_heads / n_kv_heads)) * head_dim;
      std::vector<double> w(n_pos);
      double max_w = -1e300, sum = 0.0;
      for (int t = 0; t < n_pos; ++t) {
        double dot = 0.0;
        for (int j = 0; j < head_dim; ++j) {
          dot += double(q[i * q_dim + h * head_dim + j]) * kc[t * kv_dim + kv_off + j];
        }
        w[t] = dot / std::sqrt(double(head_dim));
        max_w = std::max(max_w, w[t]);
      }
      for (double& x : w) sum += (x = std::exp(x - max_w));
      for (int t = 0; t < n_pos; ++t) {
        for (int j = 0; j < head_dim; ++j) {
          out[i * q_dim + h * head_dim + j] += w[t] / sum * std::fabs(vc[t * kv_dim + kv_off + j]);
        }
      }
    }
  }
  return out;
}

TEST_P(IsaKernelTest, AttendMatchesGeneric) {
  if (isa().attend == nullptr) GTEST_SKIP();
  struct Heads {
    int n_heads, n_kv_heads;
  };
  // MHA, GQA 2 and 8, and 32 query heads on one KV head (more than a kernel takes at once).
  const Heads heads[] = {{4, 4}, {6, 3}, {16, 2}, {32, 1}};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  int case_index = 0;
  double worst = 0.0;
  for (int head_dim : {8, 48, 64, 128, 20, 1, 5}) {
    for (const Heads& hs : heads) {
      for (int n : {1, 5}) {
        for (int pos0 : {0, 37, 150}) {
          const int nh = hs.n_heads, nkv = hs.n_kv_heads;
          const size_t q_dim = size_t(nh) * head_dim, kv_dim = size_t(nkv) * head_dim;
          const int filled = pos0 + n, context = filled + 3;
          const float q_sd = case_index % 3 == 2 ? 3.0f : 1.0f;  // sometimes sharper softmaxes
          const std::vector<float> q = gaussian(n * q_dim, 1000 + case_index, q_sd);
          std::vector<float> kc = gaussian(context * kv_dim, 2000 + case_index);
          std::vector<float> vc = gaussian(context * kv_dim, 3000 + case_index);
          // Rows past the window: NaN, so that reading them would show.
          std::fill(kc.begin() + filled * kv_dim, kc.end(), nan);
          std::fill(vc.begin() + filled * kv_dim, vc.end(), nan);

          std::vector<float> want(n * q_dim), scores(filled);
          llmk_generic_attend_f32(q.data(), n, pos0, nh, nkv, head_dim, kc.data(), vc.data(), 0, nh,
                          scores.data(), want.data());
          const std::vector<double> scale =
              attend_term_sums(q, kc, vc, n, pos0, nh, nkv, head_dim);
          const std::string what = "head_dim=" + std::to_string(head_dim) + " heads=" +
                                   std::to_string(nh) + "/" + std::to_string(nkv) + " n=" +
                                   std::to_string(n) + " pos0=" + std::to_string(pos0);

          // All heads in three ranges (one maybe empty), cut at places that split KV groups.
          std::vector<float> got(n * q_dim, nan);
          const int cut1 = nh / 3, cut2 = nh - nh / 4;
          const int ranges[3][2] = {{0, cut1}, {cut1, cut2}, {cut2, nh}};
          for (const auto& r : ranges) {
            std::vector<float> own_scores(filled, nan);
            isa().attend(q.data(), n, pos0, nh, nkv, head_dim, kc.data(), vc.data(), r[0], r[1],
                         own_scores.data(), got.data());
          }
          for (size_t at = 0; at < got.size(); ++at) {
            const double tol = 1e-5 * scale[at] + 1e-30;
            worst = std::max(worst, std::fabs(got[at] - want[at]) / (scale[at] + 1e-30));
            ASSERT_NEAR(got[at], want[at], tol) << what << " at row " << at / q_dim << " column "
                                                << at % q_dim;
          }
          // A range inside the heads leaves the other columns alone and writes the same values.
          if (nh >= 3) {
            const int hb = 1, he = nh - 1;
            std::vector<float> part(n * q_dim, nan), own_scores(filled);
            isa().attend(q.data(), n, pos0, nh, nkv, head_dim, kc.data(), vc.data(), hb, he,
                         own_scores.data(), part.data());
            for (size_t at = 0; at < part.size(); ++at) {
              const int h = static_cast<int>(at % q_dim) / head_dim;
              if (h < hb || h >= he) {
                ASSERT_TRUE(std::isnan(part[at])) << what << " column " << at % q_dim;
              } else {
                ASSERT_EQ(part[at], got[at]) << what << " column " << at % q_dim;
              }
            }
          }
          ++case_index;
        }
      }
    }
  }
  std::printf("[ %s ] attend: worst |error| / sum|terms| %.3g over %d cases\n", isa().name,
              worst, case_index);
}

}  // namespace kernel_tests

#endif  // LLMC_TEST_TARGETS_COMMON_KERNEL_TESTS_H
