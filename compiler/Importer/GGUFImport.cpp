//===- GGUFImport.cpp - a GGUF Llama: config, tensors, vocabulary ---------===//
//
// The llama.* metadata -> ModelConfig, the tensor table -> canonical names (Importer.h), and the
// tokenizer.ggml.* arrays -> Vocabulary. llama.cpp's converters store attn_q / attn_k rows with
// interleaved RoPE pairs (Meta's layout); the inverse permutation gives the Hugging Face layout.
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/BPEVocabulary.h"
#include "compiler/Importer/GGUF.h"
#include "compiler/Importer/Importer.h"
#include "compiler/Importer/ImporterUtil.h"
#include "compiler/Importer/LlamaLayout.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Endian.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// llama.cpp's tensor names.
constexpr TensorNaming kGGUFNaming = {
    "token_embd.weight",
    "output_norm.weight",
    "output.weight",
    "blk.",
    {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up",
     "ffn_down"},
};

/// Reads metadata keys; the first problem is recorded and later reads are skipped, so a run of
/// reads needs one check at the end (takeError).
class MetadataReader : public FirstProblem {
public:
  MetadataReader(const GGUFFile &file, StringRef path) : FirstProblem(path), file(file) {}

  /// A positive integer no larger than `max`; `out` keeps its value when the key is absent,
  /// unless `required`.
  void positive(StringRef key, int64_t &out, bool required, int64_t max = kMaxDimension) {
    const GGUFValue *value = lookup(key, required);
    if (!value)
      return;
    std::optional<uint64_t> i = value->asUnsigned();
    if (!i || *i == 0 || *i > uint64_t(max))
      return fail("'" + key + "' must be an integer in [1, " + Twine(max) + "] (it is " +
                  describe(*value) + ")");
    out = int64_t(*i);
  }

  /// A positive finite number; `out` keeps its value when the key is absent, unless `required`.
  void number(StringRef key, double &out, bool required) {
    const GGUFValue *value = lookup(key, required);
    if (!value)
      return;
    std::optional<double> number = value->asNumber();
    if (!number || !std::isfinite(*number) || *number <= 0)
      return fail("'" + key + "' must be a positive number (it is " + describe(*value) + ")");
    out = *number;
  }

  /// A string, or std::nullopt when absent (an error unless `required`).
  std::optional<StringRef> string(StringRef key, bool required) {
    const GGUFValue *value = lookup(key, required);
    if (!value)
      return std::nullopt;
    std::optional<StringRef> text = value->asString();
    if (!text)
      fail("'" + key + "' must be a string (it is " + describe(*value) + ")");
    return text;
  }

  /// A boolean; `out` keeps its value when the key is absent.
  void boolean(StringRef key, bool &out) {
    if (const GGUFValue *value = lookup(key, false)) {
      if (std::optional<bool> flag = value->asBool())
        out = *flag;
      else
        fail("'" + key + "' must be a bool (it is " + describe(*value) + ")");
    }
  }

  /// A token id (an integer below `vocabSize`); `out` keeps its value when the key is absent.
  void tokenId(StringRef key, int64_t vocabSize, int64_t &out) {
    const GGUFValue *value = lookup(key, false);
    if (!value)
      return;
    std::optional<uint64_t> id = value->asUnsigned();
    if (!id || *id >= uint64_t(vocabSize))
      return fail("'" + key + "' (" + describe(*value) + ") is not a token id of the " +
                  Twine(vocabSize) + " in the vocabulary");
    out = int64_t(*id);
  }

  /// An array of `count` numbers, or nullptr when absent (or wrong: see takeError).
  const GGUFValue *numberArray(StringRef key, uint64_t count) {
    const GGUFValue *value = lookup(key, false);
    if (!value)
      return nullptr;
    if (value->type != GGUFType::Array || value->elementType == GGUFType::String ||
        value->elementType == GGUFType::Array || value->elementType == GGUFType::Bool) {
      fail("'" + key + "' must be an array of numbers (it is " + describe(*value) + ")");
      return nullptr;
    }
    if (value->count != count) {
      fail("'" + key + "' has " + Twine(value->count) + " entries but there are " +
           Twine(count) + " tokens");
      return nullptr;
    }
    return value;
  }

