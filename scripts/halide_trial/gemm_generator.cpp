// gemm_generator.cpp - Halide 14 generators for llmc's prefill linear, the Halide trial of
// issue 4 (see README.md beside this file). Built against libhalide14-0-dev with GenGen.cpp and run
// at build time in its own process; emits C++ (-e c_source) or an LLVM object (-e static_library).
//
//   gemm_f32:  y(n, m) = x(n, k) * w(m, k)^T, f32, w in PyTorch's (out, in) layout.
//   gemm_q8_0: the same with q8_0 weights and q8_0 activations, as llmk_avx2_linear_q8_0_rows:
//              per block of 32, an exact int8 x int8 dot product in int32 scaled by both f16 scales.
//
// Halide's dimension 0 is the innermost (contiguous) one, so x is x(k, n), w is w(k, m) and the
// output y(m, n). The caller computes the output columns [row_begin, row_end) by passing an output
// buffer whose dimension 0 has min row_begin and extent row_end - row_begin (a crop of y). The
// tiles shift inwards at the edges, so the range must be at least one tile wide and n at least one
// tile tall; k must be a multiple of 8 (f32) or 32 (q8_0).
#include "Halide.h"

using namespace Halide;

namespace {

// Schedules of gemm_f32 (generator parameter `sched`):
//   0  dot:   the hand-written kernel's shape: a tile of tile_m weight rows x tile_n activation
//             rows, each pair accumulating 8 lanes over k, the lanes summed at the end.
//   1  outer: the classic GEMM micro-kernel, vectorized over m: the weights of a tile of
//             8 * tile_m rows are transposed once into a packed (k, 8 * tile_m) scratch, then each
//             tile of tile_n activation rows sums broadcast(x) * packed-w FMAs over all of k in
//             tile_m x tile_n vector accumulators.
class GemmF32 : public Generator<GemmF32> {
 public:
  GeneratorParam<int> sched{"sched", 0};
  GeneratorParam<int> tile_m{"tile_m", 2};
  GeneratorParam<int> tile_n{"tile_n", 4};
  GeneratorParam<bool> m_outer{"m_outer", false};  // schedule 0: weight tiles outermost

  Input<Buffer<float>> x{"x", 2};   // x(k, n)
  Input<Buffer<float>> w{"w", 2};   // w(k, m)
  Output<Buffer<float>> y{"y", 2};  // y(m, n)

  void generate() {
    Expr K = x.dim(0).extent();
    if (sched == 0) {
      r = RDom(0, K / 8);
      part(u, m, n) = 0.0f;
      part(u, m, n) += w(r * 8 + u, m) * x(r * 8 + u, n);
      Expr sum = part(0, m, n);
      for (int i = 1; i < 8; ++i) sum += part(i, m, n);
      y(m, n) = sum;
    } else {
      r = RDom(0, K);
      wt(m, kk) = w(kk, m);
      part(m, n) = 0.0f;
      part(m, n) += wt(m, r) * x(r, n);
      y(m, n) = part(m, n);
    }
  }

  void schedule() {
    const int tm = tile_m, tn = tile_n;
    x.dim(0).set_min(0);
    w.dim(0).set_min(0).set_extent(x.dim(0).extent());
    x.dim(1).set_stride(x.dim(0).extent());
    w.dim(1).set_stride(w.dim(0).extent());
    y.dim(0).set_stride(1);
    Var mo("mo"), no("no"), mi("mi"), ni("ni");
    if (sched == 0) {
      y.tile(m, n, mo, no, mi, ni, tm, tn, TailStrategy::ShiftInwards).unroll(mi).unroll(ni);
      if (m_outer) y.reorder(mi, ni, no, mo);
      part.compute_at(y, m_outer ? no : mo).bound_extent(u, 8).vectorize(u).unroll(m).unroll(n);
      part.update().reorder(u, m, n, r.x).vectorize(u).unroll(m).unroll(n);
    } else {
      const int vm = 8 * tm;
      y.split(m, mo, mi, vm, TailStrategy::ShiftInwards)
          .split(n, no, ni, tn, TailStrategy::ShiftInwards)
          .reorder(mi, ni, no, mo).vectorize(mi, 8).unroll(mi).unroll(ni);
      wt.compute_at(y, mo).bound_extent(m, vm).reorder(kk, m).vectorize(kk, 8).unroll(m);
      part.compute_at(y, no).vectorize(m, 8).unroll(m).unroll(n);
      part.update().reorder(m, n, r.x).vectorize(m, 8).unroll(m).unroll(n);
    }
  }

