//===- Half.cpp - exact IEEE half and bfloat16 to float conversion --------===//
//
// Both narrow formats are subsets of float32, so each conversion is a pure bit rearrangement:
// no rounding happens and every value (subnormals, infinities, NaN payloads) survives.
//
//===----------------------------------------------------------------------===//

#include "compiler/Weights/WeightStore.h"

#include <cstring>

namespace llmc {

namespace {
float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}
} // namespace

float halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0x1f) // Infinity or NaN: keep the payload.
    return bitsToFloat(sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0) // Normal: rebias 15 -> 127.
    return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  if (mantissa == 0) // Signed zero.
    return bitsToFloat(sign);
  // Subnormal: mantissa * 2^-24 is a normal float. With p the index of the highest set bit,
  // the value is 1.f * 2^(p - 24), so the float exponent field is p - 24 + 127.
  int p = 9;
  while (!(mantissa & (1u << p)))
    --p;
  uint32_t fraction = (mantissa << (23 - p)) & 0x7fffffu;
  return bitsToFloat(sign | (uint32_t(p + 103) << 23) | fraction);
}

float bfloat16ToFloat(uint16_t bits) { return bitsToFloat(uint32_t(bits) << 16); }

} // namespace llmc
