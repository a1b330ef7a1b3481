// kernels_generic_quant_test.cpp - the generic quantized linear and embedding kernels.
//
// Each linear is checked twice: against a double-precision dot product of the DEQUANTIZED weights
// and the DEQUANTIZED activations (the kernel's integer sums are exact, so only its float
// accumulation differs: ~1e-5 of the sum of |terms|), and against the float32 linear on the
// original values (the quantization error itself, a looser bound).
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/quant_format.h"
#include "test/common/generic_linear.h"

namespace {

typedef void (*linear_fn)(const float*, const void*, const float*, int, int, int, void*, float*);
typedef void (*embed_fn)(const void*, const int32_t*, int, int, float*);

struct Scheme {
  llmrt_quant_scheme weights;
  const char* name;
  linear_fn linear;
  embed_fn embed;
  int activation_block;           // values per activation block
  size_t activation_block_bytes;  // q8_0, q8_1 or q8_K
  void (*quantize_activations)(const float*, int64_t, void*);
  void (*dequantize_activations)(const void*, int64_t, float*);
  double float_bound;  // relative RMS difference from the float32 linear, Gaussian data
};

// float_bound: about sqrt(weight error^2 + activation error^2) (quant.cpp), with a margin.
const Scheme kSchemes[] = {
    {LLMRT_Q8_0, "q8_0", generic_linear_q8_0, llmk_generic_embed_q8_0, 32, sizeof(llmrt_block_q8_0),
     llmrt_quantize_row_q8_0, llmrt_dequantize_row_q8_0, 0.012},
    {LLMRT_Q4_0, "q4_0", generic_linear_q4_0, llmk_generic_embed_q4_0, 32, sizeof(llmrt_block_q8_0),
     llmrt_quantize_row_q8_0, llmrt_dequantize_row_q8_0, 0.12},
    {LLMRT_Q4_1, "q4_1", generic_linear_q4_1, llmk_generic_embed_q4_1, 32, sizeof(llmrt_block_q8_1),
     llmrt_quantize_row_q8_1, llmrt_dequantize_row_q8_1, 0.11},
    {LLMRT_Q4_K, "q4_k", generic_linear_q4_k, llmk_generic_embed_q4_k, 256, sizeof(llmrt_block_q8_K),
     llmrt_quantize_row_q8_k, llmrt_dequantize_row_q8_k, 0.11},
    {LLMRT_Q6_K, "q6_k", generic_linear_q6_k, llmk_generic_embed_q6_k, 256, sizeof(llmrt_block_q8_K),
     llmrt_quantize_row_q8_k, llmrt_dequantize_row_q8_k, 0.03},
};

std::vector<float> gaussian(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

/// k rounded up to whole blocks of the scheme.
int padded(llmrt_quant_scheme s, int k) {
  const int block = static_cast<int>(llmrt_quant_block_size(s));
  return (k + block - 1) / block * block;
}

/// m rows of k values, each zero-padded to whole blocks, as the blob writer stores weights.
std::vector<float> pad_rows(const std::vector<float>& v, int m, int k, int kp) {
  std::vector<float> out(size_t(m) * kp, 0.0f);
  for (int o = 0; o < m; ++o) {
    std::memcpy(&out[size_t(o) * kp], &v[size_t(o) * k], k * sizeof(float));
  }
  return out;
}

/// m rows of k weights quantized with the scheme, padded to whole blocks: (m, row_bytes).
std::vector<unsigned char> quantize_rows(llmrt_quant_scheme s, const std::vector<float>& w, int m,
                                         int k) {
  const int kp = padded(s, k);
  const std::vector<float> wp = pad_rows(w, m, k, kp);
  const size_t row_bytes = static_cast<size_t>(llmrt_quant_row_bytes(s, kp));
  std::vector<unsigned char> out(row_bytes * m);
  for (int o = 0; o < m; ++o) llmrt_quantize_row(s, &wp[size_t(o) * kp], kp, &out[o * row_bytes]);
  return out;
}

/// Everything one linear call needs, with its quantized-then-dequantized operands, whose rows
/// are padded to kp (whole blocks) with zeros.
struct Problem {
  int n, k, m, kp;
  std::vector<float> x, w, bias;
  std::vector<unsigned char> wq;           // (m, row_bytes)
  std::vector<float> w_deq;                // (m, k)
  std::vector<unsigned char> x_blocks;     // (n, k / activation_block) activation blocks
  std::vector<float> x_deq;                // (n, k)
};

Problem make_problem(const Scheme& s, int n, int k, int m, unsigned seed) {
  const int kp = padded(s.weights, k);
  Problem p{n, k, m, kp, gaussian(size_t(n) * k, seed), gaussian(size_t(m) * k, seed + 1),
            gaussian(m, seed + 2), {}, {}, {}, {}};
  p.wq = quantize_rows(s.weights, p.w, m, k);
  const size_t w_row_bytes = p.wq.size() / m;
  p.w_deq.resize(size_t(m) * kp);
  for (int o = 0; o < m; ++o) {
    llmrt_dequantize_row(s.weights, &p.wq[o * w_row_bytes], kp, &p.w_deq[size_t(o) * kp]);
  }
  const std::vector<float> xp = pad_rows(p.x, n, k, kp);
  const size_t x_row_bytes = size_t(kp / s.activation_block) * s.activation_block_bytes;
  p.x_blocks.resize(x_row_bytes * n);
  p.x_deq.resize(size_t(n) * kp);
  for (int i = 0; i < n; ++i) {
    s.quantize_activations(&xp[size_t(i) * kp], kp, &p.x_blocks[i * x_row_bytes]);
    s.dequantize_activations(&p.x_blocks[i * x_row_bytes], kp, &p.x_deq[size_t(i) * kp]);
  }
  return p;
}

/// y[i, o] from the dequantized operands in double, and the sum of |terms| it is judged by.
void reference(const Scheme& s, const Problem& p, bool with_bias, int i, int o, double* value,
               double* magnitude) {
  const float* wo = &p.w_deq[size_t(o) * p.kp];
  const float* xi = &p.x_deq[size_t(i) * p.kp];
  double sum = 0, abs_sum = 0;
  for (int j = 0; j < p.kp; ++j) {
    sum += double(wo[j]) * xi[j];
    abs_sum += std::fabs(double(wo[j]) * xi[j]);
  }
  if (s.weights == LLMRT_Q4_1) {
    // The kernel's min term m * sum(x) uses the activation block's stored s, d * sum(q) rounded
    // to fp16, rather than the exact sum of the dequantized values: make the same substitution.
    const size_t row_bytes = static_cast<size_t>(llmrt_quant_row_bytes(LLMRT_Q4_1, p.kp));
    const llmrt_block_q4_1* wb = reinterpret_cast<const llmrt_block_q4_1*>(&p.wq[o * row_bytes]);
    const size_t x_row_bytes = (p.kp / 32) * sizeof(llmrt_block_q8_1);
    const llmrt_block_q8_1* xb =
        reinterpret_cast<const llmrt_block_q8_1*>(&p.x_blocks[i * x_row_bytes]);
    for (int b = 0; b < p.kp / 32; ++b) {
      double exact = 0;
      for (int j = 0; j < 32; ++j) exact += xi[b * 32 + j];
      sum += llmrt_fp16_to_fp32(wb[b].m) * (double(llmrt_fp16_to_fp32(xb[b].s)) - exact);
    }
  }
  if (with_bias) {
    sum += p.bias[o];
    abs_sum += std::fabs(p.bias[o]);
  }
  *value = sum;
  *magnitude = abs_sum;
}

void check_linear(const Scheme& s, int n, int k, int m, bool with_bias, unsigned seed) {
  SCOPED_TRACE(testing::Message() << s.name << " n=" << n << " k=" << k << " m=" << m
                                  << (with_bias ? " bias" : ""));
  const Problem p = make_problem(s, n, k, m, seed);
  const size_t scratch_bytes = llmk_generic_activation_scratch_bytes(s.weights, n, k);
  ASSERT_EQ(scratch_bytes, p.x_blocks.size());
  std::vector<uint32_t> scratch((scratch_bytes + 3) / 4, 0xdeadbeefu);  // 4-byte aligned
  std::vector<float> y(size_t(n) * m, NAN);
  s.linear(p.x.data(), p.wq.data(), with_bias ? p.bias.data() : nullptr, n, k, m, scratch.data(),
           y.data());
  // The scratch holds the quantized activations the kernel used.
  EXPECT_EQ(std::memcmp(scratch.data(), p.x_blocks.data(), scratch_bytes), 0);

  std::vector<float> y_float(size_t(n) * m);
  generic_linear_f32(p.x.data(), p.w.data(), with_bias ? p.bias.data() : nullptr, n, k, m,
                  y_float.data());
  double diff2 = 0, ref2 = 0;
  for (int i = 0; i < n; ++i) {
    for (int o = 0; o < m; ++o) {
      double want, magnitude;
      reference(s, p, with_bias, i, o, &want, &magnitude);
      const float got = y[size_t(i) * m + o];
      ASSERT_NEAR(got, want, 1e-5 * magnitude) << "y[" << i << ", " << o << "]";
      const double d = double(got) - y_float[size_t(i) * m + o];
      diff2 += d * d;
      ref2 += double(y_float[size_t(i) * m + o]) * y_float[size_t(i) * m + o];
    }
  }
  if (n * m >= 64) {  // enough outputs for a stable RMS estimate
    EXPECT_LT(std::sqrt(diff2 / ref2), s.float_bound);
  }
}

TEST(KernelsGenericQuantTest, ScratchBytes) {
  EXPECT_EQ(llmk_generic_activation_scratch_bytes(LLMRT_Q8_0, 3, 64), 3u * 2 * 34);
  EXPECT_EQ(llmk_generic_activation_scratch_bytes(LLMRT_Q4_0, 1, 4096), 128u * 34);
  EXPECT_EQ(llmk_generic_activation_scratch_bytes(LLMRT_Q4_1, 2, 4096), 2u * 128 * 36);
  EXPECT_EQ(llmk_generic_activation_scratch_bytes(LLMRT_Q4_K, 16, 4096), 16u * 16 * 292);
  EXPECT_EQ(llmk_generic_activation_scratch_bytes(LLMRT_Q6_K, 1, 256), 292u);
  // Rows that are not whole blocks are padded to whole blocks.
  EXPECT_EQ(llmk_generic_activation_scratch_bytes(LLMRT_Q4_0, 2, 172), 2u * 6 * 34);
  EXPECT_EQ(llmk_generic_activation_scratch_bytes(LLMRT_Q4_K, 1, 300), 2u * 292);
}

TEST(KernelsGenericQuantTest, LinearSmallShapes) {
  unsigned seed = 100;
  for (const Scheme& s : kSchemes) {
    const int block = static_cast<int>(llmrt_quant_block_size(s.weights));
    const int shapes[][3] = {{1, block, 1}, {1, 2 * block, 7}, {3, block, 1}, {4, 3 * block, 5}};
    for (const auto& shape : shapes) {
      for (bool with_bias : {false, true}) {
        check_linear(s, shape[0], shape[1], shape[2], with_bias, ++seed);
      }
    }
  }
}

TEST(KernelsGenericQuantTest, LinearRowsNotWholeBlocks) {
  // Weight rows and activations zero-padded to whole blocks (stories260K's k = 172, say).
  unsigned seed = 150;
  for (const Scheme& s : kSchemes) {
    const int block = static_cast<int>(llmrt_quant_block_size(s.weights));
    for (int k : {7, block + 12, 3 * block - 1}) {
      check_linear(s, 1, k, 3, false, ++seed);
      check_linear(s, 3, k, 2, true, ++seed);
    }
  }
}

TEST(KernelsGenericQuantTest, LinearAgainstFloat) {
  unsigned seed = 200;
  for (const Scheme& s : kSchemes) {
    check_linear(s, 1, 1024, 96, false, ++seed);  // decode: one token
    check_linear(s, 5, 1024, 40, true, ++seed);   // prefill: several tokens
  }
}

TEST(KernelsGenericQuantTest, LinearZeroActivations) {
  // All-zero activation rows quantize to d = 0 (q8_K: d = 0, zero sums): outputs are the bias.
  for (const Scheme& s : kSchemes) {
    const int k = 256, m = 3;
    const std::vector<float> w = gaussian(size_t(m) * k, 7);
    const std::vector<unsigned char> wq = quantize_rows(s.weights, w, m, k);
    const std::vector<float> x(size_t(2) * k, 0.0f), bias = {1.5f, -2.0f, 0.25f};
    std::vector<uint32_t> scratch(llmk_generic_activation_scratch_bytes(s.weights, 2, k) / 4 + 1);
    std::vector<float> y(2 * m);
    s.linear(x.data(), wq.data(), bias.data(), 2, k, m, scratch.data(), y.data());
    for (int i = 0; i < 2; ++i) {
      for (int o = 0; o < m; ++o) EXPECT_EQ(y[i * m + o], bias[o]) << s.name;
    }
  }
}

TEST(KernelsGenericQuantTest, Embed) {
  for (const Scheme& s : kSchemes) {
    for (int dim : {512, 300}) {  // whole blocks, and a padded last block
      const int vocab = 5, dp = padded(s.weights, dim);
      const std::vector<float> table = gaussian(size_t(vocab) * dim, 9);
      const std::vector<unsigned char> tq = quantize_rows(s.weights, table, vocab, dim);
      const size_t row_bytes = tq.size() / vocab;
      const std::vector<int32_t> tokens = {3, 0, 4, 3};
      std::vector<float> out(tokens.size() * dim, NAN);
      s.embed(tq.data(), tokens.data(), static_cast<int>(tokens.size()), dim, out.data());
      std::vector<float> want(dp);
      for (size_t i = 0; i < tokens.size(); ++i) {
        llmrt_dequantize_row(s.weights, &tq[tokens[i] * row_bytes], dp, want.data());
        EXPECT_EQ(std::memcmp(&out[i * dim], want.data(), dim * sizeof(float)), 0)
            << s.name << " dim " << dim << " token " << i;
      }
    }
  }
}

}  // namespace
