// kernels_x86_tiling.h - the instruction-set-independent half of the x86 targets' linears: the
// drivers that walk a linear's activation rows and weight rows in register tiles.
// kernels_x86_avx2.cpp and kernels_x86_avx512.cpp include it and instantiate it with their own
// vector code (shared with the ARM targets in targets/common: attention's walk,
// kernels_attend_rows.h, and the activation quantizers' row loop, kernels_quantize_rows.h):
//
//   K           a quantized weight type: WBlock, XBlock (the activation block: q8_0 and q8_1
//               blocks hold 32 values, q8_K super-blocks 256, see BlockValues), kGroupBlocks (the
//               blocks one vector step consumes); XGroup, the prepared activations of a group,
//               made by prep(x, blocks, out) from `blocks` activation blocks; WGroup, a weight
//               group made by load<S>(w, count) from the blocks w[0], w[S], w[2S], ... of one row
//               (count < kGroupBlocks at a row's end: the missing blocks read as zero, as their
//               prepared activations do); Acc, a running sum: zero(), dot(wg, xg, acc) adds one
//               group's product, sum(acc) gives the float total.
//   L           where the weight blocks lie: RowMajor or Interleave4 (below).
//   F           the float linear: F::tile<R, C>(w, x, k, out), out[r][c] = w row r . x row c over
//               k floats for an R x C tile.
//   Tiles       TileShapes<...>: the weight rows of a tile of 1, 2, 3 or 4 activation rows.
//
// Plain C++17, no intrinsics (the weight prefetch is GCC's and Clang's __builtin_prefetch, which
// _mm_prefetch expands to). Everything sits in an unnamed namespace, as the code of the files
// that include it: each gets its own copy compiled for its own instruction sets, so a program
// that links both (llmc_bench_x86_matvec does) cannot have its linker pick the AVX-512 build of a
// shared function for the AVX2 kernels.
#ifndef LLMC_TARGETS_X86_KERNELS_X86_TILING_H
#define LLMC_TARGETS_X86_KERNELS_X86_TILING_H

#include "kernels_q4_k_scales.h"  // targets/common, beside this file in out/
#include "runtime/quant_format.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>

// The tile loops over R weight rows and C activation rows must unroll completely, so that the
// R x C accumulators live in registers; GCC does not always do it unasked. (Clang reads the same
// pragma.)
#define LLMK_UNROLL _Pragma("GCC unroll 16")

