//===- HFConfig.h - config.json of a Hugging Face LlamaForCausalLM --------===//
#ifndef LLMC_COMPILER_IMPORTER_HFCONFIG_H
#define LLMC_COMPILER_IMPORTER_HFCONFIG_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace llmc {

/// Parses the text of a config.json (named `path` in messages) describing a LlamaForCausalLM.
/// Optional keys take the defaults of transformers' LlamaConfig.
llvm::Expected<ModelConfig> parseHFConfig(llvm::StringRef text, llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_HFCONFIG_H