  /// "uint32 5", "string 'gpt2'", "array of 3 float32".
  static std::string describe(const GGUFValue &value) {
    if (value.type == GGUFType::Array)
      return "an array of " + std::to_string(value.count) + " " +
             ggufTypeName(value.elementType);
    std::string text = "a " + ggufTypeName(value.type);
    if (std::optional<int64_t> i = value.asInteger())
      return text + " " + std::to_string(*i);
    if (std::optional<uint64_t> u = value.asUnsigned())
      return text + " " + std::to_string(*u);
    if (std::optional<double> d = value.asNumber())
      return text + " " + std::to_string(*d);
    if (std::optional<StringRef> s = value.asString())
      return text + " '" + s->take_front(64).str() + "'";
    return text;
  }

private:
  const GGUFValue *lookup(StringRef key, bool required) {
    if (failed())
      return nullptr;
    const GGUFValue *value = file.lookup(key);
    if (!value && required)
      fail("missing metadata '" + key + "'");
    return value;
  }

  const GGUFFile &file;
};

/// RoPE scaling: llama.rope.scaling.type (none | linear with llama.rope.scaling.factor), or the
/// older llama.rope.scale_linear.
Error readRopeScaling(MetadataReader &reader, const GGUFFile &file, StringRef path,
                      ModelConfig &config) {
  std::optional<StringRef> type = reader.string("llama.rope.scaling.type", false);
  if (Error err = reader.takeError())
    return err;
  RopeScaling &scaling = config.ropeScaling;
  if (!type) {
    if (file.lookup("llama.rope.scale_linear")) {
      reader.number("llama.rope.scale_linear", scaling.factor, true);
      if (scaling.factor != 1.0)
        scaling.kind = RopeScaling::Kind::Linear;
    }
    return reader.takeError();
  }
  if (*type == "none")
    return Error::success();
  if (*type == "linear") {
    scaling.kind = RopeScaling::Kind::Linear;
    reader.number("llama.rope.scaling.factor", scaling.factor, true);
    return reader.takeError();
  }
  return fileError(path, "RoPE scaling type '" + *type +
                             "' (llama.rope.scaling.type) is not supported (llmc reads none "
                             "and linear)");
}

