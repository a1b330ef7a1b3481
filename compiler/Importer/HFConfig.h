//===- HFConfig.h - config.json of a Hugging Face LlamaForCausalLM --------===//
#ifndef LLMC_COMPILER_IMPORTER_HFCONFIG_H
#define LLMC_COMPILER_IMPORTER_HFCONFIG_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace llmc {

/// Parses the text of a config.json (named `path` in messages) describing a LlamaForCausalLM.
/// Optional keys take the defaults of transformers' LlamaConfig. A key whose value changes the
/// computation in a way llmc does not implement is an error (HFConfigKeys.def lists them);
/// unknown keys that look as if they might are described in `warnings`, when given.
llvm::Expected<ModelConfig> parseHFConfig(llvm::StringRef text, llvm::StringRef path,
                                          std::vector<std::string> *warnings = nullptr);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_HFCONFIG_H
