// bench_x86_matvec.cpp - single-thread matrix-vector (decode) and small-batch (prefill) speed of
// the x86 quantized linears against the generic kernels. Not a test: prints a table.
//
//   llmc_bench_x86_matvec [seconds per measurement, default 0.3] [scheme, e.g. q6_k: only it]
//
// GB/s counts the weight bytes read per call (the activations are a few KiB). "cached" repeats the
// call on one weight matrix, which stays in the L2/L3 caches when it fits; "streamed" rotates over
// copies totalling 256 MiB or more, so the weights come from DRAM as in a real model's decode.
// The prefill rows time n = 64 tokens per call and report weight GB/s x 64 (the equivalent
// one-token-at-a-time bandwidth) next to the generic kernel's. The x86 timings include the
// activation quantization (q8_0, or q8_K for the q4_k and q6_k weights). Each x86 kernel runs
// twice: on row-major weights (`_rows`), then ("avx2 x4") on the same weights packed by
// interleaveRows4 (`x4_rows`), with its speed relative to the row-major run; q8_0 and
// q4_0 a third time ("avx2 p8", "avx512 p16") on the weights stored as panels by
// packPanels (targets/x86/weight_layouts.h).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "runtime/quant_format.h"
#include "test/common/generic_linear.h"
#include "targets/x86/kernels_x86_avx2.h"
#include "targets/x86/kernels_x86_avx512.h"
#include "targets/x86/weight_layouts.h"

namespace {

typedef void (*quantize_fn)(const float*, int, int, void*);
typedef void (*rows_fn)(const void*, const void*, const float*, int, int, int, int, int, float*);
typedef void (*generic_fn)(const float*, const void*, const float*, int, int, int, void*, float*);

double g_seconds = 0.3;

/// Seconds per call of fn(copy), the best of 7 measurements of about g_seconds / 4 each.
double time_per_call(const std::function<void(int)>& fn, int copies) {
  using clock = std::chrono::steady_clock;
  fn(0);
  int calls = 1;
  for (;;) {  // calibrate
    const clock::time_point t0 = clock::now();
    for (int c = 0; c < calls; ++c) fn(c % copies);
    const double s = std::chrono::duration<double>(clock::now() - t0).count();
    if (s > g_seconds / 4) break;
    calls *= 2;
  }
  double best = 1e30;
  for (int rep = 0; rep < 7; ++rep) {
    const clock::time_point t0 = clock::now();
    for (int c = 0; c < calls; ++c) fn(c % copies);
    const double s = std::chrono::duration<double>(clock::now() - t0).count() / calls;
    if (s < best) best = s;
  }
  return best;
}

/// An ISA's linears on one weight layout.
struct Linears {
  rows_fn q8_0, q4_0, q4_k, q6_k;

  rows_fn of(llmrt_quant_scheme scheme) const {
    switch (scheme) {
      case LLMRT_Q4_0: return q4_0;
      case LLMRT_Q4_K: return q4_k;
      case LLMRT_Q6_K: return q6_k;
      default: return q8_0;
    }
  }
};

struct Isa {
  const char* name;
  bool supported;
  quantize_fn quantize_q8_0, quantize_q8_k;
  Linears rows;    // row-major weights
  Linears rows_x4; // interleave4 weights
  Linears rows_panels; // panel weights (q8_0 and q4_0; nullptr: none)
  int panel_rows;

