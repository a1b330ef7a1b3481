//===- TokenizerBytes.h - the bytes of tokenizer.bin ----------------------===//
//
// Apart from the Emitter (no MLIR) so that the fuzz targets can check that every vocabulary an
// importer accepts becomes a tokenizer.bin the runtime opens.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_EMITTER_TOKENIZERBYTES_H
#define LLMC_COMPILER_EMITTER_TOKENIZERBYTES_H

#include "compiler/Importer/ModelConfig.h"

#include <string>

namespace llmc {

/// The vocabulary of a model imported without a tokenizer: pieces "<N>", so that llm-run can
/// print what it generates as token ids; the config's BOS and EOS are control tokens.
Vocabulary placeholderVocabulary(const ModelConfig &config);

/// tokenizer.bin holding `vocabulary` (layout in runtime/blob_format.h).
std::string tokenizerBytes(const Vocabulary &vocabulary);

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_TOKENIZERBYTES_H
