//===- Tiktoken.cpp - a tiktoken BPE file (Llama 3's tokenizer.model) -----===//

#include "compiler/Importer/Tiktoken.h"
#include "compiler/Importer/BPEVocabulary.h"
#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Base64.h"

using namespace llmc;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// Meta's special tokens after the base vocabulary, in order (llama_models' llama3 tokenizer.py);
/// reserved tokens fill the rest of the 256.
constexpr const char *kNamedSpecials[] = {
    "<|begin_of_text|>", "<|end_of_text|>",      "<|reserved_special_token_0|>",
    "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|step_id|>",
    "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>",
    "<|eot_id|>",         "<|python_tag|>",      "<|image|>",
};
constexpr int kSpecialCount = 256;

bool isBase64(StringRef text) {
  return !text.empty() && text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
                                                 "tuvwxyz0123456789+/=") == StringRef::npos;
}

} // namespace

bool llmc::looksLikeTiktoken(StringRef bytes) {
  StringRef line = bytes.split('\n').first;
  auto [token, rank] = line.split(' ');
  unsigned long long value;
  return isBase64(token) && !rank.getAsInteger(10, value);
}

llvm::Expected<Vocabulary> llmc::parseTiktokenModel(StringRef bytes, StringRef path) {
  Vocabulary vocab;
  llvm::StringSet<> seen;
  size_t lineNumber = 0;
  while (!bytes.empty()) {
    StringRef line;
    std::tie(line, bytes) = bytes.split('\n');
    ++lineNumber;
    if (line.empty() && bytes.empty())
      break;
    auto [encoded, rankText] = line.split(' ');
    uint64_t rank;
    std::vector<char> decoded;
    if (!isBase64(encoded) || rankText.getAsInteger(10, rank))
      return fileError(path, "line " + Twine(lineNumber) +
                                 " is not 'base64-token rank' (not a tiktoken BPE file)");
    if (llvm::Error err = llvm::decodeBase64(encoded, decoded)) {
      llvm::consumeError(std::move(err));
      return fileError(path, "line " + Twine(lineNumber) + ": invalid base64 '" + encoded + "'");
    }
    if (rank != vocab.pieces.size())
      return fileError(path, "line " + Twine(lineNumber) + " has rank " + Twine(rank) +
                                 " where " + Twine(vocab.pieces.size()) +
                                 " comes next (ranks must count up from 0)");
    Vocabulary::Piece piece;
    piece.text.assign(decoded.begin(), decoded.end());
    if (piece.text.empty() || !seen.insert(piece.text).second)
      return fileError(path, "line " + Twine(lineNumber) + ": token is empty or repeated");
    piece.score = -float(rank);
    vocab.pieces.push_back(std::move(piece));
  }
  if (vocab.pieces.size() < 256)
    return fileError(path, "holds " + Twine(vocab.pieces.size()) +
                               " tokens, fewer than the 256 bytes a byte-level BPE needs");
  const int64_t base = vocab.pieces.size();
  for (int i = 0; i < kSpecialCount; ++i) {
    constexpr int named = sizeof(kNamedSpecials) / sizeof(kNamedSpecials[0]);
    Vocabulary::Piece piece;
    piece.text = i < named ? std::string(kNamedSpecials[i])
                           : "<|reserved_special_token_" + std::to_string(2 + i - named) + "|>";
    piece.type = Vocabulary::TokenType::Control;
    vocab.pieces.push_back(std::move(piece));
  }
  vocab.bosId = base;     // <|begin_of_text|>
  vocab.eosId = base + 1; // <|end_of_text|>
  useLlama3ByteLevel(vocab);
  vocab.wholePieces = true; // tiktoken takes a pre-token that is a token as it is
  return vocab;
}