 private:
  Var m{"m"}, n{"n"}, u{"u"}, kk{"kk"};
  Func part{"part"}, wt{"wt"};
  RDom r;
};

// gemm_q8_0: the dot shape of gemm_f32's schedule 0 over q8_0 blocks, as the hand-written kernel
// computes them: 8 int32 lanes per block (lane u sums the quant products of elements u, u + 8,
// u + 16, u + 24; each pair u, u + 16 first in int16, which cannot overflow as |q| <= 127), then
// acc(u) += float(lane(u)) * d_w * d_x in 8 float lanes, the lanes summed at the end.
class GemmQ8_0 : public Generator<GemmQ8_0> {
 public:
  GeneratorParam<int> tile_m{"tile_m", 2};
  GeneratorParam<int> tile_n{"tile_n", 4};
  GeneratorParam<bool> m_outer{"m_outer", false};  // weight tiles outermost

  Input<Buffer<uint8_t>> xq{"xq", 3};  // xq(byte, block, n): q8_0 blocks, 34 bytes
  Input<Buffer<uint8_t>> wq{"wq", 3};  // wq(byte, block, m)
  Output<Buffer<float>> y{"y", 2};     // y(m, n)

  void generate() {
    Expr nb = xq.dim(1).extent();
    auto q = [](const Input<Buffer<uint8_t>>& b, Expr j, Expr blk, Expr row) {
      return cast<int16_t>(reinterpret<int8_t>(b(j + 2, blk, row)));
    };
    // The f16 scale decoded with integer operations: Halide 14's C++ backend cannot emit
    // float16 (it writes vectors of an undeclared float16_t), so reinterpret(Float(16), bits)
    // builds only with the LLVM backend. Exact for every binary16 value.
    auto d = [](const Input<Buffer<uint8_t>>& b, Expr blk, Expr row) {
      Expr h = cast<uint32_t>(b(0, blk, row)) | (cast<uint32_t>(b(1, blk, row)) << 8);
      Expr sign = (h & 0x8000) << 16, e = (h >> 10) & 0x1f, mant = h & 0x3ff;
      Expr normal = reinterpret<float>(sign | ((e + 112) << 23) | (mant << 13));
      Expr special = reinterpret<float>(sign | 0x7f800000u | (mant << 13));
      Expr sub = cast<float>(mant) * (1.0f / 16777216.0f);  // mant * 2^-24
      return select(e == 0, select(sign != 0, -sub, sub), e == 31, special, normal);
    };
    dx(blk, n) = d(xq, blk, n);
    dw(blk, m) = d(wq, blk, m);
    r = RDom(0, nb);
    Expr p0 = q(wq, u, r, m) * q(xq, u, r, n) + q(wq, u + 16, r, m) * q(xq, u + 16, r, n);
    Expr p1 = q(wq, u + 8, r, m) * q(xq, u + 8, r, n) + q(wq, u + 24, r, m) * q(xq, u + 24, r, n);
    Expr lane = cast<int32_t>(p0) + cast<int32_t>(p1);
    part(u, m, n) = 0.0f;
    part(u, m, n) += cast<float>(lane) * (dw(r, m) * dx(r, n));
    Expr sum = part(0, m, n);
    for (int i = 1; i < 8; ++i) sum += part(i, m, n);
    y(m, n) = sum;
  }

  void schedule() {
    const int tm = tile_m, tn = tile_n;
    for (auto* b : {&xq, &wq}) {
      b->dim(0).set_min(0).set_extent(34).set_stride(1);
      b->dim(1).set_min(0).set_stride(34);
      b->dim(2).set_stride(34 * b->dim(1).extent());
    }
    wq.dim(1).set_extent(xq.dim(1).extent());
    y.dim(0).set_stride(1);
    Var mo("mo"), no("no"), mi("mi"), ni("ni");
    y.tile(m, n, mo, no, mi, ni, tm, tn, TailStrategy::ShiftInwards).unroll(mi).unroll(ni);
    if (m_outer) y.reorder(mi, ni, no, mo);
    dx.compute_root().vectorize(blk, 8, TailStrategy::GuardWithIf);
    dw.compute_at(y, mo).vectorize(blk, 8, TailStrategy::GuardWithIf);
    part.compute_at(y, m_outer ? no : mo).bound_extent(u, 8).vectorize(u).unroll(m).unroll(n);
    part.update().reorder(u, m, n, r.x).vectorize(u).unroll(m).unroll(n);
  }

 private:
  Var m{"m"}, n{"n"}, u{"u"}, blk{"blk"};
  Func part{"part"}, dx{"dx"}, dw{"dw"};
  RDom r;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(GemmF32, gemm_f32)
HALIDE_REGISTER_GENERATOR(GemmQ8_0, gemm_q8_0)
