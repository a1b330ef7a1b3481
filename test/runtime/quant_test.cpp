// quant_test.cpp - runtime/quant_format.h and runtime/quant.cpp: block layouts, fp16 conversion,
// and quantize -> dequantize error bounds on Gaussian data and edge cases. Bit-exactness against
// gguf-py is checked by test/quant/test_gguf_quants.py.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/quant_format.h"

namespace {

const llmrt_quant_scheme kSchemes[] = {LLMRT_Q8_0, LLMRT_Q4_0, LLMRT_Q4_1, LLMRT_Q4_K, LLMRT_Q6_K};

/// Relative RMS error bounds on Gaussian data: the values measured in quant.cpp plus a margin.
double rms_bound(llmrt_quant_scheme s) {
  switch (s) {
    case LLMRT_Q8_0: return 0.006;
    case LLMRT_Q4_0: return 0.095;
    case LLMRT_Q4_1: return 0.087;
    case LLMRT_Q4_K: return 0.087;
    case LLMRT_Q6_K: return 0.021;
  }
  return 0;
}

/// Bounds on max |error| within a block relative to the block's max |x| (q4_0: the value opposite
/// the block's extreme clamps one full step, amax / 8).
double block_max_bound(llmrt_quant_scheme s) {
  switch (s) {
    case LLMRT_Q8_0: return 0.005;
    case LLMRT_Q4_0: return 0.13;
    case LLMRT_Q4_1: return 0.075;
    case LLMRT_Q4_K: return 0.08;
    case LLMRT_Q6_K: return 0.035;
  }
  return 0;
}

std::vector<float> gaussian(size_t count, float sd, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sd);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<float> round_trip(llmrt_quant_scheme s, const std::vector<float>& x) {
  const int64_t k = static_cast<int64_t>(x.size());
  std::vector<unsigned char> blocks(static_cast<size_t>(llmrt_quant_row_bytes(s, k)));
  llmrt_quantize_row(s, x.data(), k, blocks.data());
  std::vector<float> y(x.size());
  llmrt_dequantize_row(s, blocks.data(), k, y.data());
  return y;
}

double relative_rms_error(const std::vector<float>& x, const std::vector<float>& y) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    err += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
    ref += double(x[i]) * x[i];
  }
  return std::sqrt(err / ref);
}

TEST(QuantFormatTest, BlockLayoutsMatchGgml) {
  EXPECT_EQ(sizeof(llmrt_block_q8_0), 34u);
  EXPECT_EQ(sizeof(llmrt_block_q4_0), 18u);
  EXPECT_EQ(sizeof(llmrt_block_q4_1), 20u);
  EXPECT_EQ(sizeof(llmrt_block_q4_K), 144u);
  EXPECT_EQ(sizeof(llmrt_block_q6_K), 210u);
  EXPECT_EQ(sizeof(llmrt_block_q8_1), 36u);
  EXPECT_EQ(sizeof(llmrt_block_q8_K), 292u);
  EXPECT_EQ(offsetof(llmrt_block_q4_1, qs), 4u);
  EXPECT_EQ(offsetof(llmrt_block_q4_K, scales), 4u);
  EXPECT_EQ(offsetof(llmrt_block_q4_K, qs), 16u);
  EXPECT_EQ(offsetof(llmrt_block_q6_K, qh), 128u);
  EXPECT_EQ(offsetof(llmrt_block_q6_K, scales), 192u);
  EXPECT_EQ(offsetof(llmrt_block_q6_K, d), 208u);
  EXPECT_EQ(offsetof(llmrt_block_q8_1, qs), 4u);
  EXPECT_EQ(offsetof(llmrt_block_q8_K, bsums), 260u);
}