/// The llama.* hyper-parameters.
llvm::Expected<ModelConfig> readConfig(const GGUFFile &file, StringRef path) {
  MetadataReader reader(file, path);
  std::optional<StringRef> arch = reader.string("general.architecture", true);
  if (Error err = reader.takeError())
    return std::move(err);
  if (*arch != "llama")
    return fileError(path, "unsupported architecture '" + *arch +
                               "' (general.architecture; llmc reads 'llama')");

  ModelConfig config;
  reader.positive("llama.embedding_length", config.hiddenSize, true);
  reader.positive("llama.feed_forward_length", config.intermediateSize, true);
  reader.positive("llama.block_count", config.numLayers, true, kMaxLayers);
  reader.positive("llama.attention.head_count", config.numHeads, true);
  reader.positive("llama.context_length", config.maxPositions, true);
  reader.number("llama.attention.layer_norm_rms_epsilon", config.rmsNormEps, true);
  if (Error err = reader.takeError())
    return std::move(err);
  config.numKVHeads = config.numHeads;
  config.ropeTheta = 10000.0;
  reader.positive("llama.attention.head_count_kv", config.numKVHeads, false);
  reader.number("llama.rope.freq_base", config.ropeTheta, false);
  if (Error err = reader.takeError())
    return std::move(err);
  if (const GGUFValue *experts = file.lookup("llama.expert_count"))
    if (experts->asUnsigned().value_or(1) != 0)
      return fileError(path, "mixture-of-experts models (llama.expert_count) are not supported");

  // The head size: llama.attention.key_length when present, else embedding / heads.
  bool explicitHeadDim = file.lookup("llama.attention.key_length") != nullptr;
  if (!explicitHeadDim && config.hiddenSize % config.numHeads != 0)
    return fileError(path, "llama.embedding_length " + Twine(config.hiddenSize) +
                               " is not a multiple of llama.attention.head_count " +
                               Twine(config.numHeads));
  config.headDim = config.hiddenSize / config.numHeads;
  reader.positive("llama.attention.key_length", config.headDim, false);
  int64_t valueDim = config.headDim, ropeDim = config.headDim;
  reader.positive("llama.attention.value_length", valueDim, false);
  reader.positive("llama.rope.dimension_count", ropeDim, false);
  if (Error err = reader.takeError())
    return std::move(err);
  if (valueDim != config.headDim)
    return fileError(path, "llama.attention.value_length " + Twine(valueDim) +
                               " differs from the key length " + Twine(config.headDim) +
                               " (not supported)");
  if (ropeDim < config.headDim)
    return fileError(path, "partial rotary not supported: llama.rope.dimension_count " +
                               Twine(ropeDim) + " is smaller than the head size " +
                               Twine(config.headDim));
  if (ropeDim > config.headDim)
    return fileError(path, "llama.rope.dimension_count " + Twine(ropeDim) +
                               " is larger than the head size " + Twine(config.headDim));
  if (config.headDim % 2 != 0)
    return fileError(path, "the head size " + Twine(config.headDim) +
                               " must be even (RoPE rotates pairs)");
  if (config.numKVHeads > config.numHeads || config.numHeads % config.numKVHeads != 0)
    return fileError(path, "llama.attention.head_count_kv " + Twine(config.numKVHeads) +
                               " must divide llama.attention.head_count " +
                               Twine(config.numHeads));
  if (config.numHeads * config.headDim > kMaxDimension)
    return fileError(path, "llama.attention.head_count * head size is too large");
  if (Error err = readRopeScaling(reader, file, path, config))
    return std::move(err);

  // The vocabulary size: llama.vocab_size, else the number of tokens.
  const GGUFValue *tokens = file.lookup("tokenizer.ggml.tokens");
  if (tokens && tokens->type == GGUFType::Array)
    config.vocabSize = int64_t(std::min<uint64_t>(tokens->count, uint64_t(kMaxDimension) + 1));
  reader.positive("llama.vocab_size", config.vocabSize, !tokens);
  if (Error err = reader.takeError())
    return std::move(err);
  if (config.vocabSize <= 0 || config.vocabSize > kMaxDimension)
    return fileError(path, "the vocabulary must hold 1 to " + Twine(kMaxDimension) + " tokens");
  // SentencePiece vocabularies default to llama.cpp's <s> = 1, </s> = 2.
  std::optional<StringRef> tokenizer = reader.string("tokenizer.ggml.model", false);
  if (tokenizer && *tokenizer == "llama" && config.vocabSize > 2) {
    config.bosTokenId = 1;
    config.eosTokenId = 2;
  }
  reader.tokenId("tokenizer.ggml.bos_token_id", config.vocabSize, config.bosTokenId);
  reader.tokenId("tokenizer.ggml.eos_token_id", config.vocabSize, config.eosTokenId);
  if (Error err = reader.takeError())
    return std::move(err);
  return config;
}

