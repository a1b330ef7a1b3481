//===- WeightCheck.cpp - weight values that would make a wrong program ----===//
#include "compiler/Weights/WeightCheck.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

namespace llmc {
namespace {

/// What one pass over a tensor's values found.
struct ValueSummary {
  int64_t nonFinite = 0;
  int64_t firstNonFinite = -1; ///< flat index in the source tensor
  float firstNonFiniteValue = 0;
  bool constant = true;        ///< every finite value equals `firstValue`
  float firstValue = 0;
  bool any = false;
};

/// "[3, 17]": the multi-dimensional index of flat index `flat` in `shape`.
std::string formatIndex(int64_t flat, llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return formatShape(index);
}

std::string describeValue(float value) {
  if (std::isnan(value))
    return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}

/// Whether every value is finite: one pass without a branch per value, which the compiler
/// turns into vector code (an exponent of all ones is an infinity or a NaN).
bool allFinite(llvm::ArrayRef<float> values) {
  uint32_t nonFinite = 0;
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    nonFinite |= uint32_t((bits & 0x7f800000u) == 0x7f800000u);
  }
  return nonFinite == 0;
}

llvm::Expected<ValueSummary> summarize(const WeightStore &weights, const WeightTensor &tensor,
                                       bool allowNonFinite) {
  ValueSummary s;
  auto visit = [&](int64_t first, llvm::ArrayRef<float> values) {
    // A trained tensor is known to vary after its first values: from then on a block of finite
    // values changes nothing, and the value-by-value loop below runs only where one does not.
    if (s.any && !s.constant && allFinite(values))
      return true;
    for (size_t i = 0; i < values.size(); ++i) {
      float v = values[i];
      if (!std::isfinite(v)) {
        if (s.nonFinite++ == 0) {
          s.firstNonFinite = first + int64_t(i);
          s.firstNonFiniteValue = v;
        }
        continue;
      }
      if (!s.any) {
        s.any = true;
        s.firstValue = v;
      } else if (v != s.firstValue) {
        s.constant = false;
      }
    }
    // Without --allow-nonfinite the first one ends the compile: no need to read on.
    return allowNonFinite || s.nonFinite == 0;
  };
  if (llvm::Error error = weights.scanF32(tensor.name, visit))
    return std::move(error);
  return s;
}

} // namespace

llvm::Error checkWeightValues(const WeightStore &weights, bool allowNonFinite,
                              std::vector<std::string> &warnings) {
  for (const WeightTensor &tensor : weights.tensors()) {
    llvm::Expected<ValueSummary> s = summarize(weights, tensor, allowNonFinite);
    if (!s)
      return s.takeError();
    std::string where = tensor.sourcePath + ": tensor '" + tensor.name + "' " +
                        formatShape(tensor.shape);
    if (s->nonFinite > 0) {
      std::string what = describeValue(s->firstNonFiniteValue) + " at " +
                         formatIndex(s->firstNonFinite, tensor.shape);
      if (!allowNonFinite)
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       where + " holds " + what +
                                           " (a program with it computes garbage; "
                                           "--allow-nonfinite keeps such values)");
      warnings.push_back(where + " holds " + std::to_string(s->nonFinite) +
                         " non-finite values, the first " + what + "; kept (--allow-nonfinite)");
    }
    if (tensor.shape.size() < 2 || !s->any || !s->constant)
      continue;
    std::string value;
    llvm::raw_string_ostream(value) << llvm::format("%g", s->firstValue);
    std::string what =
        s->firstValue == 0 ? " is all zeros" : " holds one value, " + value + ", throughout";
    warnings.push_back(where + what + " (an untrained or damaged checkpoint?)");
  }
  return llvm::Error::success();
}

} // namespace llmc
