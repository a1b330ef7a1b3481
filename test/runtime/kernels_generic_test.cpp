// kernels_generic_test.cpp - the generic float32 kernels against straightforward double-precision
// references written here, on random and edge-case shapes.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/quant_format.h"
#include "test/common/generic_linear.h"

namespace {

std::vector<float> random_vector(size_t n, std::mt19937* rng, float scale = 1.0f) {
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(*rng);
  return v;
}

// |got - want| <= tol * (1 + |want|) elementwise.
void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tol,
                  const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::fabs(want[i]))) << what << " at " << i;
  }
}

TEST(KernelsGenericTest, Embed) {
  std::mt19937 rng(1);
  const int vocab = 11, dim = 7;
  std::vector<float> table = random_vector(vocab * dim, &rng);
  std::vector<int32_t> tokens = {3, 0, 10, 3};
  std::vector<float> out(tokens.size() * dim, -1.0f);
  llmk_generic_embed_f32(table.data(), tokens.data(), static_cast<int>(tokens.size()), dim, out.data());
  for (size_t i = 0; i < tokens.size(); ++i) {
    for (int j = 0; j < dim; ++j) EXPECT_EQ(out[i * dim + j], table[tokens[i] * dim + j]);
  }
}

TEST(KernelsGenericTest, RmsNorm) {
  std::mt19937 rng(2);
  const float eps = 1e-5f;
  for (auto shape : {std::pair<int, int>{1, 1}, {1, 64}, {3, 17}, {5, 255}}) {
    const int n = shape.first, dim = shape.second;
    std::vector<float> x = random_vector(n * dim, &rng, 3.0f);
    std::vector<float> w = random_vector(dim, &rng);
    std::vector<float> out(n * dim);
    llmk_generic_rms_norm_f32(x.data(), w.data(), n, dim, eps, out.data());
    std::vector<double> want(n * dim);
    for (int i = 0; i < n; ++i) {
      double ss = 0;
      for (int j = 0; j < dim; ++j) ss += double(x[i * dim + j]) * x[i * dim + j];
      double inv = 1.0 / std::sqrt(ss / dim + eps);
      for (int j = 0; j < dim; ++j) want[i * dim + j] = w[j] * x[i * dim + j] * inv;
    }
    expect_close(out, want, 1e-6, "rms_norm");
  }
  // All zeros: eps keeps it finite.
  std::vector<float> zeros(8, 0.0f), ones(8, 1.0f), out(8, 1.0f);
  llmk_generic_rms_norm_f32(zeros.data(), ones.data(), 1, 8, eps, out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST(KernelsGenericTest, Linear) {
  std::mt19937 rng(3);
  struct Shape { int n, k, m; };
  for (Shape s : {Shape{1, 1, 1}, Shape{1, 64, 3}, Shape{5, 33, 7}, Shape{4, 1, 9},
                  Shape{3, 257, 1}}) {
    std::vector<float> x = random_vector(s.n * s.k, &rng);
    std::vector<float> w = random_vector(s.m * s.k, &rng);
    std::vector<float> bias = random_vector(s.m, &rng);
    for (bool with_bias : {false, true}) {
      std::vector<float> y(s.n * s.m);
      generic_linear_f32(x.data(), w.data(), with_bias ? bias.data() : nullptr, s.n, s.k, s.m,
                      y.data());
      std::vector<double> want(s.n * s.m);
      for (int i = 0; i < s.n; ++i) {
        for (int o = 0; o < s.m; ++o) {
          double acc = with_bias ? bias[o] : 0.0;
          for (int j = 0; j < s.k; ++j) acc += double(x[i * s.k + j]) * w[o * s.k + j];
          want[i * s.m + o] = acc;
        }
      }
      expect_close(y, want, 1e-6, with_bias ? "linear+bias" : "linear");
    }
  }
}

// inv_freq[i] = theta^(-2i / head_dim), as Hugging Face computes it.
std::vector<float> inv_freq(int head_dim, double theta) {
  std::vector<float> f(head_dim / 2);
  for (int i = 0; i < head_dim / 2; ++i) {
    f[i] = static_cast<float>(1.0 / std::pow(theta, 2.0 * i / head_dim));
  }
  return f;
}

TEST(KernelsGenericTest, RopeMatchesRotateHalfFormula) {
  std::mt19937 rng(4);
  struct Shape { int n, n_heads, head_dim, pos0; };
  for (Shape s : {Shape{1, 1, 2, 0}, Shape{3, 2, 8, 0}, Shape{4, 3, 16, 5}, Shape{2, 1, 64, 1000}}) {
    const int row = s.n_heads * s.head_dim, half = s.head_dim / 2;
    std::vector<float> x = random_vector(s.n * row, &rng);
    std::vector<float> freq = inv_freq(s.head_dim, 10000.0);
    std::vector<float> out(s.n * row);
    llmk_generic_rope_f32(x.data(), s.n, s.n_heads, s.head_dim, s.pos0, freq.data(), out.data());
    std::vector<double> want(s.n * row);
    for (int r = 0; r < s.n; ++r) {
      for (int h = 0; h < s.n_heads; ++h) {
        const int base = r * row + h * s.head_dim;
        for (int i = 0; i < half; ++i) {
          // The angle is a float32 product, as in transformers; cos and sin in double.
          double angle = static_cast<float>(s.pos0 + r) * freq[i];
          double a = x[base + i], b = x[base + i + half];
          want[base + i] = a * std::cos(angle) - b * std::sin(angle);
          want[base + i + half] = b * std::cos(angle) + a * std::sin(angle);
        }
      }
    }
    expect_close(out, want, 1e-6, "rope");
    // In place gives the same result.
    llmk_generic_rope_f32(x.data(), s.n, s.n_heads, s.head_dim, s.pos0, freq.data(), x.data());
    EXPECT_EQ(x, out);
  }
}

TEST(KernelsGenericTest, RopePairsElementWithHalfAway) {
  // head_dim 4: (x0, x2) turns by pos * 1, (x1, x3) by pos * 0.5; position 0 is the identity.
  const float x[8] = {1, 0, 0, 1, 5, 6, 7, 8};
  const float freq[2] = {1.0f, 0.5f};
  float out[8];
  llmk_generic_rope_f32(x, 2, 1, 4, 0, freq, out);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], x[i]) << "row 0 is at position 0";
  llmk_generic_rope_f32(x, 1, 1, 4, 1, freq, out);  // row 0 at position 1
  EXPECT_NEAR(out[0], std::cos(1.0), 1e-7);    // x0 cos - x2 sin, x2 = 0
  EXPECT_NEAR(out[2], std::sin(1.0), 1e-7);    // x2 cos + x0 sin
  EXPECT_NEAR(out[1], -std::sin(0.5), 1e-7);   // x1 cos - x3 sin, x1 = 0
  EXPECT_NEAR(out[3], std::cos(0.5), 1e-7);    // x3 cos + x1 sin
}

