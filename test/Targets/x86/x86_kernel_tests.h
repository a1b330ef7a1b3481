// x86_kernel_tests.h - the tests every x86 kernel file passes, against its generic twin.
//
// A test source fills an IsaKernels with one ISA's functions and instantiates the suite with it:
//   INSTANTIATE_TEST_SUITE_P(Avx2, X86Kernels, ::testing::Values(&kAvx2Kernels), IsaName);
// Each test skips when the running CPU lacks the ISA (IsaKernels::supported).
//
// What is checked:
//   quantize_q8_0/q8_1  byte for byte what llmrt_quantize_row_q8_* writes (rounding ties, NaN,
//                       infinities, zero and subnormal blocks, short last blocks)
//   linear_*_rows       the generic linear on the same inputs, up to 1e-5 of the sum of |terms|
//                       (the integer block sums are exact; only float summation order differs),
//                       over row ranges that split the matrix anywhere; columns outside the
//                       range untouched
//   rms_norm, swiglu    the generic kernel within 1e-6 relative; exp within 1e-6 of double exp
//   add                 exactly
#ifndef LLMC_TEST_TARGETS_X86_X86_KERNEL_TESTS_H
#define LLMC_TEST_TARGETS_X86_X86_KERNEL_TESTS_H

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/quant_format.h"
#include "targets/generic/kernels_generic.h"

