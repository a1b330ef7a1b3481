//===- ChatTemplate.cpp - recognising a model's Jinja chat template -------===//
//
// Each known template is the fingerprint of its text as the model ships it; test/chat/templates
// holds those texts (with where each came from) and checks that each is recognised and renders as
// the runtime formats.
//
//===----------------------------------------------------------------------===//
#include "compiler/Importer/ChatTemplate.h"
#include "runtime/blob_format.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace llmc;
using llvm::StringRef;

namespace {

struct KnownTemplate {
  uint64_t fingerprint;
  uint32_t chatTemplate; ///< llmrt_chat_template
  const char *model;     ///< whose tokenizer_config.json ships it
};

const KnownTemplate kKnownTemplates[] = {
    {0x6e3adb80662ba44full, LLMRT_CHAT_TEMPLATE_LLAMA2, "meta-llama/Llama-2-7b-chat-hf"},
    {0x043b975771c032c1ull, LLMRT_CHAT_TEMPLATE_LLAMA3, "meta-llama/Meta-Llama-3-8B-Instruct"},
    {0x0e2735fa5d4fc66eull, LLMRT_CHAT_TEMPLATE_ZEPHYR, "TinyLlama/TinyLlama-1.1B-Chat-v1.0"},
};

bool isWordChar(char c) { return llvm::isAlnum(c) || c == '_'; }

/// `jinja` with the whitespace inside {{ }} and {% %} tags outside string literals dropped (one
/// space kept between two words), and without a final newline after a block tag (trim_blocks
/// drops it): what two copies of a template that render alike still share.
std::string normalise(StringRef jinja) {
  std::string out;
  out.reserve(jinja.size());
  char tagEnd = 0;    // '}' or '%' inside a tag
  char quote = 0;     // the quote of a string literal inside a tag
  bool space = false; // whitespace inside a tag since the last character kept
  for (size_t i = 0; i < jinja.size(); ++i) {
    char c = jinja[i];
    if (!tagEnd) {
      if (c == '{' && i + 1 < jinja.size() && (jinja[i + 1] == '{' || jinja[i + 1] == '%')) {
        tagEnd = jinja[i + 1] == '{' ? '}' : '%';
        out += jinja.substr(i, 2);
        ++i;
        continue;
      }
      out += c;
      continue;
    }
    if (quote) {
      if (c == '\\' && i + 1 < jinja.size())
        out += jinja[i++];
      else if (c == quote)
        quote = 0;
      out += jinja[i];
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && isWordChar(c) && isWordChar(out.back()))
      out += ' ';
    space = false;
    if (c == '\'' || c == '"')
      quote = c;
    else if (c == tagEnd && i + 1 < jinja.size() && jinja[i + 1] == '}')
      tagEnd = 0;
    out += c;
  }
  if (StringRef(out).ends_with("%}\n"))
    out.pop_back();
  return out;
}

uint64_t fingerprintOf(StringRef jinja) {
  std::string text = normalise(jinja);
  return llmrt_hash64(text.data(), text.size());
}

} // namespace

std::optional<uint32_t> llmc::recogniseChatTemplate(StringRef jinja) {
  uint64_t fingerprint = fingerprintOf(jinja);
  for (const KnownTemplate &known : kKnownTemplates)
    if (known.fingerprint == fingerprint)
      return known.chatTemplate;
  return std::nullopt;
}

std::string llmc::chatTemplateFingerprint(StringRef jinja) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format_hex(fingerprintOf(jinja), 18);
  return text;
}

std::optional<uint32_t> llmc::chatTemplateNamed(StringRef name) {
  for (uint32_t t = 0; t < LLMRT_CHAT_TEMPLATE_COUNT; ++t)
    if (name == llmrt_chat_template_name(t))
      return t;
  return std::nullopt;
}

std::string llmc::chatTemplateNames() {
  std::string names;
  for (uint32_t t = LLMRT_CHAT_TEMPLATE_NONE + 1; t < LLMRT_CHAT_TEMPLATE_COUNT; ++t)
    names += (names.empty() ? "" : ", ") + std::string(llmrt_chat_template_name(t));
  return names;
}

llvm::Error llmc::checkChatTemplateTokens(const Vocabulary &vocabulary, uint32_t chatTemplate) {
  const std::string name = llmrt_chat_template_name(chatTemplate);
  auto missing = [&](const llvm::Twine &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "chat template " + name + " needs " + what +
                                       ", which the tokenizer lacks");
  };
  const bool needsBos =
      chatTemplate == LLMRT_CHAT_TEMPLATE_LLAMA2 || chatTemplate == LLMRT_CHAT_TEMPLATE_LLAMA3;
  const bool needsEos =
      chatTemplate == LLMRT_CHAT_TEMPLATE_LLAMA2 || chatTemplate == LLMRT_CHAT_TEMPLATE_ZEPHYR;
  if (needsBos && vocabulary.bosId < 0)
    return missing("BOS");
  if (needsEos && vocabulary.eosId < 0)
    return missing("EOS");
  if (chatTemplate != LLMRT_CHAT_TEMPLATE_LLAMA3)
    return llvm::Error::success();
  for (StringRef piece : {"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}) {
    bool found = llvm::any_of(vocabulary.pieces, [&](const Vocabulary::Piece &p) {
      return p.text == piece && p.type == Vocabulary::TokenType::Control;
    });
    if (!found)
      return missing("the control token " + piece);
  }
  return llvm::Error::success();
}