// The attention of token rows at positions pos0..pos0+n-1 over full K, V histories (positions
// 0..pos0+n-1), computed the obvious way: full softmax in double.
std::vector<double> reference_attention(const std::vector<float>& q, const std::vector<float>& k_all,
                                        const std::vector<float>& v_all, int n, int pos0,
                                        int n_heads, int n_kv_heads, int head_dim) {
  const int q_dim = n_heads * head_dim, kv_dim = n_kv_heads * head_dim;
  std::vector<double> out(n * q_dim);
  for (int i = 0; i < n; ++i) {
    const int p = pos0 + i;
    for (int h = 0; h < n_heads; ++h) {
      const int kvh = h * n_kv_heads / n_heads;
      std::vector<double> w(p + 1);
      double max_w = -1e300;
      for (int t = 0; t <= p; ++t) {
        double dot = 0;
        for (int j = 0; j < head_dim; ++j) {
          dot += double(q[i * q_dim + h * head_dim + j]) * k_all[t * kv_dim + kvh * head_dim + j];
        }
        w[t] = dot / std::sqrt(double(head_dim));
        max_w = std::max(max_w, w[t]);
      }
      double sum = 0;
      for (double& x : w) sum += (x = std::exp(x - max_w));
      for (int j = 0; j < head_dim; ++j) {
        double acc = 0;
        for (int t = 0; t <= p; ++t) acc += w[t] / sum * v_all[t * kv_dim + kvh * head_dim + j];
        out[i * q_dim + h * head_dim + j] = acc;
      }
    }
  }
  return out;
}

struct AttentionCase {
  int n, pos0, n_heads, n_kv_heads, head_dim, context;
  float q_scale;
};