/// The vocabulary of a tokenizer.ggml.model "llama" (SentencePiece) file.
llvm::Expected<Vocabulary> readVocabulary(const GGUFFile &file, StringRef path,
                                          const ModelConfig &config) {
  const GGUFValue *tokensValue = file.lookup("tokenizer.ggml.tokens");
  std::optional<std::vector<StringRef>> tokens;
  if (tokensValue)
    tokens = tokensValue->asStrings();
  if (!tokens)
    return fileError(path, "tokenizer.ggml.model is 'llama' but 'tokenizer.ggml.tokens' is " +
                               (tokensValue ? MetadataReader::describe(*tokensValue)
                                            : std::string("missing")) +
                               ", not an array of strings");
  if (int64_t(tokens->size()) != config.vocabSize)
    return fileError(path, "'tokenizer.ggml.tokens' has " + Twine(tokens->size()) +
                               " entries but llama.vocab_size is " + Twine(config.vocabSize));
  MetadataReader reader(file, path);
  const GGUFValue *scores = reader.numberArray("tokenizer.ggml.scores", tokens->size());
  const GGUFValue *types = reader.numberArray("tokenizer.ggml.token_type", tokens->size());
  Vocabulary vocab;
  vocab.bosId = config.bosTokenId;
  vocab.eosId = config.eosTokenId;
  bool addSpacePrefix = true;
  reader.boolean("tokenizer.ggml.add_space_prefix", addSpacePrefix);
  vocab.dummyPrefix =
      addSpacePrefix ? Vocabulary::DummyPrefix::Always : Vocabulary::DummyPrefix::None;
  if (Error err = reader.takeError())
    return std::move(err);

  vocab.pieces.reserve(tokens->size());
  for (size_t id = 0; id < tokens->size(); ++id) {
    Vocabulary::Piece piece;
    piece.text = unescapeSentencePieceSpaces((*tokens)[id]);
    if (scores) {
      piece.score = float(*scores->element(id).asNumber());
    }
    if (types) {
      // llama.cpp's token types: 0 undefined, 1 normal, 2 unknown, 3 control, 4 user-defined,
      // 5 unused, 6 byte.
      std::optional<int64_t> type = types->element(id).asInteger();
      switch (type.value_or(-1)) {
      case 0:
      case 1:
      case 4:
        piece.type = Vocabulary::TokenType::Normal;
        break;
      case 2:
        piece.type = Vocabulary::TokenType::Unknown;
        break;
      case 3:
      case 5:
        piece.type = Vocabulary::TokenType::Control;
        break;
      case 6:
        piece.type = Vocabulary::TokenType::Byte;
        break;
      default:
        return fileError(path, "token " + Twine(id) + " has type " +
                                   Twine(type.value_or(-1)) +
                                   " in 'tokenizer.ggml.token_type' (GGUF defines 0 to 6)");
      }
    }
    vocab.pieces.push_back(std::move(piece));
  }
  if (Error err = checkVocabulary(vocab, path))
    return std::move(err);
  return vocab;
}

/// The vocabulary of a tokenizer.ggml.model "gpt2" (byte-level BPE) file with Llama 3's
/// pre-tokenizer (tokenizer.ggml.pre "llama-bpe"); other pre-tokenizers are unsupported.
llvm::Expected<Vocabulary> readByteLevelVocabulary(const GGUFFile &file, StringRef path,
                                                   const ModelConfig &config) {
  MetadataReader reader(file, path);
  std::optional<StringRef> pre = reader.string("tokenizer.ggml.pre", false);
  if (Error err = reader.takeError())
    return std::move(err);
  if (!pre)
    return unsupportedTokenizer(path, "tokenizer.ggml.model 'gpt2' without tokenizer.ggml.pre "
                                      "(GPT-2's pre-tokenizer) is not supported (llmc "
                                      "implements 'llama-bpe', Llama 3's)");
  if (*pre != "llama-bpe")
    return unsupportedTokenizer(path, "tokenizer.ggml.pre '" + *pre +
                                          "' is not supported (llmc implements 'llama-bpe', "
                                          "Llama 3's)");
  auto strings = [&](StringRef key) -> llvm::Expected<std::vector<StringRef>> {
    const GGUFValue *value = file.lookup(key);
    std::optional<std::vector<StringRef>> list;
    if (value)
      list = value->asStrings();
    if (!list)
      return fileError(path, "tokenizer.ggml.model is 'gpt2' but '" + key + "' is " +
                                 (value ? MetadataReader::describe(*value)
                                        : std::string("missing")) +
                                 ", not an array of strings");
    return *list;
  };
  llvm::Expected<std::vector<StringRef>> tokens = strings("tokenizer.ggml.tokens");
  if (!tokens)
    return tokens.takeError();
  llvm::Expected<std::vector<StringRef>> merges = strings("tokenizer.ggml.merges");
  if (!merges)
    return merges.takeError();
  if (int64_t(tokens->size()) != config.vocabSize)
    return fileError(path, "'tokenizer.ggml.tokens' has " + Twine(tokens->size()) +
                               " entries but llama.vocab_size is " + Twine(config.vocabSize));
  const GGUFValue *types = reader.numberArray("tokenizer.ggml.token_type", tokens->size());
  if (Error err = reader.takeError())
    return std::move(err);

  Vocabulary vocab;
  llvm::StringMap<uint32_t> ids;
  for (size_t id = 0; id < tokens->size(); ++id) {
    StringRef token = (*tokens)[id];
    ids.try_emplace(token, uint32_t(id));
    Vocabulary::Piece piece;
    // llama.cpp's token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    int64_t type = types ? types->element(id).asInteger().value_or(-1) : 1;
    if (type == 2 || type == 3 || type == 5) {
      piece.text = token.str();
      piece.type = type == 2 ? Vocabulary::TokenType::Unknown : Vocabulary::TokenType::Control;
    } else if (type == 0 || type == 1) {
      std::optional<std::string> bytes = decodeByteLevel(token);
      if (!bytes)
        return fileError(path, "token " + Twine(id) + " '" + token +
                                   "' is not in GPT-2's byte-level alphabet");
      piece.text = std::move(*bytes);
    } else {
      return unsupportedTokenizer(path, "token " + Twine(id) + " has type " + Twine(type) +
                                            " in 'tokenizer.ggml.token_type', which llmc does "
                                            "not implement for 'gpt2' vocabularies");
    }
    vocab.pieces.push_back(std::move(piece));
  }
  for (size_t rank = 0; rank < merges->size(); ++rank) {
    auto [left, right] = (*merges)[rank].split(' ');
    llvm::Expected<Vocabulary::Merge> merge = resolveMerge(left, right, rank, ids, path);
    if (!merge)
      return merge.takeError();
    vocab.merges.push_back(*merge);
  }
  if (Error err = checkMergesDistinct(vocab.merges, path))
    return std::move(err);
  useLlama3ByteLevel(vocab);
  vocab.wholePieces = true; // llama.cpp ignores merges for 'llama-bpe' words in the vocabulary
  vocab.bosId = config.bosTokenId;
  vocab.eosId = config.eosTokenId;
  return vocab;
}