namespace {

inline int min_int(int a, int b) { return a < b ? a : b; }

// ---- tile shapes -----------------------------------------------------------------------------

/// The weight rows of a tile of C activation rows, for C = 1, 2, 3, 4.
template <int R1, int R2, int R3, int R4>
struct TileShapes {
  static const int kRows1 = R1, kRows2 = R2, kRows3 = R3, kRows4 = R4;
};

// ---- quantized linears -----------------------------------------------------------------------

/// The values in one activation block, which is also the weight block's: 32, or 256 for the q8_K
/// super-blocks that q4_K and q6_K weights pair with.
template <typename XBlock>
struct BlockValues {
  static const int value = LLMRT_QK;
};
template <>
struct BlockValues<llmrt_block_q8_K> {
  static const int value = LLMRT_QK_K;
};

// ---- weight layouts --------------------------------------------------------------------------
//
// A layout L says where block b of weight row r lies: at L::row(r, row_blocks) + b * L::kStride
// blocks from the matrix's start. Within a tile, whose rows never cross a group of interleaved
// rows (L::tile_rows), row o + r lies L::row(r, row_blocks) blocks after row o. L::prefetch
// places dot_tile's software prefetch of the weights ahead of the loads, into the cache level
// L::kLocality (__builtin_prefetch's: 3 prefetcht0, 2 prefetcht1).

/// Rows one after another (the `_rows` kernels).
struct RowMajor {
  static const int kStride = 1;
  static const int kLocality = 2;
  static size_t row(int r, size_t row_blocks) { return static_cast<size_t>(r) * row_blocks; }
  /// The most rows a tile starting at row o may hold: any.
  static int tile_rows(int /*o*/) { return 1 << 30; }
  /// Where row r of an R-row tile (whose row 0 is row `first` of the matrix) prefetches when it
  /// loads block b, in blocks from the tile's row 0: the same place in the next tile's row. Rows
  /// of a few KiB are too short for the hardware prefetcher to ramp up on its own (this lifts
  /// DRAM-bound decode by about a third).
  static size_t prefetch(int /*first*/, int r, int R, int b, int /*group_blocks*/,
                         size_t row_blocks) {
    return static_cast<size_t>(r + R) * row_blocks + b;
  }
};

/// The `#x86.interleave4` layout (weight_layouts.h, the `x4` kernels): block b of row r at
/// (r / 4) * 4 * row_blocks + b * 4 + r % 4, so a tile of the 4 rows of a group streams one
/// contiguous run of memory, and so does a thread's range of whole groups.
struct Interleave4 {
  static const int kRows = 4;  // weight_layouts.h's kInterleaveRows (the kernel tests check)
  static const int kStride = kRows;
  // Into L2: into L1, the one stream decoded slower than RowMajor's 4 (docs/targets.md).
  static const int kLocality = 2;
  static size_t row(int r, size_t row_blocks) {
    return static_cast<size_t>(r / kRows) * kRows * row_blocks + r % kRows;
  }
  /// The rows left in row o's group: a tile that crossed into the next group would need a
  /// second stride between its rows.
  static int tile_rows(int o) { return kRows - o % kRows; }
  /// The same block of the next group of rows. Row `first` + r takes its own slice (by its
  /// place in the group) of the run of the group's blocks that the tile loads (group_blocks
  /// blocks of each of the 4 rows, contiguous), so that the rows of a group prefetch the whole
  /// run together, whether one 4-row tile computes them (decode) or four 1-row tiles (prefill).
  static size_t prefetch(int first, int r, int /*R*/, int b, int group_blocks,
                         size_t row_blocks) {
    const int lane = first % kRows;  // the tile's row 0 lies `lane` blocks into the group
    return static_cast<size_t>(kRows) * (row_blocks + b) +
           static_cast<size_t>(lane + r) * group_blocks - lane;
  }
};

/// The prefetches, 64 bytes apart, that cover `bytes` consecutive bytes from any start:
/// ceil(bytes / 64). (Whole lines only, floor(bytes / 64), left one line in 9 of AVX-512 q4_0's
/// 72-byte groups to a demand miss, and one prefetch per q4_K or q6_K super-block starved
/// DRAM-bound decode: docs/targets.md.)
constexpr int prefetch_lines(size_t bytes) { return static_cast<int>((bytes + 63) / 64); }
static_assert(prefetch_lines(64) == 1 && prefetch_lines(72) == 2 && prefetch_lines(210) == 4,
              "a group's every line is prefetched");

/// out[r][c] = the dot product of weight row r and prepared activation row c over `blocks`
/// blocks, for an R x C tile of rows in layout L (w: row 0's first block, row 0 being row `first`
/// of the matrix; row_blocks: the blocks of a whole row, which the layout's row offsets count in).
template <class K, class L, int R, int C>
void dot_tile(const typename K::WBlock* w, int first, size_t row_blocks,
              const typename K::XGroup* x /* C rows, stride x_stride */, int x_stride, int blocks,
              float out[R][C]) {
  typedef typename K::WBlock WBlock;
  typename K::Acc acc[R][C];
  LLMK_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_UNROLL
    for (int c = 0; c < C; ++c) acc[r][c] = K::zero();
  }
  const int G = K::kGroupBlocks, S = L::kStride;
  const int prefetches = prefetch_lines(G * sizeof(WBlock));
  const int full = blocks / G;
  for (int g = 0; g < full; ++g) {
    LLMK_UNROLL
    for (int r = 0; r < R; ++r) {
      // In integer arithmetic: the address may lie past the end of the matrix, harmless for a
      // prefetch but not for a pointer. (The builtin is what _mm_prefetch expands to in GCC and
      // Clang.)
      const uintptr_t ahead = reinterpret_cast<uintptr_t>(w) +
                              L::prefetch(first, r, R, g * G, G, row_blocks) * sizeof(WBlock);
      LLMK_UNROLL
      for (int p = 0; p < prefetches; ++p) {
        __builtin_prefetch(reinterpret_cast<const char*>(ahead + 64 * p), 0, L::kLocality);
      }
      const typename K::WGroup wg =
          K::template load<S>(w + L::row(r, row_blocks) + static_cast<size_t>(g) * G * S, G);
      LLMK_UNROLL
      for (int c = 0; c < C; ++c) acc[r][c] = K::dot(wg, x[c * x_stride + g], acc[r][c]);
    }
  }
  if (full * G < blocks) {  // a partial last group
    LLMK_UNROLL
    for (int r = 0; r < R; ++r) {
      const typename K::WGroup wg = K::template load<S>(
          w + L::row(r, row_blocks) + static_cast<size_t>(full) * G * S, blocks - full * G);
      LLMK_UNROLL
      for (int c = 0; c < C; ++c) acc[r][c] = K::dot(wg, x[c * x_stride + full], acc[r][c]);
    }
  }
  LLMK_UNROLL
  for (int r = 0; r < R; ++r) {
    LLMK_UNROLL
    for (int c = 0; c < C; ++c) out[r][c] = K::sum(acc[r][c]);
  }
}

