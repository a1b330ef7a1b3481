//===- SentencePiece.h - tokenizer.model (a SentencePiece ModelProto) -----===//
#ifndef LLMC_COMPILER_IMPORTER_SENTENCEPIECE_H
#define LLMC_COMPILER_IMPORTER_SENTENCEPIECE_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBufferRef.h"

namespace llmc {

/// Reads the serialized sentencepiece.ModelProto in `buffer` (named `path` in messages): the
/// pieces with their scores and types (U+2581 becomes ' '), bos/eos ids and add_dummy_prefix.
/// Types map NORMAL and USER_DEFINED -> Normal, UNKNOWN -> Unknown, CONTROL and UNUSED ->
/// Control, BYTE -> Byte.
llvm::Expected<Vocabulary> parseSentencePieceModel(llvm::MemoryBufferRef buffer,
                                                   llvm::StringRef path);

/// Maps and reads the SentencePiece model at `path`.
llvm::Expected<Vocabulary> readSentencePieceModel(llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_SENTENCEPIECE_H
