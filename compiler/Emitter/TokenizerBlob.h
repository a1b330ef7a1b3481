//===- TokenizerBlob.h - the bytes of tokenizer.bin -----------------------===//
//
// Apart from the rest of the emitter (no MLIR) so that test tools can write tokenizer.bin too.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_EMITTER_TOKENIZERBLOB_H
#define LLMC_COMPILER_EMITTER_TOKENIZERBLOB_H

#include "compiler/Importer/ModelConfig.h"

#include <optional>
#include <string>

namespace llmc {

/// The vocabulary of a model compiled without a tokenizer: pieces "<N>" for each of the
/// config's vocab_size ids, BOS and EOS as control tokens.
Vocabulary placeholderVocabulary(const ModelConfig &config);

/// tokenizer.bin's bytes (runtime/blob_format.h, the current version) for `vocabulary`; with
/// `idsOnly`, flagged as placeholder pieces that cannot encode text.
std::string tokenizerBlobBytes(const Vocabulary &vocabulary, bool idsOnly);

/// The tokenizer.bin a compile writes: `vocabulary`'s, or placeholder pieces when there is none.
std::string modelTokenizerBlobBytes(const std::optional<Vocabulary> &vocabulary,
                                    const ModelConfig &config);

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_TOKENIZERBLOB_H