const int kPrepBytes = 32 * 1024;  // the prepared activations of one tile, per chunk of k

/// The output columns [row_begin, row_end) of C activation rows, weight rows (layout L) R at a
/// time.
template <class K, class L, int R, int C>
void linear_tile_rows(const typename K::XBlock* x /* (C, blocks) */,
                      const typename K::WBlock* w /* (m, blocks) */, const float* bias, int blocks,
                      int m, int row_begin, int row_end, float* y /* (C, m) */) {
  typedef typename K::XGroup XGroup;
  const int chunk_groups = static_cast<int>(kPrepBytes / sizeof(XGroup)) / C;
  const int chunk_blocks = chunk_groups * K::kGroupBlocks;
  XGroup prep[kPrepBytes / sizeof(XGroup)];
  for (int b0 = 0; b0 < blocks; b0 += chunk_blocks) {
    const int nb = min_int(chunk_blocks, blocks - b0);
    for (int c = 0; c < C; ++c) {
      K::prep(x + static_cast<size_t>(c) * blocks + b0, nb, prep + c * chunk_groups);
    }
    const bool first = b0 == 0;
    const size_t chunk = static_cast<size_t>(b0) * L::kStride;  // block b0 from a row's start
    // Rows that do not fill a whole tile go one at a time: a range's last rows, and with
    // interleaved rows, those before the next group of 4 (after which the tiles are aligned).
    // Each output is computed in the same order either way.
    for (int o = row_begin; o < row_end;) {
      float part[R][C];
      const int rows = min_int(min_int(R, L::tile_rows(o)), row_end - o);
      if (rows == R) {
        dot_tile<K, L, R, C>(w + L::row(o, blocks) + chunk, o, blocks, prep, chunk_groups, nb,
                             part);
      } else {
        for (int r = 0; r < rows; ++r) {
          dot_tile<K, L, 1, C>(w + L::row(o + r, blocks) + chunk, o + r, blocks, prep,
                               chunk_groups, nb, reinterpret_cast<float(*)[C]>(part[r]));
        }
      }
      for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < C; ++c) {
          float& dst = y[static_cast<size_t>(c) * m + o + r];
          const float base = first ? (bias != nullptr ? bias[o + r] : 0.0f) : dst;
          dst = part[r][c] + base;
        }
      }
      o += rows;
    }
  }
}