  quantize_fn quantize(llmrt_quant_scheme scheme) const {
    return scheme == LLMRT_Q4_K || scheme == LLMRT_Q6_K ? quantize_q8_k : quantize_q8_0;
  }
};

generic_fn generic_linear(llmrt_quant_scheme scheme) {
  switch (scheme) {
    case LLMRT_Q4_0: return generic_linear_q4_0;
    case LLMRT_Q4_K: return generic_linear_q4_k;
    case LLMRT_Q6_K: return generic_linear_q6_k;
    default: return generic_linear_q8_0;
  }
}

/// prefill: also time n = 64 (the generic kernel takes seconds per call on a vocabulary-sized
/// matrix, so those skip it).
void bench_scheme(llmrt_quant_scheme scheme, int m, int k, const std::vector<Isa>& isas,
                  bool prefill = true) {
  const size_t row_bytes = static_cast<size_t>(llmrt_quant_row_bytes(scheme, k));
  const size_t matrix_bytes = row_bytes * m;
  const int copies = static_cast<int>((256u << 20) / matrix_bytes) + 1;
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> row(k);
  std::vector<unsigned char> w(matrix_bytes * copies);
  for (int o = 0; o < m; ++o) {
    for (float& v : row) v = dist(rng);
    llmrt_quantize_row(scheme, row.data(), k, &w[o * row_bytes]);
  }
  for (int c = 1; c < copies; ++c) std::memcpy(&w[c * matrix_bytes], &w[0], matrix_bytes);
  std::vector<unsigned char> packed(w.size()), panels8, panels16;
  const size_t block_bytes = static_cast<size_t>(llmrt_quant_block_bytes(scheme));
  const int64_t row_blocks = static_cast<int64_t>(row_bytes / block_bytes);
  const bool panel_scheme = scheme == LLMRT_Q8_0 || scheme == LLMRT_Q4_0;
  if (panel_scheme) {
    panels8.resize(w.size());
    panels16.resize(w.size());
  }
  for (int c = 0; c < copies; ++c) {
    llmc::x86::interleaveRows4(&w[c * matrix_bytes], m, row_blocks,
                               static_cast<int64_t>(block_bytes), &packed[c * matrix_bytes]);
    if (panel_scheme) {
      for (std::vector<unsigned char>* panels : {&panels8, &panels16}) {
        llmc::x86::packPanels(&w[c * matrix_bytes], m, panels == &panels8 ? 8 : 16, row_blocks,
                              static_cast<int64_t>(block_bytes), &(*panels)[c * matrix_bytes]);
      }
    }
  }
  const int kPrefill = 64;
  std::vector<float> x(static_cast<size_t>(kPrefill) * k);
  for (float& v : x) v = dist(rng);
  std::vector<float> y(static_cast<size_t>(kPrefill) * m);
  // The x86 kernels' activations have the generic kernels' layout: the scratch size fits both.
  std::vector<unsigned char> scratch(llmk_generic_activation_scratch_bytes(scheme, kPrefill, k));
  std::vector<unsigned char> xq(scratch.size());
  const generic_fn generic = generic_linear(scheme);
  const char* name = llmrt_quant_scheme_name(scheme);
  const double gb = matrix_bytes / 1e9;

  // unpacked_gbs: the same ISA's speed on row-major weights, for the packed kernels' rows.
  auto report = [&](const std::string& who, int n, int ncopies,
                    const std::function<void(int)>& fn, double generic_gbs,
                    double unpacked_gbs = 0.0) {
    const double s = time_per_call(fn, ncopies);
    const double gbs = gb * n / s;
    std::printf("%-5s %5d x %-5d %-8s n=%-3d %-10s %8.3f ms %8.2f GB/s", name, m, k,
                ncopies > 1 ? "streamed" : "cached", n, who.c_str(), s * 1e3, gbs);
    if (generic_gbs > 0) std::printf("  %5.1fx generic", gbs / generic_gbs);
    if (unpacked_gbs > 0) std::printf("  %5.2fx row-major", gbs / unpacked_gbs);
    std::printf("\n");
    return gbs;
  };
  for (int ncopies : {1, copies}) {
    for (int n : {1, kPrefill}) {
      if (n > 1 && !prefill) continue;
      const double base = report("generic", n, ncopies, [&](int c) {
        generic(x.data(), &w[c * matrix_bytes], nullptr, n, k, m, scratch.data(), y.data());
      }, 0.0);
      for (const Isa& isa : isas) {
        if (!isa.supported) continue;
        const quantize_fn quantize = isa.quantize(scheme);
        auto time = [&](const std::string& who, const Linears& linears,
                        const std::vector<unsigned char>& weights, double unpacked_gbs) {
          const rows_fn rows = linears.of(scheme);
          return report(who, n, ncopies, [&](int c) {
            quantize(x.data(), n, k, xq.data());
            rows(xq.data(), &weights[c * matrix_bytes], nullptr, n, k, m, 0, m, y.data());
          }, base, unpacked_gbs);
        };
        const double unpacked = time(isa.name, isa.rows, w, 0.0);
        time(std::string(isa.name) + " x4", isa.rows_x4, packed, unpacked);
        if (panel_scheme && isa.rows_panels.of(scheme) != nullptr) {
          const bool p8 = isa.panel_rows == 8;
          time(std::string(isa.name) + (p8 ? " p8" : " p16"), isa.rows_panels,
               p8 ? panels8 : panels16, unpacked);
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) g_seconds = std::atof(argv[1]);
  llmrt_quant_scheme only = LLMRT_Q8_0;
  const bool filter = argc > 2 && llmrt_quant_scheme_from_name(argv[2], &only);
  if (argc > 2 && !filter) {
    std::fprintf(stderr, "unknown scheme '%s'\n", argv[2]);
    return 2;
  }
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512vnni");
  const std::vector<Isa> isas = {
      {"avx2", avx2, llmk_avx2_quantize_q8_0, llmk_avx2_quantize_q8_k,
       {llmk_avx2_linear_q8_0_rows, llmk_avx2_linear_q4_0_rows, llmk_avx2_linear_q4_k_rows,
        llmk_avx2_linear_q6_k_rows},
       {llmk_avx2_linear_q8_0x4_rows, llmk_avx2_linear_q4_0x4_rows, llmk_avx2_linear_q4_kx4_rows,
        llmk_avx2_linear_q6_kx4_rows},
       {llmk_avx2_linear_q8_0p8_rows, llmk_avx2_linear_q4_0p8_rows, nullptr, nullptr},
       8},
      {"avx512", avx512, llmk_avx512_quantize_q8_0, llmk_avx512_quantize_q8_k,
       {llmk_avx512_linear_q8_0_rows, llmk_avx512_linear_q4_0_rows, llmk_avx512_linear_q4_k_rows,
        llmk_avx512_linear_q6_k_rows},
       {llmk_avx512_linear_q8_0x4_rows, llmk_avx512_linear_q4_0x4_rows,
        llmk_avx512_linear_q4_kx4_rows, llmk_avx512_linear_q6_kx4_rows},
       {llmk_avx512_linear_q8_0p16_rows, llmk_avx512_linear_q4_0p16_rows, nullptr, nullptr},
       16},
  };
  std::printf("single thread; avx2 %s, avx512+vnni %s\n", avx2 ? "yes" : "no",
              avx512 ? "yes" : "no (skipped)");
  for (llmrt_quant_scheme scheme : {LLMRT_Q4_0, LLMRT_Q8_0, LLMRT_Q4_K, LLMRT_Q6_K}) {
    if (filter && scheme != only) continue;
    bench_scheme(scheme, 2048, 2048, isas);
    bench_scheme(scheme, 5632, 2048, isas);
    bench_scheme(scheme, 2048, 5632, isas);
  }
  // A 32000-token vocabulary's output projection, which llama.cpp's Q4_0 files keep in Q6_K.
  if (!filter || only == LLMRT_Q6_K) bench_scheme(LLMRT_Q6_K, 32000, 2048, isas, false);
  return 0;
}
