//===- BPEVocabulary.cpp - pieces shared by the BPE tokenizer readers -----===//

#include "compiler/Importer/BPEVocabulary.h"
#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/ConvertUTF.h"

#include <array>

using namespace llmc;
using llvm::StringRef;
using llvm::Twine;

const char llmc::kLlama3Pattern[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {

/// GPT-2's bytes_to_unicode, inverted: code point -> byte. Printable Latin-1 bytes (! to ~,
/// ¡ to ¬, ® to ÿ) stand for themselves; the other 68 bytes, in order, for U+0100 onwards.
std::array<int, 512> byteOfCodePoint() {
  std::array<int, 512> table;
  table.fill(-1);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    table[printable ? b : next++] = b;
  }
  return table;
}

} // namespace

std::optional<std::string> llmc::decodeByteLevel(StringRef text) {
  static const std::array<int, 512> table = byteOfCodePoint();
  std::string bytes;
  const llvm::UTF8 *p = reinterpret_cast<const llvm::UTF8 *>(text.begin());
  const llvm::UTF8 *end = reinterpret_cast<const llvm::UTF8 *>(text.end());
  while (p < end) {
    llvm::UTF32 cp;
    if (llvm::convertUTF8Sequence(&p, end, &cp, llvm::strictConversion) != llvm::conversionOK)
      return std::nullopt;
    if (cp >= table.size() || table[cp] < 0)
      return std::nullopt;
    bytes.push_back(char(table[cp]));
  }
  return bytes;
}

void llmc::useLlama3ByteLevel(Vocabulary &vocabulary) {
  vocabulary.model = Vocabulary::Model::ByteLevel;
  vocabulary.preTokenizer = Vocabulary::PreTokenizer::Llama3;
  vocabulary.dummyPrefix = Vocabulary::DummyPrefix::None;
  vocabulary.parseSpecial = true;
}

llvm::Expected<Vocabulary::Merge> llmc::resolveMerge(StringRef left, StringRef right, size_t rank,
                                                     const llvm::StringMap<uint32_t> &ids,
                                                     StringRef path) {
  auto id = [&](StringRef token) -> std::optional<uint32_t> {
    auto it = ids.find(token);
    if (it == ids.end())
      return std::nullopt;
    return it->second;
  };
  std::string joined = (left + right).str();
  std::optional<uint32_t> l = id(left), r = id(right), result = id(joined);
  auto missing = [&](StringRef what) {
    return fileError(path, "merge " + Twine(rank) + " ('" + left + "' '" + right + "') names '" +
                               what + "', which is not in the vocabulary");
  };
  if (!l)
    return missing(left);
  if (!r)
    return missing(right);
  if (!result)
    return missing(joined);
  return Vocabulary::Merge{*l, *r, *result};
}

llvm::Error llmc::checkMergesDistinct(const std::vector<Vocabulary::Merge> &merges,
                                      StringRef path) {
  llvm::DenseMap<std::pair<uint32_t, uint32_t>, size_t> seen;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    auto [it, inserted] = seen.try_emplace({merges[rank].left, merges[rank].right}, rank);
    if (!inserted)
      return fileError(path, "merges " + Twine(it->second) + " and " + Twine(rank) +
                                 " are the same pair (tokens " + Twine(merges[rank].left) +
                                 " and " + Twine(merges[rank].right) + ")");
  }
  return llvm::Error::success();
}