/// y[:, row_begin:row_end] for a quantized weight type with weights in layout L: activation
/// tiles of up to 4 rows.
template <class K, class Tiles, class L>
void linear_rows(const void* xq, const void* w, const float* bias, int n, int k, int m,
                 int row_begin, int row_end, float* y) {
  if (n <= 0 || row_begin >= row_end) return;
  const int block_values = BlockValues<typename K::XBlock>::value;
  const int blocks = (k + block_values - 1) / block_values;
  if (blocks <= 0) {  // an empty dot product: the bias alone
    for (int i = 0; i < n; ++i) {
      for (int o = row_begin; o < row_end; ++o) {
        y[static_cast<size_t>(i) * m + o] = bias != nullptr ? bias[o] : 0.0f;
      }
    }
    return;
  }
  const typename K::XBlock* x = static_cast<const typename K::XBlock*>(xq);
  const typename K::WBlock* wb = static_cast<const typename K::WBlock*>(w);
  constexpr int R1 = Tiles::kRows1, R2 = Tiles::kRows2, R3 = Tiles::kRows3, R4 = Tiles::kRows4;
  for (int i = 0; i < n;) {
    const int c = min_int(4, n - i);
    const typename K::XBlock* xi = x + static_cast<size_t>(i) * blocks;
    float* yi = y + static_cast<size_t>(i) * m;
    switch (c) {
      case 1: linear_tile_rows<K, L, R1, 1>(xi, wb, bias, blocks, m, row_begin, row_end, yi); break;
      case 2: linear_tile_rows<K, L, R2, 2>(xi, wb, bias, blocks, m, row_begin, row_end, yi); break;
      case 3: linear_tile_rows<K, L, R3, 3>(xi, wb, bias, blocks, m, row_begin, row_end, yi); break;
      case 4: linear_tile_rows<K, L, R4, 4>(xi, wb, bias, blocks, m, row_begin, row_end, yi); break;
    }
    i += c;
  }
}

// ---- prompt panels ---------------------------------------------------------------------------
//
// The prompt path of the q8_0, q4_0, q4_K and q6_K linears (kernels_x86_avx2_panels.h,
// kernels_x86_avx512_panels.h). The row-range tiles above keep a weight row's block in the lanes
// of a vector and spend most of their instructions per block and token on the reduction
// (horizontal pairs, convert, scale, FMA); prompts are compute-bound, so for them kRows weight
// rows (8 on AVX2, 16 on AVX-512) are first copied, one chunk of k at a time, into a "panel" on
// the stack: per block column, the rows' scales, then their quants in 4-byte columns, one 32-bit
// lane per row. A vector step multiplies a column (4 values of k for every row) with 4 bytes of a
// token broadcast to every lane, and the rows' sums build up in the lanes of one register: no
// horizontal sums, one scale FMA per block for all kRows rows. The copy (a transpose of 32-bit
// words, kernels_x86_panel_copy.h) is made once per chunk and used by every token of the call,
// up to kPanelTokens.
//
// A panel policy P: WBlock and XBlock (q8_0 activations, or q8_K for q4_K and q6_K); kRows;
// kUsable (false: this build cannot compute it exactly, the row-range tiles do); kChunkBlocks,
// the blocks of k per copy; Block, the copy of one block column, made by pack(at, out) from the
// kRows rows' blocks at[0..kRows); kWeightOffset, what the quants of Block are stored plus
// (PanelX::offset_sum corrects for it, with quant_sum(x), the sum of an activation block's
// quants, where kWeightOffset is not 0); x_scale(x), an activation block's scale; Acc, zero(),
// store(acc, out) (kRows floats) and dot<T>(block, x, x_stride, px, acc): acc[t] += block .
// activation block x[t * x_stride] for T tokens (px[t * kChunkBlocks] that block's PanelX).
//
// Each block's integer sum is exact; a row's output differs from the row-range tiles' only in
// the order of its float additions (block by block in its lane), and it is the same whatever
// range or layout the row comes from, so the `_rows` and `x4` kernels stay bit-identical.

const int kPanelTokens = 16;       // tokens that share one panel copy
const int kPanelMinTokens = 4;     // fewer tokens go through the row-range tiles

/// Per token and block: the activation scale and kWeightOffset * the sum of the quants.
struct PanelX {
  float d;
  int32_t offset_sum;
};

