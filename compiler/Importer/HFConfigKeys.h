//===- HFConfigKeys.h - the config.json keys llmc knows -------------------===//
//
// HFConfigKeys.def as a table, for the reader (HFConfig.cpp) and the generated reference
// (docs/HFConfigKeysDoc.cpp). Header-only, so the doc generator links nothing.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_HFCONFIGKEYS_H
#define LLMC_COMPILER_IMPORTER_HFCONFIGKEYS_H

namespace llmc {

/// What llmc does with a key; HFConfigKeys.def explains each.
enum class HFKeyHandling { Read, Ignored, Silu, Null, False, One, Zero, FullAttention };

struct HFConfigKey {
  const char *key;
  HFKeyHandling handling;
  const char *meaning;
};

inline constexpr HFConfigKey kHFConfigKeys[] = {
#define HF_CONFIG_KEY(KEY, HANDLING, MEANING) {#KEY, HFKeyHandling::HANDLING, MEANING},
#include "compiler/Importer/HFConfigKeys.def"
};

/// The values a refused key may hold and still be accepted ("absent, null or false"); empty
/// for Read and Ignored.
inline const char *acceptedValues(HFKeyHandling handling) {
  switch (handling) {
  case HFKeyHandling::Read:
  case HFKeyHandling::Ignored:
    return "";
  case HFKeyHandling::Silu:
    return "absent or \"silu\"";
  case HFKeyHandling::Null:
    return "absent or null";
  case HFKeyHandling::False:
    return "absent, null or false";
  case HFKeyHandling::One:
    return "absent, null or 1";
  case HFKeyHandling::Zero:
    return "absent, null or 0";
  case HFKeyHandling::FullAttention:
    return "absent, null or all \"full_attention\"";
  }
  return "";
}

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_HFCONFIGKEYS_H
