//===- Tiktoken.h - a tiktoken BPE file (Llama 3's tokenizer.model) -------===//
#ifndef LLMC_COMPILER_IMPORTER_TIKTOKEN_H
#define LLMC_COMPILER_IMPORTER_TIKTOKEN_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace llmc {

/// Whether `bytes` start like a tiktoken BPE file: a line of base64, a space and a rank.
bool looksLikeTiktoken(llvm::StringRef bytes);

/// Reads a tiktoken BPE file as Meta ships Llama 3's tokenizer.model: one "base64(token) rank"
/// line per token, ranks 0, 1, 2, ... in order. The tokens are the vocabulary's first ids (rank =
/// id; merges go by rank, lowest first, as tiktoken's), and Meta's 256 special tokens
/// (llama_models/llama3/tokenizer.py: <|begin_of_text|>, <|end_of_text|>, ...,
/// <|reserved_special_token_N|>) follow; BOS is <|begin_of_text|>, EOS <|end_of_text|>. Llama
/// 3's pre-tokenizer. `path` names the file in messages.
llvm::Expected<Vocabulary> parseTiktokenModel(llvm::StringRef bytes, llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_TIKTOKEN_H