/// The per-row s32 lanes a q4_K panel multiplies with, for rows' blocks at[0..rows): sc_lo[g] and
/// sc_hi[g] hold sub-block 2g's and 2g + 1's scale in both s16 halves (for madd with a pair of
/// s16 sums), mn[i] sub-block 2i's min in the low half and 2i + 1's in the high half.
template <int kRows>
struct Q4KRowScales {
  int32_t sc_lo[4][kRows], sc_hi[4][kRows], mn[4][kRows];
  explicit Q4KRowScales(const llmrt_block_q4_K* const at[kRows]) {
    for (int r = 0; r < kRows; ++r) {
      uint8_t sc[8], m[8];
      q4_k_scales_mins(at[r]->scales, sc, m);
      for (int g = 0; g < 4; ++g) {
        sc_lo[g][r] = sc[2 * g] * 0x10001;
        sc_hi[g][r] = sc[2 * g + 1] * 0x10001;
        mn[g][r] = m[2 * g] | m[2 * g + 1] << 16;
      }
    }
  }
};

/// Two s16 values as the halves of one s32 lane (lo in the low half).
inline int32_t s16_pair(int lo, int hi) {
  return static_cast<int32_t>((static_cast<uint32_t>(lo) & 0xffff) |
                              static_cast<uint32_t>(hi) << 16);
}

/// The activation sums a q4_K panel's mins multiply: sub-blocks 2i (low s16 half) and 2i + 1.
inline int32_t q8_k_sum_pair(const llmrt_block_q8_K& x, int i) {
  const int lo = x.bsums[4 * i] + x.bsums[4 * i + 1];  // |sum| <= 32 * 128: fits in s16
  const int hi = x.bsums[4 * i + 2] + x.bsums[4 * i + 3];
  return s16_pair(lo, hi);
}

/// The PanelX of blocks [b0, b0 + nb) of tokens [0, nt).
template <class P>
void prepare_panel_x(const typename P::XBlock* x, size_t blocks, int nt, int b0, int nb,
                     PanelX out[kPanelTokens][P::kChunkBlocks]) {
  for (int t = 0; t < nt; ++t) {
    const typename P::XBlock* xt = x + t * blocks + b0;
    for (int b = 0; b < nb; ++b) {
      int32_t sum = 0;
      if constexpr (P::kWeightOffset != 0) sum = P::quant_sum(xt[b]);
      out[t][b] = PanelX{P::x_scale(xt[b]), P::kWeightOffset * sum};
    }
  }
}

/// out[t][r] = panel row r . token t over nb blocks, for T tokens. kPrefetch > 0: prefetch into
/// L2 the block that many bytes ahead (panels read in place from memory).
template <class P, int T, int kPrefetch = 0>
void panel_tile(const typename P::Block* panel, int nb, const typename P::XBlock* x,
                size_t x_stride, const PanelX* px /* T rows, stride P::kChunkBlocks */,
                float out[T][P::kRows]) {
  typename P::Acc acc[T];
  LLMK_UNROLL
  for (int t = 0; t < T; ++t) acc[t] = P::zero();
  constexpr int prefetches = kPrefetch > 0 ? prefetch_lines(sizeof(typename P::Block)) : 0;
  for (int b = 0; b < nb; ++b) {
    if (prefetches > 0) {  // in integer arithmetic: it may point past the weights (see dot_tile)
      const uintptr_t ahead = reinterpret_cast<uintptr_t>(panel + b) + kPrefetch;
      LLMK_UNROLL
      for (int p = 0; p < prefetches; ++p) {
        __builtin_prefetch(reinterpret_cast<const char*>(ahead + 64 * p), 0, 2);
      }
    }
    P::template dot<T>(panel[b], x + b, x_stride, px + b, acc);
  }
  LLMK_UNROLL
  for (int t = 0; t < T; ++t) P::store(acc[t], out[t]);
}

/// out[t][r] for up to 4 tokens (T = tokens at run time): panel_tile's switch.
template <class P, int kPrefetch = 0>
void panel_tiles(int tokens, const typename P::Block* panel, int nb, const typename P::XBlock* x,
                 size_t x_stride, const PanelX* px, float out[4][P::kRows]) {
  switch (tokens) {
    case 1: panel_tile<P, 1, kPrefetch>(panel, nb, x, x_stride, px, out); break;
    case 2: panel_tile<P, 2, kPrefetch>(panel, nb, x, x_stride, px, out); break;
    case 3: panel_tile<P, 3, kPrefetch>(panel, nb, x, x_stride, px, out); break;
    default: panel_tile<P, 4, kPrefetch>(panel, nb, x, x_stride, px, out); break;
  }
}

