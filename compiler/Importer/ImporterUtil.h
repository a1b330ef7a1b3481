//===- ImporterUtil.h - helpers shared by the model readers ---------------===//
//
// Error construction, checked arithmetic, JSON parsing that cannot overflow the stack, and small
// pieces more than one reader needs. Internal to compiler/Importer.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_IMPORTERUTIL_H
#define LLMC_COMPILER_IMPORTER_IMPORTERUTIL_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace llmc {

/// Largest size accepted for any dimension a config gives; keeps every shape product inside
/// int64_t.
constexpr int64_t kMaxDimension = int64_t(1) << 30;
/// Largest number of layers a config may give.
constexpr int64_t kMaxLayers = 100000;

/// An error whose message is "<path>: <message>".
llvm::Error fileError(llvm::StringRef path, const llvm::Twine &message);

/// A tokenizer that is well formed but needs what llmc does not implement (a model type, a
/// pre-tokenizer): the importer records it as ImportedModel::unreadTokenizer, so that the driver
/// refuses to compile with it but --no-tokenizer compiles without it.
class UnsupportedTokenizerError : public llvm::ErrorInfo<UnsupportedTokenizerError> {
public:
  static char ID;
  explicit UnsupportedTokenizerError(std::string message) : message(std::move(message)) {}
  void log(llvm::raw_ostream &os) const override { os << message; }
  std::error_code convertToErrorCode() const override { return llvm::inconvertibleErrorCode(); }
  std::string message; ///< "<path>: <what is not supported>"
};

/// An UnsupportedTokenizerError whose message is "<path>: <message>".
llvm::Error unsupportedTokenizer(llvm::StringRef path, const llvm::Twine &message);

/// `vocabulary`, or std::nullopt with the reason in *unread when reading it failed with an
/// UnsupportedTokenizerError; other errors are returned.
llvm::Expected<std::optional<Vocabulary>> unlessUnsupported(llvm::Expected<Vocabulary> vocabulary,
                                                            std::string *unread);

/// An error unless the tokenizer read from `tokenizerPath` has as many tokens as the model's
/// vocabulary (`modelWhat` names where the model says so, e.g. "config.json's vocab_size").
llvm::Error checkVocabularySize(const Vocabulary &vocabulary, const ModelConfig &config,
                                llvm::StringRef tokenizerPath, llvm::StringRef modelWhat);

/// The first problem of a run of reads (config.json keys, GGUF metadata), so that the run needs
/// one check at the end: readers record with fail() and skip their work once failed().
class FirstProblem {
public:
  /// Messages name `path`; `context` starts each of them, e.g. "rope_scaling: ".
  explicit FirstProblem(llvm::StringRef path, std::string context = "")
      : path(path), context(std::move(context)) {}

  /// Records a problem unless one is recorded already.
  void fail(const llvm::Twine &message) {
    if (!problem)
      problem = context + message.str();
  }
  bool failed() const { return problem.has_value(); }

  /// The first problem, as an error naming the file, and forgets it; success when there is none.
  llvm::Error takeError();

private:
  llvm::StringRef path;
  std::string context;
  std::optional<std::string> problem;
};

/// `text` with SentencePiece's whitespace marker U+2581 replaced by ' ' (tokenizer.model pieces
/// and GGUF tokenizer.ggml.tokens spell spaces so).
std::string unescapeSentencePieceSpaces(llvm::StringRef text);

/// Whether `text` spells a byte token, "<0xNN>" with two hex digits.
bool isBytePiece(llvm::StringRef text);

/// What the runtime's tokenizer needs of a vocabulary (it refuses a tokenizer.bin without it),
/// checked where the file is read so that the message names it: no score is NaN, every byte
/// token is spelled "<0xNN>", BOS and EOS are -1 or one of the tokens.
llvm::Error checkVocabulary(const Vocabulary &vocabulary, llvm::StringRef path);

/// a * b, or false when it does not fit in uint64_t.
inline bool checkedMul(uint64_t a, uint64_t b, uint64_t &result) {
  return !__builtin_mul_overflow(a, b, &result);
}
/// a + b, or false when it does not fit in uint64_t.
inline bool checkedAdd(uint64_t a, uint64_t b, uint64_t &result) {
  return !__builtin_add_overflow(a, b, &result);
}

/// Parses `text` as JSON. Refuses nesting deeper than a small limit before handing the text to
/// llvm::json (whose recursive parser would otherwise overflow the stack on hostile input).
/// `what` names the document in messages, e.g. "safetensors header".
llvm::Expected<llvm::json::Value> parseJSON(llvm::StringRef text, llvm::StringRef path,
                                            llvm::StringRef what);

/// "folder/name".
std::string pathIn(llvm::StringRef folder, llvm::StringRef name);

/// "<format> (f16, f32)", or "<format>, N shards (bf16)" when `shards` > 1: the dtypes of
/// `weights`, for ImportedModel::sourceDescription.
std::string describeWeights(llvm::StringRef format, size_t shards, const WeightStore &weights);

/// Memory-maps `path` read-only (never copies it: no null terminator is requested).
llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> mapFile(llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_IMPORTERUTIL_H