void check_attention(const AttentionCase& c, unsigned seed, double tol = 2e-6) {
  std::mt19937 rng(seed);
  const int q_dim = c.n_heads * c.head_dim, kv_dim = c.n_kv_heads * c.head_dim;
  const int total = c.pos0 + c.n;
  std::vector<float> q = random_vector(c.n * q_dim, &rng, c.q_scale);
  std::vector<float> k_all = random_vector(total * kv_dim, &rng);
  std::vector<float> v_all = random_vector(total * kv_dim, &rng);
  // The cache holds the first pos0 positions already; the rest is garbage to be overwritten.
  std::vector<float> key_cache = random_vector(c.context * kv_dim, &rng, 100.0f);
  std::vector<float> value_cache = random_vector(c.context * kv_dim, &rng, 100.0f);
  std::copy(k_all.begin(), k_all.begin() + c.pos0 * kv_dim, key_cache.begin());
  std::copy(v_all.begin(), v_all.begin() + c.pos0 * kv_dim, value_cache.begin());
  std::vector<float> scores(c.context);
  std::vector<float> out(c.n * q_dim);
  llmk_generic_attention_f32(q.data(), k_all.data() + c.pos0 * kv_dim, v_all.data() + c.pos0 * kv_dim,
                     c.n, c.pos0, c.n_heads, c.n_kv_heads, c.head_dim, key_cache.data(),
                     value_cache.data(), scores.data(), out.data());
  expect_close(out,
               reference_attention(q, k_all, v_all, c.n, c.pos0, c.n_heads, c.n_kv_heads,
                                   c.head_dim),
               tol, "attention");
  for (int i = 0; i < total * kv_dim; ++i) {
    ASSERT_EQ(key_cache[i], k_all[i]) << "key cache " << i;
    ASSERT_EQ(value_cache[i], v_all[i]) << "value cache " << i;
  }
}

TEST(KernelsGenericTest, AttentionGroupedQueryPrefillAfterHistory) {
  check_attention({4, 3, 4, 2, 8, 16, 1.0f}, 5);  // n > 1 at pos0 > 0, GQA 4 / 2
}

TEST(KernelsGenericTest, AttentionEdgeShapes) {
  check_attention({1, 0, 1, 1, 1, 1, 1.0f}, 6);     // one token, one head, head_dim 1
  check_attention({5, 0, 4, 2, 8, 5, 1.0f}, 7);     // prefill from 0 fills the context
  check_attention({1, 9, 4, 2, 8, 10, 1.0f}, 8);    // decode at the last position
  check_attention({3, 2, 6, 6, 5, 8, 1.0f}, 9);     // multi-head (no grouping), odd head_dim
  check_attention({2, 4, 8, 1, 16, 8, 1.0f}, 10);   // multi-query
}

TEST(KernelsGenericTest, AttentionSoftmaxIsStableForLargeScores) {
  // Scores in the hundreds: a naive exp would overflow. Rounding the score to float costs
  // about |score| * 6e-8 in each weight, hence the looser tolerance.
  check_attention({3, 4, 4, 2, 8, 8, 300.0f}, 11, 1e-4);
}