/// linear_rows for prompts, weights in layout L: rows [row_begin, row_end) P::kRows at a time.
/// A range's last panel may be partial: its missing rows repeat its last row, and are dropped.
template <class P, class L>
void panel_linear_rows(const void* xq, const void* w, const float* bias, int n, int k, int m,
                       int row_begin, int row_end, float* y) {
  typedef typename P::WBlock WBlock;
  typedef typename P::XBlock XBlock;
  const int R = P::kRows, chunk_blocks = P::kChunkBlocks;
  const int block_values = BlockValues<XBlock>::value;
  const int blocks = (k + block_values - 1) / block_values;
  const XBlock* x = static_cast<const XBlock*>(xq);
  const WBlock* wb = static_cast<const WBlock*>(w);
  typename P::Block panel[P::kChunkBlocks];
  PanelX px[kPanelTokens][P::kChunkBlocks];
  const size_t ms = static_cast<size_t>(m), bs = static_cast<size_t>(blocks);
  for (int i0 = 0; i0 < n; i0 += kPanelTokens) {
    const int nt = min_int(kPanelTokens, n - i0);
    const XBlock* xi = x + i0 * bs;
    for (int b0 = 0; b0 < blocks; b0 += chunk_blocks) {
      const int nb = min_int(chunk_blocks, blocks - b0);
      prepare_panel_x<P>(xi, bs, nt, b0, nb, px);
      for (int o = row_begin; o < row_end; o += R) {
        const int rows = min_int(R, row_end - o);
        // The next panel's rows are prefetched into L2 while this one is copied: R rows a few
        // KiB apart are too many short streams for the hardware prefetcher alone.
        const WBlock* at[R];
        uintptr_t ahead[R];
        for (int r = 0; r < R; ++r) {
          const size_t chunk = static_cast<size_t>(b0) * L::kStride;
          at[r] = wb + L::row(o + min_int(r, rows - 1), bs) + chunk;
          const int next = min_int(o + R + r, row_end - 1);
          ahead[r] = reinterpret_cast<uintptr_t>(wb + L::row(next, bs) + chunk);
        }
        for (int b = 0; b < nb; ++b) {
          for (int r = 0; r < R; ++r) {
            __builtin_prefetch(reinterpret_cast<const char*>(ahead[r]), 0, 2);
            ahead[r] += L::kStride * sizeof(WBlock);
          }
          P::pack(at, &panel[b]);
          for (int r = 0; r < R; ++r) at[r] += L::kStride;
        }
        const float* bias_o = bias != nullptr ? bias + o : nullptr;
        for (int t0 = 0; t0 < nt; t0 += 4) {
          const int c = min_int(4, nt - t0);
          const XBlock* xt = xi + t0 * bs + b0;
          float part[4][R];
          panel_tiles<P>(c, panel, nb, xt, bs, px[t0], part);
          for (int t = 0; t < c; ++t) {
            float* yt = y + (i0 + t0 + t) * ms + o;
            for (int r = 0; r < rows; ++r) {
              yt[r] = part[t][r] + (b0 > 0 ? yt[r] : bias_o != nullptr ? bias_o[r] : 0.0f);
            }
          }
        }
      }
    }
  }
}

// ---- stored panels ---------------------------------------------------------------------------
//
// Weights stored as P's Blocks (layouts #x86.panel<8> and <16>, packPanels: q8_0 and q4_0,
// 8 rows on AVX2, 16 on AVX-512) are read in place by every call, decode included: the panel of
// rows Rp..Rp+R-1 is one contiguous run of blocks p * blocks .. (p + 1) * blocks - 1. Decode on
// the AVX2 row tiles spends about 20 vector instructions per 2 blocks of a q4_0 row (nibbles, 2
// maddubs, then the per-block reduction: madd, convert, the fp16 scale's conversion and
// broadcast, FMA); a panel needs about 5 per row and block, the scales converted a vector at
// a time. One core can stream memory faster than the row tiles compute (llmc_bench_x86_matvec,
// docs/targets.md). The sums are the copied panels' (panel_linear_rows),
// in the same order: 4 or more tokens give the same bits from either layout.