TEST(QuantFormatTest, SchemeHelpers) {
  const int64_t block_sizes[] = {32, 32, 32, 256, 256};
  const int64_t block_bytes[] = {34, 18, 20, 144, 210};
  const uint32_t ggml_types[] = {8, 2, 3, 12, 14};
  const char* names[] = {"q8_0", "q4_0", "q4_1", "q4_k", "q6_k"};
  for (int i = 0; i < LLMRT_QUANT_SCHEME_COUNT; ++i) {
    const llmrt_quant_scheme s = kSchemes[i];
    EXPECT_EQ(llmrt_quant_block_size(s), block_sizes[i]);
    EXPECT_EQ(llmrt_quant_block_bytes(s), block_bytes[i]);
    EXPECT_EQ(llmrt_quant_ggml_type(s), ggml_types[i]);
    EXPECT_STREQ(llmrt_quant_scheme_name(s), names[i]);
    llmrt_quant_scheme parsed = LLMRT_Q8_0;
    EXPECT_TRUE(llmrt_quant_scheme_from_name(names[i], &parsed));
    EXPECT_EQ(parsed, s);
    EXPECT_EQ(llmrt_quant_row_bytes(s, 0), 0);
    EXPECT_EQ(llmrt_quant_row_bytes(s, 4096), 4096 / block_sizes[i] * block_bytes[i]);
    EXPECT_EQ(llmrt_quant_row_bytes(s, block_sizes[i] + 16), 2 * block_bytes[i]);  // padded
    EXPECT_EQ(llmrt_quant_row_bytes(s, -block_sizes[i]), -1);
  }
  llmrt_quant_scheme parsed = LLMRT_Q8_0;
  EXPECT_TRUE(llmrt_quant_scheme_from_name("Q4_K", &parsed));
  EXPECT_EQ(parsed, LLMRT_Q4_K);
  EXPECT_FALSE(llmrt_quant_scheme_from_name("q4", &parsed));
  EXPECT_FALSE(llmrt_quant_scheme_from_name("q4_0x", &parsed));
  EXPECT_FALSE(llmrt_quant_scheme_from_name("", &parsed));
}

float from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

TEST(QuantFormatTest, Fp16ToFp32IsExactForEveryHalf) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = llmrt_fp16_to_fp32(static_cast<llmrt_fp16>(h));
    const int exponent = (h >> 10) & 31, mantissa = h & 1023;
    const double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (exponent == 31) {
      EXPECT_TRUE(mantissa == 0 ? std::isinf(f) : std::isnan(f)) << h;
      if (mantissa == 0) {
        EXPECT_EQ(std::signbit(f), (h & 0x8000) != 0) << h;
      }
      continue;
    }
    const double want = exponent == 0 ? sign * std::ldexp(mantissa, -24)
                                      : sign * std::ldexp(1024 + mantissa, exponent - 25);
    EXPECT_EQ(static_cast<double>(f), want) << h;
    EXPECT_EQ(std::signbit(f), (h & 0x8000) != 0) << h;
    // And back: every half survives the round trip.
    EXPECT_EQ(llmrt_fp32_to_fp16(f), h) << h;
  }
}

