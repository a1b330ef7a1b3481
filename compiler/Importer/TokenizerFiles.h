//===- TokenizerFiles.h - a tokenizer file, whatever its format -----------===//
#ifndef LLMC_COMPILER_IMPORTER_TOKENIZERFILES_H
#define LLMC_COMPILER_IMPORTER_TOKENIZERFILES_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace llmc {

/// A tokenizer.model: a SentencePiece ModelProto, or a tiktoken BPE file (Llama 3), told apart
/// by content; an error naming both when it is neither.
llvm::Expected<Vocabulary> readTokenizerModel(llvm::StringRef path);

/// A tokenizer.json (a file that starts with '{') or, otherwise, a tokenizer.model. Errors as
/// the readers give them (an UnsupportedTokenizerError for a tokenizer.json llmc cannot read).
llvm::Expected<Vocabulary> readTokenizerFile(llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_TOKENIZERFILES_H
