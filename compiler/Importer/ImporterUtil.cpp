//===- ImporterUtil.cpp - helpers shared by the model readers -------------===//

#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <set>

using namespace llmc;
using llvm::StringRef;
using llvm::Twine;

namespace {
/// Deepest [ / { nesting accepted in any JSON document we read. Real files need 3 or 4.
constexpr int kMaxJSONDepth = 64;

/// The deepest nesting of arrays and objects in `text`, skipping string contents; stops early
/// once `limit` is exceeded.
int jsonNestingDepth(StringRef text, int limit) {
  int depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit)
        return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}
} // namespace

llvm::Error llmc::fileError(StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(llvm::Twine(path) + ": " + message);
}

char llmc::UnsupportedTokenizerError::ID = 0;

llvm::Error llmc::unsupportedTokenizer(StringRef path, const llvm::Twine &message) {
  return llvm::make_error<UnsupportedTokenizerError>((path + ": " + message).str());
}

llvm::Expected<std::optional<Vocabulary>>
llmc::unlessUnsupported(llvm::Expected<Vocabulary> vocabulary, std::string *unread) {
  if (vocabulary)
    return std::optional<Vocabulary>(std::move(*vocabulary));
  llvm::Error rest = llvm::handleErrors(vocabulary.takeError(),
                                        [&](const UnsupportedTokenizerError &unsupported) {
                                          *unread = unsupported.message;
                                        });
  if (rest)
    return std::move(rest);
  return std::optional<Vocabulary>();
}

llvm::Error llmc::checkVocabularySize(const Vocabulary &vocabulary, const ModelConfig &config,
                                      StringRef tokenizerPath, StringRef modelWhat) {
  if (int64_t(vocabulary.pieces.size()) == config.vocabSize)
    return llvm::Error::success();
  return fileError(tokenizerPath, "holds " + llvm::Twine(vocabulary.pieces.size()) +
                                      " tokens but the model's vocabulary (" + modelWhat +
                                      ") has " + llvm::Twine(config.vocabSize));
}

bool llmc::isBytePiece(StringRef text) {
  return text.size() == 6 && text.starts_with("<0x") && text.ends_with(">") &&
         llvm::isHexDigit(text[3]) && llvm::isHexDigit(text[4]);
}

llvm::Error llmc::checkVocabulary(const Vocabulary &vocabulary, StringRef path) {
  const int64_t count = vocabulary.pieces.size();
  for (int64_t id = 0; id < count; ++id) {
    const Vocabulary::Piece &piece = vocabulary.pieces[id];
    if (std::isnan(piece.score))
      return fileError(path, "token " + Twine(id) + " has a NaN score");
    if (piece.type == Vocabulary::TokenType::Byte && !isBytePiece(piece.text))
      return fileError(path, "byte token " + Twine(id) + " is not of the form <0xNN>");
  }
  for (auto [what, id] : {std::pair<StringRef, int64_t>("bos_id", vocabulary.bosId),
                          std::pair<StringRef, int64_t>("eos_id", vocabulary.eosId)})
    if (id < -1 || id >= count)
      return fileError(path, what + " " + Twine(id) + " is not a piece of the " + Twine(count) +
                                 " in the vocabulary");
  return llvm::Error::success();
}

llvm::Error FirstProblem::takeError() {
  if (!problem)
    return llvm::Error::success();
  llvm::Error err = fileError(path, *problem);
  problem.reset();
  return err;
}

std::string llmc::unescapeSentencePieceSpaces(StringRef text) {
  constexpr StringRef kSpaceMarker = "\xE2\x96\x81"; // U+2581 LOWER ONE EIGHTH BLOCK in UTF-8
  std::string result;
  result.reserve(text.size());
  while (!text.empty()) {
    if (text.consume_front(kSpaceMarker)) {
      result += ' ';
    } else {
      result += text.front();
      text = text.drop_front();
    }
  }
  return result;
}

llvm::Expected<llvm::json::Value> llmc::parseJSON(StringRef text, StringRef path,
                                                  StringRef what) {
  if (jsonNestingDepth(text, kMaxJSONDepth) > kMaxJSONDepth)
    return fileError(path, what + " is not valid JSON: nested more than " +
                               llvm::Twine(kMaxJSONDepth) + " levels deep");
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value)
    return fileError(path, what + " is not valid JSON: " + llvm::toString(value.takeError()));
  return value;
}

llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> llmc::mapFile(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  return std::shared_ptr<llvm::MemoryBuffer>(std::move(*buffer));
}

std::string llmc::pathIn(StringRef folder, StringRef name) {
  llvm::SmallString<256> path(folder);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

std::string llmc::describeWeights(StringRef format, size_t shards, const WeightStore &weights) {
  std::set<std::string> dtypes;
  for (const WeightTensor &tensor : weights.tensors())
    dtypes.insert(dtypeName(tensor.dtype).str());
  std::string text = format.str();
  if (shards > 1)
    text += ", " + std::to_string(shards) + " shards";
  text += " (";
  for (const std::string &dtype : dtypes)
    text += (text.back() == '(' ? "" : ", ") + dtype;
  return text + ")";
}
