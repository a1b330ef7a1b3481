//===- ModelConfig.h - the hyper-parameters of a Llama model --------------===//
//
// What every importer produces besides the weights, whatever the source format.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_MODELCONFIG_H
#define LLMC_COMPILER_IMPORTER_MODELCONFIG_H

#include "compiler/Weights/WeightStore.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmc {

/// rope_scaling of config.json.
struct RopeScaling {
  enum class Kind { None, Linear, Llama3 };
  Kind kind = Kind::None;
  double factor = 1.0;
  double lowFreqFactor = 1.0;       ///< llama3 only
  double highFreqFactor = 4.0;      ///< llama3 only
  int64_t originalMaxPositions = 8192; ///< llama3 only
};

struct ModelConfig {
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKVHeads = 0;
  int64_t headDim = 0;            ///< config's head_dim, else hidden_size / num_heads
  int64_t vocabSize = 0;
  int64_t maxPositions = 0;       ///< max_position_embeddings (llama2.c: seq_len)
  int64_t slidingWindow = 0;      ///< attention window in tokens; 0: the whole context
  double rmsNormEps = 1e-5;
  double ropeTheta = 10000.0;
  RopeScaling ropeScaling;
  bool tieWordEmbeddings = false; ///< lm_head reads embed_tokens
  bool attentionBias = false;     ///< q/k/v/o projections carry biases
  bool mlpBias = false;           ///< gate/up/down projections carry biases
  int64_t bosTokenId = -1;
  int64_t eosTokenId = -1;
};

/// A vocabulary to write into tokenizer.bin (runtime/blob_format.h says what each field does in
/// the runtime). Piece text is the bytes a token decodes to: ' ' where SentencePiece has U+2581,
/// raw bytes where a byte-level vocabulary spells them in GPT-2's byte-to-unicode alphabet.
struct Vocabulary {
  enum class TokenType : uint32_t { Normal = 0, Byte = 1, Control = 2, Unknown = 3 };
  /// How text becomes the tokens merges start from: UTF-8 characters with <0xNN> fallback, or
  /// bytes (llmrt_tokenizer_model).
  enum class Model : uint32_t { SentencePiece = 0, ByteLevel = 1 };
  enum class PreTokenizer : uint32_t { None = 0, Llama3 = 1 };
  /// llmrt_dummy_prefix: the space put before text.
  enum class DummyPrefix : uint32_t { None = 0, Always = 1, UnlessSpace = 2, FirstUnlessSpace = 3 };
  struct Piece {
    std::string text;
    float score = 0;
    TokenType type = TokenType::Normal;
  };
  /// Adjacent tokens left, right merge into result.
  struct Merge {
    uint32_t left = 0, right = 0, result = 0;
  };
  std::vector<Piece> pieces;
  /// In priority order; empty: any pair that spells a normal piece merges, highest score first.
  std::vector<Merge> merges;
  int64_t bosId = -1;
  int64_t eosId = -1;
  Model model = Model::SentencePiece;
  PreTokenizer preTokenizer = PreTokenizer::None;
  DummyPrefix dummyPrefix = DummyPrefix::Always;
  /// Control and unknown tokens' text in the input encodes as those tokens.
  bool parseSpecial = false;
  /// A pre-token that is a normal piece is that token, without merges.
  bool wholePieces = false;
  /// llmrt_chat_template: how the runtime formats a conversation (0: none).
  uint32_t chatTemplate = 0;
};

/// What an importer hands to the rest of the compiler.
struct ImportedModel {
  ModelConfig config;
  WeightStore weights;
  std::optional<Vocabulary> vocabulary; ///< none when the source has no tokenizer
  /// A tokenizer the source has but llmc cannot read, with why, e.g. "DIR/tokenizer.json: model
  /// type 'WordPiece' is not supported" or "x.gguf: tokenizer.ggml.model 'bert'"; the driver
  /// refuses to compile without a tokenizer then, unless told to (--no-tokenizer).
  std::string unreadTokenizer;
  /// The Jinja chat template the source ships (tokenizer_config.json's chat_template, a GGUF's
  /// tokenizer.chat_template), empty if none; the driver recognises it (ChatTemplate.h).
  std::string chatTemplateText;
  /// Where chatTemplateText was read, for messages: "DIR/tokenizer_config.json".
  std::string chatTemplateSource;
  std::string sourceDescription;        ///< e.g. "llama2.c checkpoint v0", "safetensors (f16)"
  std::vector<std::string> warnings;    ///< "path: what", for the driver to print
};

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_MODELCONFIG_H
