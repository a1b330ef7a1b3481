//===- InspectRam.h - `llmc inspect --ram` --------------------------------===//
#ifndef LLMC_COMPILER_TOOLS_INSPECTRAM_H
#define LLMC_COMPILER_TOOLS_INSPECTRAM_H

#include "compiler/Importer/ModelConfig.h"
#include "compiler/Pipelines/Pipelines.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <string>

namespace llmc {

/// `bytes` in MiB with one decimal, as the RAM tables print them.
std::string mib(uint64_t bytes);

/// Prints, for each of `schemes` and each context length of 512, 2048 and 4096, the RAM the compiled program
/// will use (programMemory() on the module `llmc compile` would emit: `pipelineFor(scheme)` is
/// the compile's pipeline, `prefillTokens` its --prefill-tokens) running its kernels on
/// `threads`, and the smallest device class (256 MiB .. 8 GiB) it fits. Returns the process
/// exit code.
int runInspectRam(const ImportedModel &model, llvm::ArrayRef<std::string> schemes,
                  const std::function<PipelineOptions(llvm::StringRef scheme)> &pipelineFor,
                  int64_t prefillTokens, int64_t threads, llvm::raw_ostream &os);

} // namespace llmc

#endif // LLMC_COMPILER_TOOLS_INSPECTRAM_H
