//===- TokenizerJSON.h - a Hugging Face tokenizer.json --------------------===//
#ifndef LLMC_COMPILER_IMPORTER_TOKENIZERJSON_H
#define LLMC_COMPILER_IMPORTER_TOKENIZERJSON_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace llmc {

/// Reads a tokenizers library tokenizer.json whose model is BPE, in one of the two shapes Llama
/// models ship:
///   - byte-level (Llama 3): no normalizer; pre_tokenizer Sequence [Split with Llama 3's regex,
///     Isolated; ByteLevel without its own regex]; ByteLevel decoder;
///   - SentencePiece-style (Llama 2, TinyLlama): byte_fallback; spaces become U+2581 by a
///     Metaspace pre-tokenizer (split false) or a Prepend + Replace normalizer.
/// vocab, merges ("a b" or ["a", "b"]), ignore_merges, and the added tokens, which must be
/// special (they become control tokens, found in text as whole tokens). BOS is the special
/// token the post_processor's TemplateProcessing puts first, if any; EOS is not said (-1).
/// Anything else that is well formed (model type WordPiece, another pre-tokenizer or regex)
/// is an UnsupportedTokenizerError; invalid JSON and merges naming unknown tokens are errors.
llvm::Expected<Vocabulary> parseTokenizerJSON(llvm::StringRef text, llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_TOKENIZERJSON_H
