// llmc_tokenize.cpp - llmc-tokenize: a tokenizer file through llmc's importer, tokenizer.bin and
// the runtime's tokenizer, for the byte-exact comparisons in test/tokenizer/ (tests only).
//
//   llmc-tokenize TOKENIZER [--bos] [--write tokenizer.bin] < texts
//   llmc-tokenize TOKENIZER --chat [--chat-template NAME] [--generation-prompt] [--ids]
//                 < conversation
//
// TOKENIZER is a tokenizer.json, a SentencePiece or tiktoken tokenizer.model, or an llmc
// tokenizer.bin (read as it is). stdin holds texts, each a 4-byte little-endian length and its
// bytes; for each, stdout gets one line: the token ids, a tab, and the hex of the bytes the ids
// decode to (llm_token_to_bytes, each after the one before) -- or "error: STATUS".
//
// With --chat the texts are one conversation, a role and its content in turn, and stdout gets
// the prompt llm_chat_format writes (with --ids, llm_chat_tokenize's ids on one line); a failure
// prints "error: STATUS: MESSAGE" on stderr and exits 1. --chat-template NAME sets the template
// the tokenizer is used with (as llmc compile --chat-template does).
#include "compiler/Emitter/TokenizerBlob.h"
#include "compiler/Importer/ChatTemplate.h"
#include "compiler/Importer/TokenizerFiles.h"
#include "runtime/llmrt.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

int fail(const std::string &message) {
  llvm::errs() << "llmc-tokenize: " << message << "\n";
  return 1;
}

bool readText(std::string &text) {
  unsigned char size[4];
  if (std::fread(size, 1, 4, stdin) != 4)
    return false;
  uint32_t len = uint32_t(size[0]) | uint32_t(size[1]) << 8 | uint32_t(size[2]) << 16 |
                 uint32_t(size[3]) << 24;
  text.resize(len);
  return len == 0 || std::fread(&text[0], 1, len, stdin) == len;
}

/// tokenizer.bin's bytes for `path`: the file itself if it is one, else llmc's import of it.
bool blobFor(const char *path, std::string &bytes, std::string &error) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file = llvm::MemoryBuffer::getFile(path);
  if (!file) {
    error = std::string(path) + ": " + file.getError().message();
    return false;
  }
  llvm::StringRef contents = (*file)->getBuffer();
  if (contents.starts_with(llvm::StringRef(LLMRT_TOKENIZER_MAGIC, 8))) {
    bytes = contents.str();
    return true;
  }
  llvm::Expected<llmc::Vocabulary> vocab = llmc::readTokenizerFile(path);
  if (!vocab) {
    error = llvm::toString(vocab.takeError());
    return false;
  }
  bytes = llmc::tokenizerBlobBytes(*vocab, false);
  return true;
}

/// The header's chat template set to the one `name` names (after the checks llmc compile makes).
bool setChatTemplate(std::string &bytes, const char *name, std::string &error) {
  std::optional<uint32_t> chat = llmc::chatTemplateNamed(name);
  if (!chat) {
    error = std::string("unknown chat template ") + name;
    return false;
  }
  llmrt_tokenizer_header header;
  std::memcpy(&header, bytes.data(), sizeof header);
  header.chat_template = *chat;
  std::memcpy(&bytes[0], &header, sizeof header);
  return true;
}