// llmk_generic_attention_f32 is llmk_generic_kv_store_f32 followed by llmk_generic_attend_f32: the same bits, whether
// attend covers all heads at once or head ranges split anywhere (each writing only its heads).
TEST(KernelsGenericTest, AttentionIsKvStorePlusAttendOverHeadRanges) {
  const AttentionCase cases[] = {
      {1, 0, 4, 4, 8, 4, 1.0f},  {5, 0, 8, 2, 6, 8, 1.0f},  {1, 37, 8, 1, 16, 40, 1.0f},
      {5, 37, 6, 3, 5, 45, 1.0f}, {3, 9, 16, 2, 20, 12, 2.0f}, {2, 4, 1, 1, 1, 8, 1.0f},
  };
  unsigned seed = 40;
  for (const AttentionCase& c : cases) {
    std::mt19937 rng(++seed);
    const int q_dim = c.n_heads * c.head_dim, kv_dim = c.n_kv_heads * c.head_dim;
    const std::vector<float> q = random_vector(c.n * q_dim, &rng, c.q_scale);
    const std::vector<float> k = random_vector(c.n * kv_dim, &rng);
    const std::vector<float> v = random_vector(c.n * kv_dim, &rng);
    const std::vector<float> cache_k = random_vector(c.context * kv_dim, &rng);
    const std::vector<float> cache_v = random_vector(c.context * kv_dim, &rng);

    std::vector<float> want_k = cache_k, want_v = cache_v, scores(c.context);
    std::vector<float> want(c.n * q_dim);
    llmk_generic_attention_f32(q.data(), k.data(), v.data(), c.n, c.pos0, c.n_heads, c.n_kv_heads,
                       c.head_dim, want_k.data(), want_v.data(), scores.data(), want.data());

    std::vector<float> got_k = cache_k, got_v = cache_v;
    llmk_generic_kv_store_f32(k.data(), v.data(), c.n, c.pos0, kv_dim, got_k.data(), got_v.data());
    ASSERT_EQ(got_k, want_k);
    ASSERT_EQ(got_v, want_v);

    // Every split of the heads into two ranges (one maybe empty), each with its own scratch of
    // exactly pos0 + n floats.
    for (int cut = 0; cut <= c.n_heads; ++cut) {
      std::vector<float> got(want.size(), NAN);
      std::vector<float> scratch_a(c.pos0 + c.n), scratch_b(c.pos0 + c.n);
      llmk_generic_attend_f32(q.data(), c.n, c.pos0, c.n_heads, c.n_kv_heads, c.head_dim, got_k.data(),
                      got_v.data(), 0, cut, scratch_a.data(), got.data());
      for (int i = 0; i < c.n; ++i) {  // the other heads' columns untouched so far
        for (int j = cut * c.head_dim; j < q_dim; ++j) ASSERT_TRUE(std::isnan(got[i * q_dim + j]));
      }
      llmk_generic_attend_f32(q.data(), c.n, c.pos0, c.n_heads, c.n_kv_heads, c.head_dim, got_k.data(),
                      got_v.data(), cut, c.n_heads, scratch_b.data(), got.data());
      for (size_t j = 0; j < want.size(); ++j) {
        ASSERT_EQ(0, std::memcmp(&got[j], &want[j], sizeof(float)))  // bit for bit
            << "cut " << cut << " at " << j << ": " << got[j] << " vs " << want[j];
      }
    }
  }
}

TEST(KernelsGenericTest, Swiglu) {
  std::mt19937 rng(12);
  for (int count : {1, 7, 100}) {
    std::vector<float> gate = random_vector(count, &rng, 8.0f);
    std::vector<float> up = random_vector(count, &rng, 2.0f);
    std::vector<float> out(count);
    llmk_generic_swiglu_f32(gate.data(), up.data(), count, out.data());
    std::vector<double> want(count);
    for (int i = 0; i < count; ++i) want[i] = gate[i] / (1.0 + std::exp(-double(gate[i]))) * up[i];
    expect_close(out, want, 1e-6, "swiglu");
  }
  const float big[3] = {-100.0f, 100.0f, 0.0f};
  const float one[3] = {1.0f, 1.0f, 1.0f};
  float out[3];
  llmk_generic_swiglu_f32(big, one, 3, out);
  EXPECT_NEAR(out[0], 0.0f, 1e-30f);
  EXPECT_EQ(out[1], 100.0f);
  EXPECT_EQ(out[2], 0.0f);
}

TEST(KernelsGenericTest, AddAllowsAliasing) {
  std::mt19937 rng(13);
  for (int count : {1, 9, 64}) {
    std::vector<float> a = random_vector(count, &rng), b = random_vector(count, &rng);
    std::vector<float> out(count);
    llmk_generic_add_f32(a.data(), b.data(), count, out.data());
    for (int i = 0; i < count; ++i) EXPECT_EQ(out[i], a[i] + b[i]);
    llmk_generic_add_f32(a.data(), b.data(), count, a.data());
    EXPECT_EQ(a, out);
  }
}

}  // namespace

// ---- binary16 and bfloat16 weights ---------------------------------------------------------------