namespace x86_kernel_tests {

typedef void (*quantize_fn)(const float* x, int n, int k, void* out);
typedef void (*quant_linear_rows_fn)(const void* xq, const void* w, const float* bias, int n,
                                     int k, int m, int row_begin, int row_end, float* y);
typedef void (*f32_linear_rows_fn)(const float* x, const float* w, const float* bias, int n,
                                   int k, int m, int row_begin, int row_end, float* y);
typedef void (*generic_quant_linear_fn)(const float* x, const void* w, const float* bias, int n,
                                        int k, int m, void* x_scratch, float* y);

/// One ISA's kernels; a nullptr entry is a kernel the ISA does not have (its tests skip).
struct IsaKernels {
  const char* name;
  bool (*supported)();  // whether this CPU runs them
  quantize_fn quantize_q8_0;
  quantize_fn quantize_q8_1;
  f32_linear_rows_fn linear_f32_rows;
  quant_linear_rows_fn linear_q8_0_rows;
  quant_linear_rows_fn linear_q4_0_rows;
  quant_linear_rows_fn linear_q4_1_rows;
  void (*rms_norm)(const float* x, const float* weight, int n, int dim, float eps, float* out);
  void (*exp)(const float* x, int count, float* out);
  void (*swiglu)(const float* gate, const float* up, int count, float* out);
  void (*add)(const float* a, const float* b, int count, float* out);
};

inline std::string IsaName(const ::testing::TestParamInfo<const IsaKernels*>& info) {
  return info.param->name;
}

class X86Kernels : public ::testing::TestWithParam<const IsaKernels*> {
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

inline int blocks_of(int k) { return (k + LLMRT_QK - 1) / LLMRT_QK; }

/// What the generic kernels do to a row: whole blocks, the last one from a zero-padded copy.
template <typename Block>
std::vector<Block> reference_quantize(void (*quantize_row)(const float*, int64_t, void*),
                                      const std::vector<float>& x, int n, int k) {
  const int blocks = blocks_of(k);
  std::vector<Block> out(static_cast<size_t>(n) * blocks);
  std::vector<float> padded(static_cast<size_t>(blocks) * LLMRT_QK);
  for (int i = 0; i < n; ++i) {
    std::fill(padded.begin(), padded.end(), 0.0f);
    std::memcpy(padded.data(), &x[static_cast<size_t>(i) * k], sizeof(float) * k);
    quantize_row(padded.data(), static_cast<int64_t>(blocks) * LLMRT_QK,
                 &out[static_cast<size_t>(i) * blocks]);
  }
  return out;
}

/// Rows of floats meant to trip the quantizers: rounding ties, NaN, infinities, zeros,
/// subnormals, huge values. Each row is 96 values (3 blocks).
inline std::vector<float> tricky_rows(int* n_out) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<std::vector<float>> rows;
  // Ties: a block whose absmax is 127 has d = 1 and scale 1, so x * id = x exactly; x + 0.5 and
  // its neighbours test roundf's halfway cases.
  for (int variant = 0; variant < 3; ++variant) {
    std::vector<float> r(96);
    for (int j = 0; j < 96; ++j) {
      float v = static_cast<float>((j * 37) % 127) + 0.5f;  // 0.5 .. 126.5
      if (variant == 1) v = std::nextafter(v, 0.0f);
      if (variant == 2) v = std::nextafter(v, 200.0f);
      if (j % 32 == 0) v = 127.0f;  // each block's absmax
      r[j] = (j % 3 == 1) ? -v : v;
    }
    rows.push_back(r);
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
  std::vector<float> flat;
  for (const std::vector<float>& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  *n_out = static_cast<int>(rows.size());
  return flat;
}

template <typename Block>
void check_quantizer(quantize_fn quantize, void (*reference)(const float*, int64_t, void*)) {
  const int ks[] = {1, 7, 31, 32, 33, 64, 95, 256, 1000, 4099};
  for (int k : ks) {
    for (int n : {1, 3}) {
      std::vector<float> x = gaussian(static_cast<size_t>(n) * k, 100 + k + n, 3.0f);
      const std::vector<Block> want = reference_quantize<Block>(reference, x, n, k);
      std::vector<Block> got(want.size());
      std::memset(got.data(), 0xcd, got.size() * sizeof(Block));
      quantize(x.data(), n, k, got.data());
      EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(Block)))
          << "n=" << n << " k=" << k;
    }
  }
  int n = 0;
  const std::vector<float> x = tricky_rows(&n);
  for (int k : {96, 80, 40}) {  // whole rows, and shorter rows over the same values
    std::vector<float> xk;
    for (int i = 0; i < n; ++i) xk.insert(xk.end(), &x[i * 96], &x[i * 96] + k);
    const std::vector<Block> want = reference_quantize<Block>(reference, xk, n, k);
    std::vector<Block> got(want.size());
    quantize(xk.data(), n, k, got.data());
    for (size_t b = 0; b < want.size(); ++b) {
      EXPECT_EQ(0, std::memcmp(&got[b], &want[b], sizeof(Block))) << "k=" << k << " block " << b;
    }
  }
}

TEST_P(X86Kernels, QuantizeQ8_0MatchesRuntime) {
  if (isa().quantize_q8_0 == nullptr) GTEST_SKIP();
  check_quantizer<llmrt_block_q8_0>(isa().quantize_q8_0, llmrt_quantize_row_q8_0);
}

TEST_P(X86Kernels, QuantizeQ8_1MatchesRuntime) {
  if (isa().quantize_q8_1 == nullptr) GTEST_SKIP();
  check_quantizer<llmrt_block_q8_1>(isa().quantize_q8_1, llmrt_quantize_row_q8_1);
}

// ---- quantized linears -----------------------------------------------------------------------

struct Shape {
  int n, k, m;
};

// Tokens 1..5 and 17; k below, at and around one block, odd sizes, and long enough to cross the
// kernels' 32 KiB activation chunks (for 1 row and for 4-row tiles); m from 1 row up.
const Shape kShapes[] = {
    {1, 32, 1},  {1, 31, 5},   {1, 1, 3},    {2, 33, 7},   {3, 64, 9},    {4, 100, 13},
    {5, 256, 31}, {17, 96, 10}, {1, 4096, 67}, {4, 2048, 37}, {1, 19205, 9}, {6, 5000, 11},
    {2, 4099, 6}, {3, 160, 1},  {1, 2048, 8},  {8, 64, 4},
};

/// The quantized side of one scheme, for the checks below.
struct QuantScheme {
  llmrt_quant_scheme weights;
  size_t weight_block_bytes;
  generic_quant_linear_fn generic;
  quantize_fn quantize;         // the ISA's activation quantizer for these weights
  quant_linear_rows_fn linear;  // the ISA's kernel
  size_t activation_block_bytes;
  void (*dequantize_activations)(const void*, int64_t, float*);
};

/// Upper bounds of |each term| summed, per (token, output): the scale of the float rounding.
inline std::vector<double> abs_term_sums(llmrt_quant_scheme scheme, const unsigned char* w,
                                         size_t w_row_bytes, const unsigned char* xq,
                                         size_t x_row_bytes, size_t x_block_bytes,
                                         void (*dequantize_x)(const void*, int64_t, float*),
                                         int n, int k, int m) {
  const int blocks = blocks_of(k), kp = blocks * LLMRT_QK;
  std::vector<float> wd(kp), xd(static_cast<size_t>(n) * kp);
  for (int i = 0; i < n; ++i) dequantize_x(xq + i * x_row_bytes, kp, &xd[size_t(i) * kp]);
  std::vector<double> out(static_cast<size_t>(n) * m);
  for (int o = 0; o < m; ++o) {
    llmrt_dequantize_row(scheme, w + o * w_row_bytes, kp, wd.data());
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

/// Runs the ISA's linear on weights w (m rows) and activations x against the generic linear.
inline void check_quant_linear(const QuantScheme& q, const Shape& s,
                               const std::vector<unsigned char>& w, const std::vector<float>& x,
                               bool with_bias, const std::string& what) {
  const int n = s.n, k = s.k, m = s.m, blocks = blocks_of(k);
  const size_t w_row_bytes = blocks * q.weight_block_bytes;
  const size_t x_row_bytes = blocks * q.activation_block_bytes;
  std::vector<float> bias = gaussian(m, 7u + m);
  const float* b = with_bias ? bias.data() : nullptr;

  std::vector<unsigned char> scratch(llmk_activation_scratch_bytes(q.weights, n, k));
  std::vector<float> want(static_cast<size_t>(n) * m);
  q.generic(x.data(), w.data(), b, n, k, m, scratch.data(), want.data());

  std::vector<unsigned char> xq(static_cast<size_t>(n) * x_row_bytes);
  q.quantize(x.data(), n, k, xq.data());
  const std::vector<double> scale =
      abs_term_sums(q.weights, w.data(), w_row_bytes, xq.data(), x_row_bytes,
                    q.activation_block_bytes, q.dequantize_activations, n, k, m);

  // The whole matrix in three row ranges (one maybe empty), split at unaligned places.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> got(static_cast<size_t>(n) * m, nan);
  const int cut1 = m / 3, cut2 = m - m / 4;
  q.linear(xq.data(), w.data(), b, n, k, m, 0, cut1, got.data());
  q.linear(xq.data(), w.data(), b, n, k, m, cut1, cut2, got.data());
  q.linear(xq.data(), w.data(), b, n, k, m, cut2, m, got.data());
  for (int i = 0; i < n; ++i) {
    for (int o = 0; o < m; ++o) {
      const size_t at = static_cast<size_t>(i) * m + o;
      const double tol = 1e-5 * scale[at] + 1e-6 * std::fabs(bias[o]) * with_bias + 1e-30;
      ASSERT_NEAR(got[at], want[at], tol) << what << " n=" << n << " k=" << k << " m=" << m
                                          << " token " << i << " output " << o;
    }
  }
  // A range in the middle leaves the other columns alone.
  if (m >= 3) {
    std::vector<float> part(static_cast<size_t>(n) * m, nan);
    q.linear(xq.data(), w.data(), b, n, k, m, 1, m - 1, part.data());
    for (int i = 0; i < n; ++i) {
      EXPECT_TRUE(std::isnan(part[static_cast<size_t>(i) * m])) << what;
      EXPECT_TRUE(std::isnan(part[static_cast<size_t>(i) * m + m - 1])) << what;
      EXPECT_EQ(part[static_cast<size_t>(i) * m + 1], got[static_cast<size_t>(i) * m + 1]) << what;
    }
  }
}

inline std::vector<unsigned char> quantize_weights(llmrt_quant_scheme scheme,
                                                   const std::vector<float>& w, int m, int k) {
  const int blocks = blocks_of(k), kp = blocks * LLMRT_QK;
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

/// Weight blocks with extreme quants and scales: every quant at its minimum or maximum, mixed,
/// zero scales, zero-padded last blocks.
inline std::vector<unsigned char> extreme_weights(llmrt_quant_scheme scheme, int m, int k,
                                                  int pattern) {
  const int blocks = blocks_of(k);
  const size_t block_bytes = static_cast<size_t>(llmrt_quant_block_bytes(scheme));
  std::vector<unsigned char> out(block_bytes * blocks * m);
  for (int o = 0; o < m; ++o) {
    for (int b = 0; b < blocks; ++b) {
      unsigned char* p = &out[(static_cast<size_t>(o) * blocks + b) * block_bytes];
      const int v = (o + b + pattern) % 4;  // 0: min, 1: max, 2: mixed, 3: zero scale
      const llmrt_fp16 d = llmrt_fp32_to_fp16(v == 3 ? 0.0f : 0.5f + 0.25f * ((o * 7 + b) % 5));
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
      } else {
        llmrt_block_q4_1 blk;
        blk.d = d;
        blk.m = llmrt_fp32_to_fp16(v == 2 ? 3.0f : -2.5f);
        for (int j = 0; j < LLMRT_QK / 2; ++j) {
          blk.qs[j] = static_cast<uint8_t>(v == 0 ? 0x00 : v == 1 ? 0xff : (j % 2 ? 0x0f : 0xf0));
        }
        std::memcpy(p, &blk, sizeof(blk));
      }
    }
    // The padding of a short last block is zero quants, as the blob writer stores it.
    const int rem = k % LLMRT_QK;
    if (rem != 0) {
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

inline void check_scheme(const QuantScheme& q) {
  int case_index = 0;
  for (const Shape& s : kShapes) {
    const std::vector<float> wf = gaussian(static_cast<size_t>(s.m) * s.k, 11 + case_index);
    const std::vector<float> x = gaussian(static_cast<size_t>(s.n) * s.k, 29 + case_index);
    check_quant_linear(q, s, quantize_weights(q.weights, wf, s.m, s.k), x,
                       case_index % 2 == 0, "random");
    ++case_index;
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Extremes: activations all +-1 or alternating (quants +-127), weights at their limits.
  for (int pattern = 0; pattern < 4; ++pattern) {
    for (const Shape& s : {Shape{1, 96, 9}, Shape{4, 70, 5}, Shape{5, 33, 3}, Shape{1, 5, 2}}) {
      std::vector<float> x(static_cast<size_t>(s.n) * s.k);
      for (size_t j = 0; j < x.size(); ++j) {
        x[j] = pattern == 0 ? 1.0f : pattern == 1 ? -1.0f : (j % 2 ? 1.0f : -1.0f) * 3.5f;
      }
      check_quant_linear(q, s, extreme_weights(q.weights, s.m, s.k, pattern), x,
                         pattern % 2 == 1, "extreme pattern " + std::to_string(pattern));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST_P(X86Kernels, LinearQ8_0MatchesGeneric) {
  if (isa().linear_q8_0_rows == nullptr) GTEST_SKIP();
  check_scheme(QuantScheme{LLMRT_Q8_0, sizeof(llmrt_block_q8_0), llmk_linear_q8_0,
                           isa().quantize_q8_0, isa().linear_q8_0_rows, sizeof(llmrt_block_q8_0),
                           llmrt_dequantize_row_q8_0});
}

TEST_P(X86Kernels, LinearQ4_0MatchesGeneric) {
  if (isa().linear_q4_0_rows == nullptr) GTEST_SKIP();
  check_scheme(QuantScheme{LLMRT_Q4_0, sizeof(llmrt_block_q4_0), llmk_linear_q4_0,
                           isa().quantize_q8_0, isa().linear_q4_0_rows, sizeof(llmrt_block_q8_0),
                           llmrt_dequantize_row_q8_0});
}

TEST_P(X86Kernels, LinearQ4_1MatchesGeneric) {
  if (isa().linear_q4_1_rows == nullptr || isa().quantize_q8_1 == nullptr) GTEST_SKIP();
  check_scheme(QuantScheme{LLMRT_Q4_1, sizeof(llmrt_block_q4_1), llmk_linear_q4_1,
                           isa().quantize_q8_1, isa().linear_q4_1_rows, sizeof(llmrt_block_q8_1),
                           llmrt_dequantize_row_q8_1});
}

// ---- float kernels ---------------------------------------------------------------------------

TEST_P(X86Kernels, LinearF32MatchesGeneric) {
  if (isa().linear_f32_rows == nullptr) GTEST_SKIP();
  const Shape shapes[] = {{1, 1, 1},  {1, 7, 3},    {2, 8, 9},     {3, 9, 17},  {4, 15, 5},
                          {5, 16, 33}, {17, 31, 10}, {1, 4099, 21}, {4, 1024, 19}, {6, 333, 7}};
  int case_index = 0;
  for (const Shape& s : shapes) {
    const int n = s.n, k = s.k, m = s.m;
    const std::vector<float> x = gaussian(static_cast<size_t>(n) * k, 3 + case_index);
    const std::vector<float> w = gaussian(static_cast<size_t>(m) * k, 5 + case_index);
    const std::vector<float> bias = gaussian(m, 9 + case_index);
    const float* b = case_index % 2 ? bias.data() : nullptr;
    std::vector<float> want(static_cast<size_t>(n) * m);
    llmk_linear_f32(x.data(), w.data(), b, n, k, m, want.data());
    std::vector<float> got(want.size(), std::numeric_limits<float>::quiet_NaN());
    const int cut = (m * 2) / 5;
    isa().linear_f32_rows(x.data(), w.data(), b, n, k, m, 0, cut, got.data());
    isa().linear_f32_rows(x.data(), w.data(), b, n, k, m, cut, m, got.data());
    for (int i = 0; i < n; ++i) {
      for (int o = 0; o < m; ++o) {
        double scale = b ? std::fabs(b[o]) : 0.0;
        for (int j = 0; j < k; ++j) {
          scale += std::fabs(double(x[size_t(i) * k + j]) * w[size_t(o) * k + j]);
        }
        const size_t at = static_cast<size_t>(i) * m + o;
        ASSERT_NEAR(got[at], want[at], 1e-5 * scale + 1e-30)
            << "n=" << n << " k=" << k << " m=" << m << " token " << i << " output " << o;
      }
    }
    ++case_index;
  }
}

TEST_P(X86Kernels, RmsNormMatchesGeneric) {
  for (int dim : {1, 7, 8, 9, 64, 4099}) {
    for (int n : {1, 3}) {
      const std::vector<float> x = gaussian(static_cast<size_t>(n) * dim, dim + n, 2.0f);
      const std::vector<float> weight = gaussian(dim, 77 + dim);
      std::vector<float> want(x.size()), got(x.size());
      llmk_rms_norm_f32(x.data(), weight.data(), n, dim, 1e-5f, want.data());
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

TEST_P(X86Kernels, ExpWithinOneMillionth) {
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

TEST_P(X86Kernels, SwigluMatchesGeneric) {
  std::vector<float> gate = exp_inputs();
  for (float& g : gate) g = -g;  // the same range, seen from silu's side
  const std::vector<float> up = gaussian(gate.size(), 17);
  for (int count : {0, 1, 7, 8, 9, static_cast<int>(gate.size())}) {
    std::vector<float> want(count), got(count);
    llmk_swiglu_f32(gate.data(), up.data(), count, want.data());
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

TEST_P(X86Kernels, AddIsExact) {
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

}  // namespace x86_kernel_tests

#endif  // LLMC_TEST_TARGETS_X86_X86_KERNEL_TESTS_H
