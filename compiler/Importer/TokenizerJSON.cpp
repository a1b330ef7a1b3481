//===- TokenizerJSON.cpp - a Hugging Face tokenizer.json ------------------===//
//
// The parts of the tokenizers library's format that Llama models use (TokenizerJSON.h); the
// rest is refused by name rather than read approximately.
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/TokenizerJSON.h"
#include "compiler/Importer/BPEVocabulary.h"
#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/StringMap.h"

using namespace llmc;
using llvm::StringRef;
using llvm::Twine;
namespace json = llvm::json;

namespace {

/// SentencePiece's whitespace marker, U+2581.
constexpr const char kSpaceMarker[] = "\xE2\x96\x81";

/// "null", or the node's "type" with a Sequence's members: "Sequence[Split, ByteLevel]".
std::string describe(const json::Value *node) {
  if (!node || node->kind() == json::Value::Null)
    return "null";
  const json::Object *object = node->getAsObject();
  std::optional<StringRef> type = object ? object->getString("type") : std::nullopt;
  if (!type)
    return "(no type)";
  std::string text = type->str();
  const json::Array *members = nullptr;
  for (StringRef key : {"pretokenizers", "normalizers", "decoders", "processors"})
    if (!members)
      members = object->getArray(key);
  if (members) {
    text += "[";
    for (size_t i = 0; i < members->size(); ++i)
      text += (i ? ", " : "") + describe(&(*members)[i]);
    text += "]";
  }
  return text;
}

bool isNull(const json::Value *node) { return !node || node->kind() == json::Value::Null; }

/// The members of a Sequence node under `key`, or the node alone.
std::vector<const json::Object *> members(const json::Value *node, StringRef key) {
  std::vector<const json::Object *> result;
  const json::Object *object = node ? node->getAsObject() : nullptr;
  if (!object)
    return result;
  if (object->getString("type") == StringRef("Sequence")) {
    if (const json::Array *list = object->getArray(key))
      for (const json::Value &member : *list)
        result.push_back(member.getAsObject());
    return result;
  }
  result.push_back(object);
  return result;
}

bool hasType(const json::Object *object, StringRef type) {
  return object && object->getString("type") == type;
}

/// What the text passes through before the BPE model, as the runtime implements it.
struct Pipeline {
  bool byteLevel = false;
  Vocabulary::DummyPrefix dummyPrefix = Vocabulary::DummyPrefix::None;
};

/// Llama 3's shape: no normalizer, Split(Llama 3 regex, Isolated) then ByteLevel(no regex).
llvm::Expected<Pipeline> byteLevelPipeline(const json::Object &root, StringRef path) {
  std::vector<const json::Object *> steps = members(root.get("pre_tokenizer"), "pretokenizers");
  const std::string shape = describe(root.get("pre_tokenizer"));
  if (!isNull(root.get("normalizer")))
    return unsupportedTokenizer(path, "normalizer " + describe(root.get("normalizer")) +
                                          " before a byte-level BPE is not supported");
  if (steps.size() != 2 || !hasType(steps[0], "Split") || !hasType(steps[1], "ByteLevel"))
    return unsupportedTokenizer(path, "pre_tokenizer " + shape +
                                          " is not supported (llmc implements Llama 3's: "
                                          "Sequence[Split, ByteLevel])");
  const json::Object &split = *steps[0];
  const json::Object *pattern = split.getObject("pattern");
  std::optional<StringRef> regex = pattern ? pattern->getString("Regex") : std::nullopt;
  if (!regex || *regex != kLlama3Pattern)
    return unsupportedTokenizer(
        path, "pre_tokenizer Split pattern " +
                  (regex ? "'" + regex->str() + "'" : std::string("(not a Regex)")) +
                  " is not Llama 3's, the one llmc implements");
  if (split.getString("behavior") != StringRef("Isolated") ||
      split.getBoolean("invert").value_or(false))
    return unsupportedTokenizer(path, "pre_tokenizer Split must be Isolated, not inverted");
  const json::Object &byteLevel = *steps[1];
  if (byteLevel.getBoolean("use_regex").value_or(true) ||
      byteLevel.getBoolean("add_prefix_space").value_or(false))
    return unsupportedTokenizer(path, "pre_tokenizer ByteLevel with use_regex (GPT-2's pattern) "
                                      "or add_prefix_space is not supported");
  const json::Value *decoder = root.get("decoder");
  if (!isNull(decoder) && !hasType(decoder->getAsObject(), "ByteLevel"))
    return unsupportedTokenizer(path, "decoder " + describe(decoder) +
                                          " after a byte-level BPE is not supported");
  Pipeline pipeline;
  pipeline.byteLevel = true;
  return pipeline;
}

/// Llama 2's shapes: spaces -> U+2581 by Metaspace (split false) or Prepend + Replace.
llvm::Expected<Pipeline> sentencePiecePipeline(const json::Object &root, StringRef path) {
  const json::Value *normalizer = root.get("normalizer");
  const json::Value *preTokenizer = root.get("pre_tokenizer");
  Pipeline pipeline;
  auto unsupported = [&] {
    return unsupportedTokenizer(path, "normalizer " + describe(normalizer) + " with pre_tokenizer " +
                                          describe(preTokenizer) +
                                          " is not supported (llmc reads Metaspace, or Prepend "
                                          "and Replace of ' ' by U+2581)");
  };
  if (isNull(normalizer) && !isNull(preTokenizer)) {
    const json::Object *meta = preTokenizer->getAsObject();
    if (!hasType(meta, "Metaspace") || meta->getString("replacement") != StringRef(kSpaceMarker) ||
        meta->getBoolean("split").value_or(true))
      return unsupported();
    std::optional<StringRef> scheme = meta->getString("prepend_scheme");
    if (!scheme) // before prepend_scheme: add_prefix_space
      scheme = meta->getBoolean("add_prefix_space").value_or(true) ? "always" : "never";
    if (*scheme == "always")
      pipeline.dummyPrefix = Vocabulary::DummyPrefix::UnlessSpace;
    else if (*scheme == "first")
      pipeline.dummyPrefix = Vocabulary::DummyPrefix::FirstUnlessSpace;
    else if (*scheme != "never")
      return unsupported();
    return pipeline;
  }
  if (!isNull(preTokenizer) || isNull(normalizer))
    return unsupported();
  std::vector<const json::Object *> steps = members(normalizer, "normalizers");
  size_t next = 0;
  if (next < steps.size() && hasType(steps[next], "Prepend")) {
    if (steps[next]->getString("prepend") != StringRef(kSpaceMarker))
      return unsupported();
    pipeline.dummyPrefix = Vocabulary::DummyPrefix::Always;
    ++next;
  }
  if (next + 1 != steps.size() || !hasType(steps[next], "Replace"))
    return unsupported();
  const json::Object *pattern = steps[next]->getObject("pattern");
  if (!pattern || pattern->getString("String") != StringRef(" ") ||
      steps[next]->getString("content") != StringRef(kSpaceMarker))
    return unsupported();
  return pipeline;
}

/// The model's options that llmc has no use for must be off.
llvm::Error checkModelOptions(const json::Object &model, StringRef path) {
  if (!isNull(model.get("dropout")) && model.getNumber("dropout").value_or(1) != 0)
    return unsupportedTokenizer(path, "BPE dropout is not supported");
  for (StringRef key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (!isNull(model.get(key)) && !model.getString(key).value_or("x").empty())
      return unsupportedTokenizer(path, "BPE " + key + " is not supported");
  return llvm::Error::success();
}

/// A merge as its two token strings: "a b" or ["a", "b"].
std::optional<std::pair<StringRef, StringRef>> mergePair(const json::Value &merge) {
  if (std::optional<StringRef> text = merge.getAsString()) {
    auto [left, right] = text->split(' ');
    if (left.empty() || right.empty() || right.contains(' '))
      return std::nullopt;
    return std::make_pair(left, right);
  }
  const json::Array *pair = merge.getAsArray();
  if (!pair || pair->size() != 2)
    return std::nullopt;
  std::optional<StringRef> left = (*pair)[0].getAsString(), right = (*pair)[1].getAsString();
  if (!left || !right)
    return std::nullopt;
  return std::make_pair(*left, *right);
}

/// The token the post_processor's TemplateProcessing puts before the text, or -1.
int64_t templateBos(const json::Object &root, const llvm::StringMap<uint32_t> &ids) {
  for (const json::Object *step : members(root.get("post_processor"), "processors")) {
    if (!hasType(step, "TemplateProcessing"))
      continue;
    const json::Array *single = step->getArray("single");
    const json::Object *first = single && !single->empty() ? (*single)[0].getAsObject() : nullptr;
    const json::Object *special = first ? first->getObject("SpecialToken") : nullptr;
    std::optional<StringRef> name = special ? special->getString("id") : std::nullopt;
    auto it = name ? ids.find(*name) : ids.end();
    if (it != ids.end())
      return it->second;
  }
  return -1;
}

} // namespace

llvm::Expected<Vocabulary> llmc::parseTokenizerJSON(StringRef text, StringRef path) {
  llvm::Expected<json::Value> document = parseJSON(text, path, "tokenizer.json");
  if (!document)
    return document.takeError();
  const json::Object *root = document->getAsObject();
  const json::Object *model = root ? root->getObject("model") : nullptr;
  if (!model)
    return fileError(path, "no 'model' object (not a tokenizers tokenizer.json)");
  StringRef type = model->getString("type").value_or("BPE");
  if (type != "BPE")
    return unsupportedTokenizer(path, "model type '" + type +
                                          "' is not supported (llmc reads BPE)");
  if (llvm::Error err = checkModelOptions(*model, path))
    return std::move(err);
  const bool byteFallback = model->getBoolean("byte_fallback").value_or(false);
  llvm::Expected<Pipeline> pipeline = byteFallback ? sentencePiecePipeline(*root, path)
                                                   : byteLevelPipeline(*root, path);
  if (!pipeline)
    return pipeline.takeError();

  // The tokens: model.vocab, then added_tokens (which may repeat vocab entries by id).
  const json::Object *vocabObject = model->getObject("vocab");
  if (!vocabObject)
    return fileError(path, "model has no 'vocab' object");
  std::vector<std::optional<Vocabulary::Piece>> pieces;
  llvm::StringMap<uint32_t> ids; // the file's token strings
  constexpr int64_t kMaxTokens = int64_t(1) << 24;
  auto place = [&](StringRef token, int64_t id, Vocabulary::Piece piece) -> llvm::Error {
    if (id < 0 || id >= kMaxTokens)
      return fileError(path, "token '" + token + "' has id " + Twine(id) +
                                 " (ids run from 0 to " + Twine(kMaxTokens - 1) + ")");
    if (size_t(id) >= pieces.size())
      pieces.resize(id + 1);
    auto [it, inserted] = ids.try_emplace(token, uint32_t(id));
    if (!inserted && it->second != uint32_t(id))
      return fileError(path, "token '" + token + "' has ids " + Twine(it->second) + " and " +
                                 Twine(id));
    pieces[id] = std::move(piece);
    return llvm::Error::success();
  };
  std::optional<StringRef> unk = model->getString("unk_token");
  for (const auto &[key, value] : *vocabObject) {
    StringRef token = key;
    std::optional<int64_t> id = value.getAsInteger();
    if (!id)
      return fileError(path, "vocab entry '" + token + "' is not an integer id");
    if (size_t(*id) < pieces.size() && pieces[*id])
      return fileError(path, "vocab id " + Twine(*id) + " is given to two tokens");
    Vocabulary::Piece piece;
    if (pipeline->byteLevel) {
      std::optional<std::string> bytes = decodeByteLevel(token);
      if (!bytes)
        return fileError(path, "vocab token '" + token + "' (id " + Twine(*id) +
                                   ") is not in GPT-2's byte-level alphabet");
      piece.text = std::move(*bytes);
    } else {
      piece.text = unescapeSentencePieceSpaces(token);
      if (isBytePiece(token))
        piece.type = Vocabulary::TokenType::Byte;
      else if (unk && token == *unk)
        piece.type = Vocabulary::TokenType::Unknown;
    }
    if (llvm::Error err = place(token, *id, std::move(piece)))
      return std::move(err);
  }
  if (const json::Array *added = root->getArray("added_tokens")) {
    for (const json::Value &entry : *added) {
      const json::Object *token = entry.getAsObject();
      std::optional<StringRef> content = token ? token->getString("content") : std::nullopt;
      std::optional<int64_t> id = token ? token->getInteger("id") : std::nullopt;
      if (!content || !id)
        return fileError(path, "an added_tokens entry has no 'content' string or 'id'");
      if (!token->getBoolean("special").value_or(false))
        return unsupportedTokenizer(path, "added token '" + *content +
                                              "' is not special: llmc implements special added "
                                              "tokens only");
      for (StringRef option : {"lstrip", "rstrip", "single_word"})
        if (token->getBoolean(option).value_or(false))
          return unsupportedTokenizer(path, "added token '" + *content + "' has " + option +
                                                ", which llmc does not implement");
      if (token->getBoolean("normalized").value_or(false) && !isNull(root->get("normalizer")))
        return unsupportedTokenizer(path, "added token '" + *content +
                                              "' is matched after normalization, which llmc "
                                              "does not implement");
      Vocabulary::Piece piece;
      piece.text = content->str();
      piece.type = unk && *content == *unk ? Vocabulary::TokenType::Unknown
                                           : Vocabulary::TokenType::Control;
      if (llvm::Error err = place(*content, *id, std::move(piece)))
        return std::move(err);
    }
  }

  Vocabulary vocab;
  for (size_t id = 0; id < pieces.size(); ++id) {
    if (!pieces[id])
      return fileError(path, "no token has id " + Twine(id) + " (of " + Twine(pieces.size()) +
                                 ")");
    vocab.pieces.push_back(std::move(*pieces[id]));
  }
  if (vocab.pieces.empty())
    return fileError(path, "the vocabulary is empty");

  const json::Array *merges = model->getArray("merges");
  if (!merges || merges->empty())
    return fileError(path, "model has no 'merges' (a BPE without merges)");
  for (size_t rank = 0; rank < merges->size(); ++rank) {
    std::optional<std::pair<StringRef, StringRef>> pair = mergePair((*merges)[rank]);
    if (!pair)
      return fileError(path, "merge " + Twine(rank) + " is not \"a b\" or [\"a\", \"b\"]");
    llvm::Expected<Vocabulary::Merge> merge =
        resolveMerge(pair->first, pair->second, rank, ids, path);
    if (!merge)
      return merge.takeError();
    vocab.merges.push_back(*merge);
  }
  if (llvm::Error err = checkMergesDistinct(vocab.merges, path))
    return std::move(err);

  if (pipeline->byteLevel) {
    useLlama3ByteLevel(vocab);
  } else {
    vocab.dummyPrefix = pipeline->dummyPrefix;
    vocab.parseSpecial = true;
  }
  vocab.wholePieces = model->getBoolean("ignore_merges").value_or(false);
  vocab.bosId = templateBos(*root, ids);
  return vocab;
}
