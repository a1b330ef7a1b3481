// bench_arm_mca_harness.cpp - calls one ARM linear kernel once, for llmc.bench_arm_mca, which
// runs this program under qemu-aarch64 with its execution trace on to find the kernel's hot loop
// and how often it ran (the loop's cycles then come from llvm-mca).
//
//   harness llmc  ENTRY M K N   an entry of the target's kernel table (kernels_arm_<isa>.def)
//   harness ggml  FUNC  M K N   a llama.cpp kernel (arch/arm/quants.c, arch/arm/repack.cpp)
//
// M weight rows of K weights, N tokens. The buffers are zeroed and generously sized: the trace
// is all that matters, and no kernel here branches on values. Built by the benchmark with the
// ISA's -march and -DLLMC_ARM_ISA_HEADER / -DLLMC_ARM_ISA_TABLE naming the target's header and
// table (in the compiled out/ folder, so the entries are those the target emits).
#include LLMC_ARM_ISA_HEADER

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

typedef void LinearQuant(const void*, const void*, const float*, int, int, int, int, int,
                         float*);

LLMRT_NAMESPACE_BEGIN
namespace {

struct LlmcEntry {
  const char* name;
  LinearQuant* kernel;
};

// The table's quantized linears; the sentinel keeps the array valid for a table without any.
const LlmcEntry kLlmcEntries[] = {
#define LLMK_LINEAR_QUANT(isa, storage, format) \
  {"llmk_" #isa "_linear_" #storage "_rows", &llmk_##isa##_linear_##storage##_rows},
#include "kernels_abi_defaults.h"
#include LLMC_ARM_ISA_TABLE
#include "kernels_abi_undef.h"
    {nullptr, nullptr}};

}  // namespace
LLMRT_NAMESPACE_END

// llama.cpp's kernels, as ggml-cpu declares them (quants.h, repack.h).
extern "C" {
typedef void GgmlVecDot(int n, float* s, size_t bs, const void* vx, size_t bx, const void* vy,
                        size_t by, int nrc);
typedef void GgmlGemm(int n, float* s, size_t bs, const void* vx, const void* vy, int nr,
                      int nc);
GgmlVecDot ggml_vec_dot_q4_0_q8_0, ggml_vec_dot_q8_0_q8_0;
GgmlGemm ggml_gemv_q4_0_4x4_q8_0, ggml_gemv_q4_0_4x8_q8_0, ggml_gemm_q4_0_4x4_q8_0,
    ggml_gemm_q4_0_4x8_q8_0, ggml_gemv_q8_0_4x4_q8_0, ggml_gemv_q8_0_4x8_q8_0,
    ggml_gemm_q8_0_4x4_q8_0, ggml_gemm_q8_0_4x8_q8_0;
}

namespace {

struct GgmlVecDotEntry {
  const char* name;
  GgmlVecDot* kernel;
  size_t block_bytes;  // a weight block of 32 (the activations are q8_0: 34 bytes)
};

const GgmlVecDotEntry kGgmlVecDots[] = {
    {"ggml_vec_dot_q4_0_q8_0", &ggml_vec_dot_q4_0_q8_0, 18},
    {"ggml_vec_dot_q8_0_q8_0", &ggml_vec_dot_q8_0_q8_0, 34},
};

struct GgmlGemmEntry {
  const char* name;
  GgmlGemm* kernel;
};

const GgmlGemmEntry kGgmlGemms[] = {
    {"ggml_gemv_q4_0_4x4_q8_0", &ggml_gemv_q4_0_4x4_q8_0},
    {"ggml_gemv_q4_0_4x8_q8_0", &ggml_gemv_q4_0_4x8_q8_0},
    {"ggml_gemm_q4_0_4x4_q8_0", &ggml_gemm_q4_0_4x4_q8_0},
    {"ggml_gemm_q4_0_4x8_q8_0", &ggml_gemm_q4_0_4x8_q8_0},
    {"ggml_gemv_q8_0_4x4_q8_0", &ggml_gemv_q8_0_4x4_q8_0},
    {"ggml_gemv_q8_0_4x8_q8_0", &ggml_gemv_q8_0_4x8_q8_0},
    {"ggml_gemm_q8_0_4x4_q8_0", &ggml_gemm_q8_0_4x4_q8_0},
    {"ggml_gemm_q8_0_4x8_q8_0", &ggml_gemm_q8_0_4x8_q8_0},
};

/// Zeroed memory for `bytes` bytes of any block layout, padded for layouts that round rows up.
void* zeroed(size_t bytes) { return std::calloc(2 * bytes + (1 << 16), 1); }

int run_llmc(const char* name, int m, int k, int n) {
  for (const LlmcEntry* e = kLlmcEntries; e->name != nullptr; ++e) {
    if (std::strcmp(e->name, name) != 0) continue;
    const size_t blocks = static_cast<size_t>(k) / 32;
    void* w = zeroed(static_cast<size_t>(m) * blocks * 34);
    void* x = zeroed(static_cast<size_t>(n) * blocks * 36);
    float* y = static_cast<float*>(zeroed(sizeof(float) * n * m));
    e->kernel(x, w, nullptr, n, k, m, 0, m, y);
    return 0;
  }
  std::fprintf(stderr, "harness: no entry %s in the target's table\n", name);
  return 2;
}

int run_ggml(const char* name, int m, int k, int n) {
  const size_t blocks = static_cast<size_t>(k) / 32;
  void* x = zeroed(static_cast<size_t>(n) * blocks * 34);
  float* y = static_cast<float*>(zeroed(sizeof(float) * n * m));
  void* w = zeroed(static_cast<size_t>(m) * blocks * 34);
  for (const GgmlVecDotEntry& e : kGgmlVecDots) {
    if (std::strcmp(e.name, name) != 0) continue;
    // As ggml's mul_mat calls it without i8mm: one weight row and one token per call.
    const size_t row_bytes = blocks * e.block_bytes, token_bytes = blocks * 34;
    for (int t = 0; t < n; ++t)
      for (int r = 0; r < m; ++r)
        e.kernel(k, &y[static_cast<size_t>(t) * m + r], 0,
                 static_cast<const char*>(w) + r * row_bytes, 0,
                 static_cast<const char*>(x) + t * token_bytes, 0, 1);
    return 0;
  }
  for (const GgmlGemmEntry& e : kGgmlGemms) {
    if (std::strcmp(e.name, name) != 0) continue;
    // As ggml's repacked mul_mat: every weight row (interleaved by 4) against all n tokens
    // (interleaved by 4 for gemm), output rows m floats apart.
    e.kernel(k, y, m, w, x, n, m);
    return 0;
  }
  std::fprintf(stderr, "harness: no llama.cpp kernel %s\n", name);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s llmc|ggml NAME M K N\n", argv[0]);
    return 2;
  }
  const int m = std::atoi(argv[3]), k = std::atoi(argv[4]), n = std::atoi(argv[5]);
  if (m <= 0 || k <= 0 || k % 32 != 0 || n <= 0) {
    std::fprintf(stderr, "harness: M, N > 0 and K a multiple of 32 (got %s %s %s)\n", argv[3],
                 argv[4], argv[5]);
    return 2;
  }
  if (std::strcmp(argv[1], "llmc") == 0) return run_llmc(argv[2], m, k, n);
  if (std::strcmp(argv[1], "ggml") == 0) return run_ggml(argv[2], m, k, n);
  std::fprintf(stderr, "harness: unknown kind %s (llmc or ggml)\n", argv[1]);
  return 2;
}