const int kStoredPanelChunks = 4;      // chunks of P::kChunkBlocks whose PanelX one pass keeps
const int kStoredPanelPrefetch = 8192; // bytes ahead in a panel's run (docs/targets.md)

/// linear_rows on weights stored as P's panels: rows [row_begin, row_end) and m multiples of
/// P::kRows.
template <class P>
void stored_panel_linear_rows(const void* xq, const void* w, const float* bias, int n, int k,
                              int m, int row_begin, int row_end, float* y) {
  typedef typename P::XBlock XBlock;
  const int R = P::kRows, C = P::kChunkBlocks;
  const int blocks = (k + BlockValues<XBlock>::value - 1) / BlockValues<XBlock>::value;
  if (n <= 0 || row_begin >= row_end) return;
  const XBlock* x = static_cast<const XBlock*>(xq);
  const typename P::Block* panels = static_cast<const typename P::Block*>(w);
  PanelX px[kStoredPanelChunks][kPanelTokens][C];
  const size_t ms = static_cast<size_t>(m), bs = static_cast<size_t>(blocks);
  for (int i0 = 0; i0 < n; i0 += kPanelTokens) {
    const int nt = min_int(kPanelTokens, n - i0);
    const XBlock* xi = x + i0 * bs;
    // A pass covers up to kStoredPanelChunks chunks of k (all of it, below 8192 values).
    for (int s0 = 0; s0 == 0 || s0 < blocks; s0 += kStoredPanelChunks * C) {
      const int chunks = min_int(kStoredPanelChunks, (blocks - s0 + C - 1) / C);
      for (int c = 0; c < chunks; ++c) {
        prepare_panel_x<P>(xi, bs, nt, s0 + c * C, min_int(C, blocks - s0 - c * C), px[c]);
      }
      for (int o = row_begin; o < row_end; o += R) {
        const typename P::Block* panel = panels + static_cast<size_t>(o / R) * bs;
        float sum[kPanelTokens][R];  // y's running value: panel_linear_rows' order of additions
        for (int t = 0; t < nt; ++t) {
          const float* yt = y + (i0 + t) * ms + o;
          for (int r = 0; r < R; ++r) {
            sum[t][r] = s0 > 0 ? yt[r] : bias != nullptr ? bias[o + r] : 0.0f;
          }
        }
        // Chunk by chunk, each chunk (9 KiB of q4_0 panel) read by every token tile while in L1.
        for (int c = 0; c < chunks; ++c) {
          const int b0 = s0 + c * C;
          for (int t0 = 0; t0 < nt; t0 += 4) {
            float part[4][R];
            panel_tiles<P, kStoredPanelPrefetch>(min_int(4, nt - t0), panel + b0,
                                                 min_int(C, blocks - b0), xi + t0 * bs + b0, bs,
                                                 px[c][t0], part);
            for (int t = t0; t < min_int(t0 + 4, nt); ++t) {
              for (int r = 0; r < R; ++r) sum[t][r] = part[t - t0][r] + sum[t][r];
            }
          }
        }
        for (int t = 0; t < nt; ++t) std::memcpy(y + (i0 + t) * ms + o, sum[t], sizeof(sum[t]));
      }
    }
  }
}

/// linear_rows<K, Tiles, L>, through P's panels for prompts of kPanelMinTokens or more.
template <class P, class K, class Tiles, class L>
void linear_rows_with_panels(const void* xq, const void* w, const float* bias, int n, int k,
                             int m, int row_begin, int row_end, float* y) {
  if (P::kUsable && n >= kPanelMinTokens && k > 0 && row_begin < row_end) {
    panel_linear_rows<P, L>(xq, w, bias, n, k, m, row_begin, row_end, y);
  } else {
    linear_rows<K, Tiles, L>(xq, w, bias, n, k, m, row_begin, row_end, y);
  }
}

// ---- float linear ----------------------------------------------------------------------------
//
// Float activations times float weights, stored as float32, binary16 or bfloat16 (W = float,
// llmrt_fp16 or llmrt_bf16: F's tiles widen each 16-bit weight as they load it, so all three
// sum the same products).

