// llmc_tokenize.cpp - llmc-tokenize: a tokenizer file through llmc's importer, tokenizer.bin and
// the runtime's tokenizer, for the byte-exact comparisons in test/tokenizer/ (tests only).
//
//   llmc-tokenize TOKENIZER [--bos] [--write tokenizer.bin] < texts
//
// TOKENIZER is a tokenizer.json, a SentencePiece or tiktoken tokenizer.model, or an llmc
// tokenizer.bin (read as it is). stdin holds texts, each a 4-byte little-endian length and its
// bytes; for each, stdout gets one line: the token ids, a tab, and the hex of the bytes the ids
// decode to (llm_token_to_bytes, each after the one before) -- or "error: STATUS".
#include "compiler/Emitter/TokenizerBlob.h"
#include "compiler/Importer/TokenizerFiles.h"
#include "runtime/llmrt.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstring>
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

} // namespace

int main(int argc, char **argv) {
  const char *path = nullptr;
  const char *writePath = nullptr;
  bool bos = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--bos") == 0)
      bos = true;
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
  if (!blobFor(path, bytes, error))
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
