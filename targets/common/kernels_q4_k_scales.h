// kernels_q4_k_scales.h - a q4_K block's twelve bytes of 6-bit sub-block scales and mins
// (runtime/quant_format.h) unpacked four at a time in 32-bit words, for the SIMD kernels of every
// instruction set (the runtime's llmrt_q4_k_scale_min unpacks one sub-block at a time).
//
// Plain C++17, in an unnamed namespace as the kernel files that include it.
#ifndef LLMC_TARGETS_COMMON_KERNELS_Q4_K_SCALES_H
#define LLMC_TARGETS_COMMON_KERNELS_Q4_K_SCALES_H

#include <cstdint>
#include <cstring>

namespace {

/// A q4_K block's eight 6-bit scales sc and mins mn (as llmrt_q4_k_scale_min unpacks them), one
/// byte each, four to a word: sc[0..3], sc[4..7], mn[0..3], mn[4..7] (little-endian).
struct Q4KScales {
  uint32_t sc_lo, sc_hi, mn_lo, mn_hi;
};

/// Unpacks the 12 bytes four lanes at a time: bytes 0-3 hold sc[0..3] in their low 6 bits,
/// bytes 4-7 mn[0..3]; bytes 8-11 hold the low 4 bits of sc[4..7] and (high nibble) mn[4..7],
/// whose top 2 bits are the top bits of bytes 0-3 and 4-7.
inline Q4KScales unpack_q4_k_scales(const uint8_t* scales /* (12) */) {
  uint32_t a, b, c;
  std::memcpy(&a, scales, 4);
  std::memcpy(&b, scales + 4, 4);
  std::memcpy(&c, scales + 8, 4);
  const uint32_t low6 = 0x3f3f3f3fu, low4 = 0x0f0f0f0fu, low2 = 0x03030303u;
  Q4KScales s;
  s.sc_lo = a & low6;
  s.sc_hi = (c & low4) | ((a >> 6) & low2) << 4;
  s.mn_lo = b & low6;
  s.mn_hi = ((c >> 4) & low4) | ((b >> 6) & low2) << 4;
  return s;
}

/// The 8 sub-block scales and mins of a q4_K block, one byte each (unpack_q4_k_scales' order).
inline void q4_k_scales_mins(const uint8_t* scales /* (12) */, uint8_t sc[8], uint8_t mn[8]) {
  const Q4KScales u = unpack_q4_k_scales(scales);
  std::memcpy(sc, &u.sc_lo, 4);
  std::memcpy(sc + 4, &u.sc_hi, 4);
  std::memcpy(mn, &u.mn_lo, 4);
  std::memcpy(mn + 4, &u.mn_hi, 4);
}

}  // namespace

#endif  // LLMC_TARGETS_COMMON_KERNELS_Q4_K_SCALES_H
