//===- Inspect.h - `llmc inspect` -----------------------------------------===//
#ifndef LLMC_COMPILER_TOOLS_INSPECT_H
#define LLMC_COMPILER_TOOLS_INSPECT_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace llmc {

/// Prints the model's config, parameter count and stored bytes per tensor group for each of
/// `schemes` ("f32", "q8_0", ...), so a user can pick a scheme for a RAM budget. Returns the
/// process exit code.
int runInspect(const ImportedModel &model, llvm::ArrayRef<std::string> schemes,
               int64_t contextLength, llvm::raw_ostream &os);

} // namespace llmc

#endif // LLMC_COMPILER_TOOLS_INSPECT_H