/// --chat: the conversation on stdin through llm_chat_format or llm_chat_tokenize.
int formatChat(llm_tokenizer *tokenizer, bool generationPrompt, bool ids) {
  std::vector<std::string> texts(1);
  while (readText(texts.back()))
    texts.emplace_back();
  texts.pop_back();
  if (texts.size() % 2 != 0)
    return fail("--chat: the texts on stdin are not role and content pairs");
  std::vector<llm_chat_message> messages;
  for (size_t i = 0; i < texts.size(); i += 2)
    messages.push_back({texts[i].c_str(), texts[i + 1].c_str()});
  char err[512] = "";
  const int n = int(messages.size());
  llm_status status;
  if (ids) {
    int count = 0;
    llm_chat_tokenize(tokenizer, messages.data(), n, generationPrompt, nullptr, 0, &count, err,
                      sizeof err);
    std::vector<int32_t> tokens(size_t(count) + 1);
    status = llm_chat_tokenize(tokenizer, messages.data(), n, generationPrompt, tokens.data(),
                               int(tokens.size()), &count, err, sizeof err);
    for (int i = 0; status == LLM_OK && i < count; ++i)
      std::printf(i ? " %d" : "%d", tokens[i]);
  } else {
    size_t len = 0;
    llm_chat_format(tokenizer, messages.data(), n, generationPrompt, nullptr, 0, &len, err,
                    sizeof err);
    std::string text(len + 1, '\0');
    status = llm_chat_format(tokenizer, messages.data(), n, generationPrompt, &text[0],
                             text.size(), &len, err, sizeof err);
    if (status == LLM_OK)
      std::fwrite(text.data(), 1, len, stdout);
  }
  if (status != LLM_OK)
    return fail(std::string("error: ") + llm_status_string(status) + ": " + err);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  const char *path = nullptr;
  const char *writePath = nullptr;
  const char *chatTemplate = nullptr;
  bool bos = false, chat = false, generationPrompt = false, chatIds = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--bos") == 0)
      bos = true;
    else if (std::strcmp(argv[i], "--chat") == 0)
      chat = true;
    else if (std::strcmp(argv[i], "--generation-prompt") == 0)
      generationPrompt = true;
    else if (std::strcmp(argv[i], "--ids") == 0)
      chatIds = true;
    else if (std::strcmp(argv[i], "--chat-template") == 0 && i + 1 < argc)
      chatTemplate = argv[++i];
    else if (std::strcmp(argv[i], "--write") == 0 && i + 1 < argc)
      writePath = argv[++i];
    else if (!path)
      path = argv[i];
    else
      return fail(std::string("unexpected argument ") + argv[i]);
  }
  if (!path)
    return fail("usage: llmc-tokenize TOKENIZER [--bos] [--write tokenizer.bin] < texts");
  std::string bytes, error;
  if (!blobFor(path, bytes, error) ||
      (chatTemplate && !setChatTemplate(bytes, chatTemplate, error)))
    return fail(error);
  if (writePath) {
    std::FILE *out = std::fopen(writePath, "wb");
    if (!out || std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size() ||
        std::fclose(out) != 0)
      return fail(std::string(writePath) + ": cannot write");
  }
  llm_tokenizer *tokenizer = nullptr;
  char err[512];
  if (llm_tokenizer_open_memory(bytes.data(), bytes.size(), &tokenizer, err, sizeof err) !=
      LLM_OK)
    return fail(err);
  if (chat) {
    int status = formatChat(tokenizer, generationPrompt, chatIds);
    llm_tokenizer_close(tokenizer);
    return status;
  }
  std::string text;
  std::vector<int32_t> ids;
  while (readText(text)) {
    ids.resize(llmrt_tokenizer_max_tokens(text.size()));
    int count = 0;
    llm_status status = llm_tokenize(tokenizer, text.data(), text.size(), bos ? 1 : 0, ids.data(),
                                     int(ids.size()), &count);
    if (status != LLM_OK) {
      std::printf("error: %s\n", llm_status_string(status));
      continue;
    }
    int32_t prev = -1;
    std::string decoded;
    for (int i = 0; i < count; ++i) {
      std::printf(i ? " %d" : "%d", ids[i]);
      size_t len = 0;
      const char *piece = llm_token_to_bytes(tokenizer, prev, ids[i], &len);
      decoded.append(piece, len);
      prev = ids[i];
    }
    std::printf("\t");
    for (unsigned char c : decoded)
      std::printf("%02x", c);
    std::printf("\n");
  }
  llm_tokenizer_close(tokenizer);
  return 0;
}