namespace {

/// A half-width float format's conversions and a few values worth storing.
template <typename H>
struct HalfFormat;
template <>
struct HalfFormat<llmrt_fp16> {
  static llmrt_fp16 narrow(float f) { return llmrt_fp32_to_fp16(f); }
  static float widen(llmrt_fp16 h) { return llmrt_fp16_to_fp32(h); }
  // 2^-24 (subnormal), -0, 65504 (the largest half)
  static std::vector<llmrt_fp16> specials() { return {0x0001, 0x8000, 0x7bff}; }
};
template <>
struct HalfFormat<llmrt_bf16> {
  static llmrt_bf16 narrow(float f) { return llmrt_fp32_to_bf16(f); }
  static float widen(llmrt_bf16 h) { return llmrt_bf16_to_fp32(h); }
  // 2^-133 (subnormal), -0, 1e38 (past binary16's range)
  static std::vector<llmrt_bf16> specials() { return {{0x0001}, {0x8000}, {0x7e96}}; }
};

/// m x k weights from gaussian values, with the format's specials among them.
template <typename H>
std::vector<H> half_weights(int m, int k, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  std::vector<H> w(static_cast<size_t>(m) * k);
  for (H& h : w) h = HalfFormat<H>::narrow(dist(rng));
  const std::vector<H> specials = HalfFormat<H>::specials();
  for (size_t i = 0; i < specials.size() && i < w.size(); ++i) {
    w[i * w.size() / specials.size()] = specials[i];
  }
  return w;
}

template <typename H>
std::vector<float> widened(const std::vector<H>& w) {
  std::vector<float> out(w.size());
  for (size_t i = 0; i < w.size(); ++i) out[i] = HalfFormat<H>::widen(w[i]);
  return out;
}

typedef void (*HalfLinear)(const float*, const void*, const float*, int, int, int, float*);
typedef void (*HalfEmbed)(const void*, const int32_t*, int, int, float*);

// Both formats widen exactly and their linears sum in generic_linear_f32's order, so they agree
// with it bit for bit on the widened weights (generic_linear_f32 is checked against double sums
// above).
template <typename H>
void expect_linear_equals_f32_on_widened_weights(HalfLinear linear) {
  struct Shape { int n, k, m; };
  for (Shape s : {Shape{1, 1, 1}, Shape{1, 64, 3}, Shape{5, 33, 7}, Shape{3, 257, 2}}) {
    const std::vector<H> w = half_weights<H>(s.m, s.k, 11 + s.k);
    const std::vector<float> wf = widened(w);
    std::mt19937 rng(s.n * 7 + s.k);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(s.n) * s.k), bias(s.m);
    for (float& v : x) v = dist(rng);
    for (float& v : bias) v = dist(rng);
    const float* no_bias = nullptr;
    for (const float* b : {no_bias, static_cast<const float*>(bias.data())}) {
      std::vector<float> got(static_cast<size_t>(s.n) * s.m), want(got.size());
      linear(x.data(), w.data(), b, s.n, s.k, s.m, got.data());
      generic_linear_f32(x.data(), wf.data(), b, s.n, s.k, s.m, want.data());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(std::memcmp(&got[i], &want[i], sizeof(float)), 0)
            << "n=" << s.n << " k=" << s.k << " m=" << s.m << " at " << i << ": " << got[i]
            << " vs " << want[i];
      }
    }
  }
}

template <typename H>
void expect_embed_widens_the_rows(HalfEmbed embed) {
  const int vocab = 5, dim = 7;
  const std::vector<H> table = half_weights<H>(vocab, dim, 3);
  const int32_t tokens[] = {4, 0, 4, 2};
  std::vector<float> out(4 * dim);
  embed(table.data(), tokens, 4, dim, out.data());
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < dim; ++j) {
      const float want = HalfFormat<H>::widen(table[static_cast<size_t>(tokens[i]) * dim + j]);
      ASSERT_EQ(std::memcmp(&out[i * dim + j], &want, sizeof want), 0) << i << "," << j;
    }
  }
}

TEST(KernelsGenericF16, LinearEqualsF32OnWidenedWeights) {
  expect_linear_equals_f32_on_widened_weights<llmrt_fp16>(generic_linear_f16);
}

TEST(KernelsGenericF16, EmbedWidensTheRows) {
  expect_embed_widens_the_rows<llmrt_fp16>(llmk_generic_embed_f16);
}

TEST(KernelsGenericBf16, LinearEqualsF32OnWidenedWeights) {
  expect_linear_equals_f32_on_widened_weights<llmrt_bf16>(generic_linear_bf16);
}

TEST(KernelsGenericBf16, EmbedWidensTheRows) {
  expect_embed_widens_the_rows<llmrt_bf16>(llmk_generic_embed_bf16);
}

}  // namespace
