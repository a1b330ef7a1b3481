//===- BPEVocabulary.h - pieces shared by the BPE tokenizer readers -------===//
//
// tokenizer.json, tiktoken tokenizer.model and GGUF "gpt2" vocabularies spell the same things:
// GPT-2's byte-to-unicode alphabet, merges as pairs of token strings, Llama 3's pre-tokenizer.
// Internal to compiler/Importer.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_BPEVOCABULARY_H
#define LLMC_COMPILER_IMPORTER_BPEVOCABULARY_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace llmc {

/// Llama 3's pre-tokenizer pattern, as tiktoken's pat_str and tokenizer.json's Split regex spell
/// it; runtime/pretokenize.cpp implements it.
extern const char kLlama3Pattern[];

/// The bytes a token of a byte-level vocabulary stands for: each character of `text` is one byte
/// in GPT-2's bytes_to_unicode alphabet. std::nullopt if a character is outside it.
std::optional<std::string> decodeByteLevel(llvm::StringRef text);

/// Sets what every byte-level vocabulary with Llama 3's pre-tokenizer says: bytes as the
/// starting tokens, the Llama 3 pre-tokenizer, special tokens parsed in text.
void useLlama3ByteLevel(Vocabulary &vocabulary);

/// Resolves merge `rank` of `left` and `right`, spelled as the vocabulary's token strings that
/// `ids` maps to ids: the merge of those tokens into the token `left + right`. The message
/// names `path` and the merge when one of the three is not in the vocabulary.
llvm::Expected<Vocabulary::Merge> resolveMerge(llvm::StringRef left, llvm::StringRef right,
                                               size_t rank, const llvm::StringMap<uint32_t> &ids,
                                               llvm::StringRef path);

/// Checks that no pair merges twice (the readers would disagree on which rank counts).
llvm::Error checkMergesDistinct(const std::vector<Vocabulary::Merge> &merges,
                                llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_BPEVOCABULARY_H