/// Finds llama3 RoPE scaling parameters that reproduce `factors`, the per-frequency divisors of
/// rope_freqs.weight (llama.cpp's converter computes them from the parameters, which it does not
/// store). Only ratios of original_max_positions, low_freq_factor and high_freq_factor matter, so
/// original_max_positions is fixed at Llama 3's 8192 and the two factors are solved for from the
/// bands: divisor 1 (high frequencies), the largest divisor = `factor` (low frequencies), and the
/// smoothed ones in between, whose blend weight is linear in the frequency. The result is checked
/// by recomputing every divisor as the compiler does (llm.rope).
std::optional<RopeScaling> fitLlama3Scaling(llvm::ArrayRef<float> factors, double theta,
                                            int64_t headDim) {
  constexpr int64_t kOriginal = 8192;
  size_t n = factors.size();
  double big = *std::max_element(factors.begin(), factors.end());
  if (!(big > 1.0) || !std::isfinite(big))
    return std::nullopt;
  // x_j = original / wavelength_j, decreasing in j; band edges are x = high and x = low.
  std::vector<double> x(n);
  for (size_t j = 0; j < n; ++j)
    x[j] = double(kOriginal) / (2.0 * M_PI * std::pow(theta, double(2 * j) / double(headDim)));
  // Bands in order: ones, smoothed, then `big`.
  size_t firstSmoothed = 0;
  while (firstSmoothed < n && factors[firstSmoothed] == 1.0f)
    ++firstSmoothed;
  size_t firstBig = firstSmoothed;
  while (firstBig < n && factors[firstBig] != float(big))
    ++firstBig;
  for (size_t j = firstBig; j < n; ++j)
    if (factors[j] != float(big))
      return std::nullopt;
  // The blend weight s of a smoothed divisor f: 1/f = (1 - s) / big + s.
  auto weight = [&](size_t j) { return (1.0 / factors[j] - 1.0 / big) / (1.0 - 1.0 / big); };
  double bigEdge = firstBig < n ? x[firstBig] : 0.0;                          // low > this
  double oneEdge = firstSmoothed > 0 ? x[firstSmoothed - 1] : HUGE_VAL;       // high < this
  double low, high;
  size_t smoothed = firstBig - firstSmoothed;
  if (smoothed >= 2) {
    size_t a = firstSmoothed, b = firstBig - 1;
    double slope = (weight(a) - weight(b)) / (x[a] - x[b]);
    if (!(slope > 0))
      return std::nullopt;
    low = x[a] - weight(a) / slope;
    high = low + 1.0 / slope;
  } else if (smoothed == 1) {
    double s = weight(firstSmoothed), at = x[firstSmoothed];
    double room = std::min(at - bigEdge, oneEdge - at) / 2;
    low = at - s * room;
    high = at + (1 - s) * room;
  } else {
    double top = std::isfinite(oneEdge) ? oneEdge : 4 * bigEdge;
    low = bigEdge + (top - bigEdge) / 3;
    high = bigEdge + 2 * (top - bigEdge) / 3;
  }
  if (!(low > 0) || !(high > low) || !std::isfinite(high))
    return std::nullopt;
  RopeScaling scaling;
  scaling.kind = RopeScaling::Kind::Llama3;
  scaling.factor = big;
  scaling.lowFreqFactor = low;
  scaling.highFreqFactor = high;
  scaling.originalMaxPositions = kOriginal;
  // Recompute as llm.rope does and compare.
  for (size_t j = 0; j < n; ++j) {
    double freq = 1.0 / std::pow(theta, double(2 * j) / double(headDim));
    double wavelength = 2.0 * M_PI / freq, scaled = freq;
    if (wavelength > kOriginal / low) {
      scaled = freq / big;
    } else if (wavelength >= kOriginal / high) {
      double s = (kOriginal / wavelength - low) / (high - low);
      scaled = (1.0 - s) * freq / big + s * freq;
    }
    if (!(std::fabs(freq / scaled - factors[j]) <= 1e-5 * factors[j]))
      return std::nullopt;
  }
  return scaling;
}

