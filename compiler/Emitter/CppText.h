//===- CppText.h - spelling names and numbers in generated C++ ------------===//
#ifndef LLMC_COMPILER_EMITTER_CPPTEXT_H
#define LLMC_COMPILER_EMITTER_CPPTEXT_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace llmc {

/// "layers.3.q_proj" -> "layers_3_q_proj"; a leading digit gets a '_' prefix.
std::string cppIdentifier(llvm::StringRef name);

/// The shortest decimal that reads back as exactly `value`, as a C++ float literal ("1e-05f",
/// "0.5f", "1.0f").
std::string formatFloat(float value);

/// The same for a double, without suffix ("500000.0").
std::string formatDouble(double value);

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_CPPTEXT_H