TEST(QuantFormatTest, Fp32ToFp16RoundsToNearestEven) {
  // Midpoints between neighbouring finite halves (12 significant bits: exact in float32) go to
  // the even one; a float32 step either side goes to the nearer one.
  for (uint32_t h = 0; h < 0x7bff; ++h) {
    const float lo = llmrt_fp16_to_fp32(static_cast<llmrt_fp16>(h));
    const float hi = llmrt_fp16_to_fp32(static_cast<llmrt_fp16>(h + 1));
    const float mid = lo + (hi - lo) / 2;
    ASSERT_EQ(llmrt_fp32_to_fp16(mid), (h % 2 == 0) ? h : h + 1) << h;
    ASSERT_EQ(llmrt_fp32_to_fp16(std::nextafter(mid, 0.0f)), h) << h;
    ASSERT_EQ(llmrt_fp32_to_fp16(std::nextafter(mid, 1e9f)), h + 1) << h;
    ASSERT_EQ(llmrt_fp32_to_fp16(-mid), ((h % 2 == 0) ? h : h + 1) | 0x8000u) << h;
  }
  EXPECT_EQ(llmrt_fp32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(llmrt_fp32_to_fp16(std::nextafter(65520.0f, 0.0f)), 0x7bff);  // largest half
  EXPECT_EQ(llmrt_fp32_to_fp16(65520.0f), 0x7c00);                         // tie -> even = inf
  EXPECT_EQ(llmrt_fp32_to_fp16(1e10f), 0x7c00);
  EXPECT_EQ(llmrt_fp32_to_fp16(-1e10f), 0xfc00);
  EXPECT_EQ(llmrt_fp32_to_fp16(from_bits(0x7f800000u)), 0x7c00);
  EXPECT_EQ(llmrt_fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // tie between 0 and 2^-24
  EXPECT_EQ(llmrt_fp32_to_fp16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(llmrt_fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 * 2^-24: tie -> even
  EXPECT_EQ(llmrt_fp32_to_fp16(from_bits(1u)), 0x0000);           // float32 subnormal
  EXPECT_EQ(llmrt_fp32_to_fp16(-0.0f), 0x8000);
  const llmrt_fp16 nan = llmrt_fp32_to_fp16(from_bits(0x7fc00001u));
  EXPECT_TRUE(std::isnan(llmrt_fp16_to_fp32(nan)));
  EXPECT_TRUE(std::isnan(llmrt_fp16_to_fp32(llmrt_fp32_to_fp16(from_bits(0x7f800001u)))));
}

TEST(QuantFormatTest, Bf16WidensExactlyAndRoundsToNearestEven) {
  // Every finite bfloat16 is the float32 with the same high half and a zero low half; the
  // midpoint to its upper neighbour goes to the even one of the two, a float32 step either side
  // to the nearer one (checked over every positive and negative finite bf16).
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const llmrt_bf16 b{static_cast<uint16_t>(h)};
    const float f = llmrt_bf16_to_fp32(b);
    if ((h & 0x7f80u) == 0x7f80u) {  // infinity or NaN
      EXPECT_TRUE((h & 0x7fu) == 0 ? std::isinf(f) : std::isnan(f)) << h;
      continue;
    }
    ASSERT_EQ(f, from_bits(h << 16)) << h;
    ASSERT_EQ(llmrt_fp32_to_bf16(f).bits, h) << h;
    if ((h & 0x7fffu) == 0x7f7fu) continue;  // the largest finite: no finite neighbour above
    const float next = from_bits((h + 1) << 16);
    const float mid = from_bits((h << 16) | 0x8000u);  // halfway, in float32 bits
    ASSERT_EQ(llmrt_fp32_to_bf16(mid).bits, (h % 2 == 0) ? h : h + 1) << h;
    ASSERT_EQ(llmrt_fp32_to_bf16(std::nextafter(mid, f)).bits, h) << h;
    ASSERT_EQ(llmrt_fp32_to_bf16(std::nextafter(mid, next)).bits, h + 1) << h;
  }
  EXPECT_EQ(llmrt_fp32_to_bf16(1.0f).bits, 0x3f80);
  EXPECT_EQ(llmrt_fp32_to_bf16(-2.5f).bits, 0xc020);
  EXPECT_EQ(llmrt_fp32_to_bf16(from_bits(0x7f7fffffu)).bits, 0x7f80);  // FLT_MAX rounds to inf
  EXPECT_EQ(llmrt_fp32_to_bf16(from_bits(0x7f800000u)).bits, 0x7f80);
  const llmrt_bf16 nan = llmrt_fp32_to_bf16(from_bits(0xff800001u));  // payload only in low bits
  EXPECT_TRUE(std::isnan(llmrt_bf16_to_fp32(nan)));
  EXPECT_TRUE(std::signbit(llmrt_bf16_to_fp32(nan)));
}

TEST(QuantTest, GaussianRoundTripErrors) {
  const std::vector<float> x = gaussian(256 * 256, 1.0f, 11);
  for (llmrt_quant_scheme s : kSchemes) {
    const std::vector<float> y = round_trip(s, x);
    EXPECT_LT(relative_rms_error(x, y), rms_bound(s)) << llmrt_quant_scheme_name(s);
    const size_t block = static_cast<size_t>(llmrt_quant_block_size(s));
    for (size_t b = 0; b < x.size(); b += block) {
      float amax = 0, emax = 0;
      for (size_t i = b; i < b + block; ++i) {
        amax = std::fmax(amax, std::fabs(x[i]));
        emax = std::fmax(emax, std::fabs(y[i] - x[i]));
      }
      ASSERT_LE(emax, block_max_bound(s) * amax) << llmrt_quant_scheme_name(s) << " block " << b;
    }
  }
}

TEST(QuantTest, OneBlockAndManyBlocks) {
  for (llmrt_quant_scheme s : kSchemes) {
    const size_t block = static_cast<size_t>(llmrt_quant_block_size(s));
    for (size_t k : {block, block * 3, size_t(8192)}) {
      const std::vector<float> x = gaussian(k, 0.5f, static_cast<unsigned>(k));
      // Half the bound again for a single block: few values make a noisy estimate.
      EXPECT_LT(relative_rms_error(x, round_trip(s, x)), 1.5 * rms_bound(s))
          << llmrt_quant_scheme_name(s) << " k=" << k;
    }
  }
}

TEST(QuantTest, AllZerosDequantizeToZeros) {
  for (llmrt_quant_scheme s : kSchemes) {
    const std::vector<float> x(512, 0.0f);
    const std::vector<float> y = round_trip(s, x);
    for (float v : y) ASSERT_EQ(v, 0.0f) << llmrt_quant_scheme_name(s);
  }
}

TEST(QuantTest, ConstantRowsAreKeptToFp16Precision) {
  for (llmrt_quant_scheme s : kSchemes) {
    for (float c : {0.75f, -3.0f, 1234.5f, -0.01f}) {
      const std::vector<float> x(512, c);
      const std::vector<float> y = round_trip(s, x);
      // Scales are fp16 (11 significant bits); q4_K's 6-bit sub-scale is exact for the top one.
      for (float v : y) ASSERT_NEAR(v, c, 1e-3 * std::fabs(c)) << llmrt_quant_scheme_name(s);
    }
  }
}

TEST(QuantTest, LargeAndSmallMagnitudes) {
  for (llmrt_quant_scheme s : kSchemes) {
    // The error is scale-free while the fp16 scales stay normal numbers.
    for (float sd : {1000.0f, 0.01f}) {
      const std::vector<float> x = gaussian(256 * 32, sd, 5);
      EXPECT_LT(relative_rms_error(x, round_trip(s, x)), rms_bound(s))
          << llmrt_quant_scheme_name(s) << " sd=" << sd;
    }
    // At sd 1e-4 the fp16 scales are subnormal and lose bits (q6_K's d = absmax / 4096 first, at
    // about 12% error), a limit of the format that ggml shares; the values stay finite.
    const std::vector<float> x = gaussian(256 * 32, 1e-4f, 6);
    const std::vector<float> y = round_trip(s, x);
    for (float v : y) ASSERT_TRUE(std::isfinite(v));
    EXPECT_LT(relative_rms_error(x, y), 0.2) << llmrt_quant_scheme_name(s);
  }
}

TEST(QuantTest, Q8_1StoresScaledSum) {
  const std::vector<float> x = gaussian(96, 2.0f, 3);
  std::vector<llmrt_block_q8_1> blocks(3);
  llmrt_quantize_row_q8_1(x.data(), 96, blocks.data());
  std::vector<llmrt_block_q8_0> q8_0(3);
  llmrt_quantize_row_q8_0(x.data(), 96, q8_0.data());
  for (int b = 0; b < 3; ++b) {
    // Same quants and scale as q8_0, plus s = d * sum(qs) rounded to fp16.
    EXPECT_EQ(blocks[b].d, q8_0[b].d);
    EXPECT_EQ(std::memcmp(blocks[b].qs, q8_0[b].qs, sizeof(q8_0[b].qs)), 0);
    float amax = 0;
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      amax = std::fmax(amax, std::fabs(x[b * 32 + j]));
      sum += blocks[b].qs[j];
    }
    EXPECT_EQ(blocks[b].s, llmrt_fp32_to_fp16(static_cast<float>(sum) * (amax / 127.0f)));
  }
}

TEST(QuantTest, Q8_KScaleAndBlockSums) {
  std::vector<float> x = gaussian(512, 1.0f, 4);
  x[300] = 9.0f;  // the second block's largest magnitude, positive: maps to -127
  std::vector<llmrt_block_q8_K> blocks(2);
  llmrt_quantize_row_q8_k(x.data(), 512, blocks.data());
  EXPECT_EQ(blocks[1].qs[300 - 256], -127);
  EXPECT_FLOAT_EQ(blocks[1].d, -9.0f / 127.0f);
  for (int b = 0; b < 2; ++b) {
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += blocks[b].qs[g * 16 + j];
      EXPECT_EQ(blocks[b].bsums[g], sum);
    }
  }
  std::vector<float> y(512);
  llmrt_dequantize_row_q8_k(blocks.data(), 512, y.data());
  EXPECT_LT(relative_rms_error(x, y), 0.03);  // q8_K alone is 0.007; the outlier at 9 costs more
  // An all-zero block gets d = 0 and zero sums (ggml leaves its sums unset).
  std::vector<float> zeros(256, 0.0f);
  std::memset(blocks.data(), 0x5a, sizeof(llmrt_block_q8_K));
  llmrt_quantize_row_q8_k(zeros.data(), 256, blocks.data());
  EXPECT_EQ(blocks[0].d, 0.0f);
  for (int g = 0; g < 16; ++g) EXPECT_EQ(blocks[0].bsums[g], 0);
}

TEST(QuantTest, Q4_0UsesTheSignedExtremeAsMinusEight) {
  // ggml's q4_0: d = max / -8 with max the signed value of largest magnitude, so that value is
  // exactly q = 0 and its opposite clamps to q = 15 (7 * d).
  std::vector<float> x(32, 0.0f);
  x[5] = 4.0f;
  x[20] = -4.0f;
  llmrt_block_q4_0 block;
  llmrt_quantize_row_q4_0(x.data(), 32, &block);
  EXPECT_EQ(llmrt_fp16_to_fp32(block.d), -0.5f);
  EXPECT_EQ(block.qs[5] & 15, 0);  // element 5, low nibble
  EXPECT_EQ(block.qs[4] >> 4, 15);  // element 20 = 4 + 16, high nibble
  std::vector<float> y(32);
  llmrt_dequantize_row_q4_0(&block, 32, y.data());
  EXPECT_EQ(y[5], 4.0f);
  EXPECT_EQ(y[20], -3.5f);
  EXPECT_EQ(y[0], 0.0f);
}

}  // namespace