// One token (decode) takes each weight row on its own, start to end (F::tile<1, 1>: several
// accumulators, a prefetch kFloatRowPrefetch bytes ahead), so that a thread's rows are one
// contiguous stream: 8 row streams at once streamed well below the memory's speed
// (docs/targets.md).
const int kFloatRowPrefetch = 4096;

/// Prefetches into L2 the `lines` cache lines kFloatRowPrefetch bytes past `at` (in integer
/// arithmetic: the address may lie past the matrix, harmless for a prefetch).
inline void prefetch_float_row(const void* at, int lines) {
  const uintptr_t ahead = reinterpret_cast<uintptr_t>(at) + kFloatRowPrefetch;
  for (int p = 0; p < lines; ++p) {
    __builtin_prefetch(reinterpret_cast<const char*>(ahead + 64 * p), 0, 2);
  }
}

/// The output columns [row_begin, row_end) of C activation rows, weight rows R at a time.
template <class F, int R, int C, typename W>
void float_tile_rows(const float* x /* (C, k) */, const W* w /* (m, k) */, const float* bias,
                     int k, int m, int row_begin, int row_end, float* y /* (C, m) */) {
  for (int o = row_begin; o < row_end; o += R) {
    float part[R][C];
    const int rows = min_int(R, row_end - o);
    const W* wo = w + static_cast<size_t>(o) * k;
    if (rows == R) {
      F::template tile<R, C>(wo, x, k, part);
    } else {
      for (int r = 0; r < rows; ++r) {
        F::template tile<1, C>(wo + static_cast<size_t>(r) * k, x, k,
                               reinterpret_cast<float(*)[C]>(part[r]));
      }
    }
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < C; ++c) {
        y[static_cast<size_t>(c) * m + o + r] =
            part[r][c] + (bias != nullptr ? bias[o + r] : 0.0f);
      }
    }
  }
}

/// Bytes of weight rows that every activation tile of a prompt multiplies before the next rows:
/// the block stays in L2 while the tiles pass over it, where each tile used to bring the whole
/// part of the matrix from L3 or memory again (sizes tried: docs/targets.md).
const int kFloatRowBlockBytes = 65536;

/// y[:, row_begin:row_end] = x w^T + bias: activation tiles of up to 4 rows, over blocks of
/// kFloatRowBlockBytes of weight rows. A block holds a multiple of every tile's row count, so
/// each row meets the same tile shape as without the blocks: the same sums, the same bits.
template <class F, class Tiles, typename W>
void linear_float_rows(const float* x, const W* w, const float* bias, int n, int k, int m,
                       int row_begin, int row_end, float* y) {
  constexpr int R1 = Tiles::kRows1, R2 = Tiles::kRows2, R3 = Tiles::kRows3, R4 = Tiles::kRows4;
  constexpr int unit = std::lcm(std::lcm(R1, R2), std::lcm(R3, R4));
  const size_t row_bytes = static_cast<size_t>(k > 0 ? k : 1) * sizeof(W);
  const int block =
      unit * std::max(1, static_cast<int>(kFloatRowBlockBytes / row_bytes) / unit);
  for (int o = row_begin; o < row_end; o += block) {
    const int end = min_int(row_end, o + block);
    for (int i = 0; i < n;) {
      const int c = min_int(4, n - i);
      const float* xi = x + static_cast<size_t>(i) * k;
      float* yi = y + static_cast<size_t>(i) * m;
      switch (c) {
        case 1: float_tile_rows<F, R1, 1>(xi, w, bias, k, m, o, end, yi); break;
        case 2: float_tile_rows<F, R2, 2>(xi, w, bias, k, m, o, end, yi); break;
        case 3: float_tile_rows<F, R3, 3>(xi, w, bias, k, m, o, end, yi); break;
        default: float_tile_rows<F, R4, 4>(xi, w, bias, k, m, o, end, yi); break;
      }
      i += c;
    }
  }
}

}  // namespace

#endif  // LLMC_TARGETS_X86_KERNELS_X86_TILING_H
