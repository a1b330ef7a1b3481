//===- MetaParams.h - params.json of Meta's original checkpoints ----------===//
#ifndef LLMC_COMPILER_IMPORTER_METAPARAMS_H
#define LLMC_COMPILER_IMPORTER_METAPARAMS_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace llmc {

/// params.json `text` (named `path` in messages) -> ModelConfig, as Meta's ModelArgs and model
/// code read it: the feed-forward size is FeedForward's (from dim, multiple_of and
/// ffn_dim_multiplier), use_scaled_rope is HF's llama3 rope scaling. `vocabSize` gets
/// vocab_size, -1 when params.json says -1 (Meta's code then takes it from the tokenizer); the
/// config's vocabSize is left for the caller to set.
llvm::Expected<ModelConfig> parseMetaParams(llvm::StringRef text, llvm::StringRef path,
                                            int64_t &vocabSize);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_METAPARAMS_H
