//===- CppText.cpp - spelling names and numbers in generated C++ ---------===//
#include "compiler/Emitter/CppText.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

namespace llmc {

std::string cppIdentifier(llvm::StringRef name) {
  std::string id;
  for (char c : name)
    id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0])))
    id = "_" + id;
  return id;
}

namespace {

/// Shortest "%.*g" spelling that parses back to the same value; adds ".0" to bare integers.
template <typename T> std::string shortestDecimal(T value, int maxDigits) {
  char buffer[64];
  for (int digits = 1; digits <= maxDigits; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, double(value));
    T parsed;
    if constexpr (std::is_same_v<T, float>)
      parsed = std::strtof(buffer, nullptr); // as the C++ compiler reads a float literal
    else
      parsed = std::strtod(buffer, nullptr);
    if (parsed == value)
      break;
  }
  std::string text = buffer;
  if (text.find_first_of(".eEn") == std::string::npos)
    text += ".0";
  return text;
}

} // namespace

std::string formatFloat(float value) { return shortestDecimal(value, 9) + "f"; }

std::string formatDouble(double value) { return shortestDecimal(value, 17); }

} // namespace llmc