/// rope_freqs.weight: llama3-style per-frequency RoPE divisors. All ones is no scaling; others
/// become llama3 scaling parameters when some reproduce them (fitLlama3Scaling).
Error readRopeFreqs(const GGUFTensorInfo &tensor, StringRef bytes, StringRef path,
                    ModelConfig &config) {
  int64_t half = config.headDim / 2;
  if (tensor.dtype != DType::F32 || tensor.shape != std::vector<int64_t>{half})
    return fileError(path, "tensor 'rope_freqs.weight' is " + dtypeName(tensor.dtype) + " " +
                               formatShape(tensor.shape) + "; expected f32 [" + Twine(half) +
                               "] (one RoPE factor per frequency)");
  std::vector<float> factors(half);
  bool allOnes = true;
  for (int64_t i = 0; i < half; ++i) {
    uint32_t bits = llvm::support::endian::read32le(bytes.data() + tensor.offset + 4 * i);
    std::memcpy(&factors[i], &bits, sizeof(float));
    allOnes &= factors[i] == 1.0f;
  }
  if (allOnes)
    return Error::success();
  if (config.ropeScaling.kind != RopeScaling::Kind::None)
    return fileError(path, "both llama.rope.scaling.type and per-frequency RoPE factors "
                           "(rope_freqs.weight)");
  std::optional<RopeScaling> scaling = fitLlama3Scaling(factors, config.ropeTheta, config.headDim);
  if (!scaling)
    return fileError(path, "the per-frequency RoPE factors in tensor 'rope_freqs.weight' are not "
                           "llama3-style scaling; other per-frequency scaling is not supported");
  config.ropeScaling = *scaling;
  return Error::success();
}

/// "GGUF v3 (F32, Q4_0)": the version and the tensor types present.
std::string describe(const GGUFFile &file) {
  std::set<std::string> types;
  for (const GGUFTensorInfo &tensor : file.tensors)
    types.insert(ggmlTypeName(tensor.ggmlType).str());
  std::string text = "GGUF v" + std::to_string(file.version) + " (";
  for (const std::string &type : types)
    text += (text.back() == '(' ? "" : ", ") + type;
  return text + ")";
}

} // namespace

