// kernels_arm_tiles.h - what the prompt tiles of the packed layouts' kernels
// (kernels_arm_rows4x4.h, kernels_arm_rows2x8.h) share: passes over blocks whose activations
// are restaged on the stack, block sums started from zeros loaded from memory, and the
// compiler barriers that keep the tiles in registers.
//
// The restaging and the loaded zeros take work off the vector pipes, which bound these loops:
// per 4 rows, token and block the 8 sdot (4 smmla) come with about 6 more vector instructions,
// of which a movi zeroing the block's sum and an fcvt of the token's scale were 2.
// docs/performance.md has the cycles.
#ifndef LLMC_TARGETS_ARM_KERNELS_ARM_TILES_H
#define LLMC_TARGETS_ARM_KERNELS_ARM_TILES_H

#include "kernels_arm_simd.h"
#include "runtime/quant_format.h"

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

namespace {

const int32x4_t kZeroSums = {0, 0, 0, 0};

/// Zeros to start a block's chain of sdot (or smmla) from, loaded: the load ports have room in
/// these loops, where the movi that compilers make of vdupq_n_s32(0) takes a vector slot. The
/// load is volatile so that the compilers neither fold it into a movi nor load once and copy
/// (a copy takes a vector slot too).
LLMK_ARM_INLINE int32x4_t zero_sums() {
  return *static_cast<const volatile int32x4_t*>(&kZeroSums);
}

/// next, with the compilers told that it depends on the N accumulators acc (up to 4 of them
/// named): they cannot load what it points to (the next tokens' activations) before these are
/// computed. Left free, clang loads a whole block's activations for every token first and
/// spills the tile's registers; the asm is empty, so the cores, which reorder loads themselves,
/// see nothing of it.
template <int N, class T>
LLMK_ARM_INLINE const T* after_sums(const T* next, const float32x4_t* acc) {
  __asm__("" : "+r"(next)
          : "w"(acc[0]), "w"(acc[N > 1 ? 1 : 0]), "w"(acc[N > 2 ? N - 2 : 0]), "w"(acc[N - 1]));
  return next;
}

/// p, from a register of its own: loads from it are not paired with loads from the pointer it
/// was computed from. On the A55 an ldp of two q registers takes 3 times as long as two ldr
/// (llvm-mca's model of it).
template <class T>
LLMK_ARM_INLINE const T* unpaired(const T* p) {
  __asm__("" : "+r"(p));
  return p;
}

/// Blocks per pass of a prompt tile (kernels_arm_rows4x4.h, kernels_arm_rows2x8.h): each pass
/// restages its tokens' activations of that many blocks on the stack, block by block, in the
/// order the tile reads them and with their scales as float (for 8 tokens 9-10 KiB), once for
/// all the row groups; the accumulators go through the output between passes.
const int kTilePassBlocks = 32;

}  // namespace

#endif  // LLMC_TARGETS_ARM_KERNELS_ARM_TILES_H
