//===- CppText.cpp - spelling names and numbers in generated C++ ---------===//
#include "compiler/Emitter/CppText.h"

#include "llvm/ADT/STLExtras.h"

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

static bool isIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool isValidApiPrefix(llvm::StringRef prefix, std::string &why) {
  if (prefix.empty() || !std::isalpha(static_cast<unsigned char>(prefix[0])) ||
      !llvm::all_of(prefix, isIdentifierChar))
    why = "must be a C identifier that starts with a letter";
  else if (prefix.size() > 32)
    why = "must be at most 32 characters";
  else if (prefix.contains("__") || prefix.ends_with("_"))
    why = "must not contain \"__\" or end in '_'";
  else if (prefix.equals_insensitive("llmrt") || prefix.equals_insensitive("llmk"))
    why = "is reserved: the runtime and the kernels name their own functions llmrt_* and llmk_*";
  else
    return true;
  return false;
}

std::string withApiPrefix(llvm::StringRef text, llvm::StringRef prefix) {
  if (prefix == "llm")
    return text.str();
  std::string upper = prefix.upper();
  std::string result;
  result.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    bool starts = i == 0 || !isIdentifierChar(text[i - 1]);
    if (starts && text.substr(i).starts_with("llm_")) {
      result += prefix;
      i += 3;
    } else if (starts && text.substr(i).starts_with("LLM_")) {
      result += upper;
      i += 3;
    } else {
      result += text[i++];
    }
  }
  return result;
}

} // namespace llmc