llvm::Expected<ImportedModel> llmc::readGGUFModel(std::shared_ptr<llvm::MemoryBuffer> buffer,
                                                  StringRef path) {
  llvm::Expected<GGUFFile> file = parseGGUF(buffer->getMemBufferRef(), path);
  if (!file)
    return file.takeError();
  ImportedModel model;
  llvm::Expected<ModelConfig> config = readConfig(*file, path);
  if (!config)
    return config.takeError();
  model.config = *config;
  ModelConfig &c = model.config;
  // Each layer has 9 tensors; refusing early keeps a corrupt block_count from costing a
  // tensor table of that many layers.
  if (uint64_t(c.numLayers) > file->tensors.size() / 9)
    return fileError(path, "llama.block_count " + Twine(c.numLayers) + " needs at least " +
                               Twine(9 * c.numLayers) + " tensors but the file has " +
                               Twine(file->tensors.size()));

  // Canonical names; biases switch on attention_bias / mlp_bias, a missing output.weight means
  // lm_head shares the embedding.
  llvm::StringMap<const GGUFTensorInfo *> byCanonical;
  for (const GGUFTensorInfo &tensor : file->tensors) {
    if (tensor.name == "rope_freqs.weight") {
      if (Error err = readRopeFreqs(tensor, buffer->getBuffer(), path, c))
        return std::move(err);
      continue;
    }
    std::optional<std::string> canonical = canonicalNameFrom(kGGUFNaming, tensor.name);
    if (!canonical)
      return fileError(path, "unexpected tensor '" + tensor.name +
                                 "' (not a tensor of a llama model)");
    StringRef name = *canonical;
    if (name.ends_with(".bias")) {
      bool attention = name.contains(".q_proj") || name.contains(".k_proj") ||
                       name.contains(".v_proj") || name.contains(".o_proj");
      (attention ? c.attentionBias : c.mlpBias) = true;
    }
    byCanonical[name] = &tensor;
  }
  c.tieWordEmbeddings = !byCanonical.count("lm_head");

  // Canonical order first, leftovers (that verifyLlamaWeights reports) after, sorted.
  for (const std::string &name : inCanonicalOrder(c, byCanonical)) {
    const GGUFTensorInfo &tensor = *byCanonical[name];
    if (Error err = model.weights.addMapped(name, tensor.dtype, tensor.shape, buffer,
                                            tensor.offset, path))
      return std::move(err);
  }
  if (Error err = verifyLlamaWeights(c, model.weights, path, [](StringRef name) {
        return nameFromCanonical(kGGUFNaming, name);
      }))
    return std::move(err);

  if (Error err = permuteInterleavedRope(c, model.weights))
    return std::move(err);

  std::optional<StringRef> tokenizerModel;
  if (const GGUFValue *value = file->lookup("tokenizer.ggml.model"))
    tokenizerModel = value->asString();
  if (tokenizerModel && *tokenizerModel == "llama") {
    llvm::Expected<Vocabulary> vocab = readVocabulary(*file, path, c);
    if (!vocab)
      return vocab.takeError();
    model.vocabulary = std::move(*vocab);
  } else if (tokenizerModel && *tokenizerModel == "gpt2") {
    llvm::Expected<std::optional<Vocabulary>> vocab =
        unlessUnsupported(readByteLevelVocabulary(*file, path, c), &model.unreadTokenizer);
    if (!vocab)
      return vocab.takeError();
    if (*vocab)
      model.vocabulary = std::move(**vocab);
  } else if (tokenizerModel) {
    model.unreadTokenizer = (path + ": tokenizer.ggml.model '" + *tokenizerModel +
                             "' is not supported (llmc reads 'llama' and 'gpt2')")
                                .str();
  }
  if (const GGUFValue *value = file->lookup("tokenizer.chat_template")) {
    std::optional<StringRef> text = value->asString();
    if (!text)
      return fileError(path, "'tokenizer.chat_template' must be a string");
    model.chatTemplateText = text->str();
    model.chatTemplateSource = (path + ": tokenizer.chat_template").str();
  }
  model.sourceDescription = describe(*file);
  return model;
}
