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

/// Whether `prefix` can name a generated C API (llmc compile --api-prefix): a C identifier of at
/// most 32 characters that starts with a letter, has no "__" and does not end in '_', and is
/// not llmrt or llmk (the runtime's and the kernels' own prefixes), in any case. Otherwise
/// returns false and sets `why`.
bool isValidApiPrefix(llvm::StringRef prefix, std::string &why);

/// `text` (C or C++ source, comments included) with the C API's names spelled with `prefix`:
/// every identifier that starts with "llm_" starts with "<prefix>_" instead, and every one that
/// starts with "LLM_" with "<PREFIX>_" (the prefix in upper case). Other identifiers (llmrt_*,
/// llmk_*, LLMRT_*) and file names ("runtime/llm.h") are left alone. The identity for "llm".
std::string withApiPrefix(llvm::StringRef text, llvm::StringRef prefix);

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_CPPTEXT_H
