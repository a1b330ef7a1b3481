//===- ChatTemplate.h - recognising a model's Jinja chat template ---------===//
//
// llmc does not run Jinja: the runtime writes each chat template it knows by hand
// (runtime/chat.cpp). A model's template (tokenizer_config.json's chat_template, a GGUF's
// tokenizer.chat_template) is recognised by its text, up to the whitespace inside Jinja tags,
// which does not change what it renders.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_CHATTEMPLATE_H
#define LLMC_COMPILER_IMPORTER_CHATTEMPLATE_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace llmc {

/// The llmrt_chat_template whose Jinja text `jinja` is, or std::nullopt for one llmc does not
/// know.
std::optional<uint32_t> recogniseChatTemplate(llvm::StringRef jinja);

/// A short fingerprint of `jinja` as recognition sees it, for the message about a template llmc
/// does not know (and for adding one): "0x" and 16 hex digits.
std::string chatTemplateFingerprint(llvm::StringRef jinja);

/// The llmrt_chat_template named `name` ("none", "llama2", "llama3", "zephyr"), or std::nullopt.
std::optional<uint32_t> chatTemplateNamed(llvm::StringRef name);

/// "llama2, llama3, zephyr": the templates llmc formats, for messages.
std::string chatTemplateNames();

/// An error unless `vocabulary` has the tokens chat template `chatTemplate` writes (BOS and EOS,
/// and Llama 3's header and end-of-turn control tokens): the checks the runtime makes when it
/// opens tokenizer.bin, made before it is written.
llvm::Error checkChatTemplateTokens(const Vocabulary &vocabulary, uint32_t chatTemplate);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_CHATTEMPLATE_H
