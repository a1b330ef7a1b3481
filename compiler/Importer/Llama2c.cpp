//===- Llama2c.cpp - llama2.c checkpoints and tokenizer.bin ---------------===//

#include "compiler/Importer/Llama2c.h"
#include "compiler/Importer/Importer.h"
#include "compiler/Importer/ImporterUtil.h"
#include "compiler/Importer/LlamaLayout.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

#include "llvm/Support/Endian.h"

#include <cmath>
#include <cstring>

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// "ak42" as a little-endian uint32: the magic of llama2.c version >= 1 checkpoints.
constexpr uint32_t kMagic = 0x616b3432;
/// Size of the version >= 1 header.
constexpr uint64_t kVersion1HeaderSize = 256;

/// The hyper-parameters in a checkpoint's header.
struct Header {
  int version = 0;
  int32_t dim = 0, hiddenDim = 0, numLayers = 0, numHeads = 0, numKVHeads = 0, vocabSize = 0,
          seqLen = 0;
  bool sharedClassifier = true;
  uint64_t weightsOffset = 0;

  std::string describe() const {
    return "dim " + std::to_string(dim) + ", hidden_dim " + std::to_string(hiddenDim) +
           ", n_layers " + std::to_string(numLayers) + ", n_heads " + std::to_string(numHeads) +
           ", n_kv_heads " + std::to_string(numKVHeads) + ", vocab_size " +
           std::to_string(vocabSize) + ", seq_len " + std::to_string(seqLen);
  }
};

int32_t readI32(const char *p) { return int32_t(llvm::support::endian::read32le(p)); }

/// Reads and checks the header (either version).
llvm::Expected<Header> readHeader(StringRef bytes, StringRef path) {
  Header h;
  if (bytes.size() < 28)
    return fileError(path, "file is " + Twine(bytes.size()) +
                               " bytes, too small for a llama2.c checkpoint header");
  const char *p = bytes.data();
  if (llvm::support::endian::read32le(p) == kMagic) {
    if (bytes.size() < kVersion1HeaderSize)
      return fileError(path, "file is " + Twine(bytes.size()) +
                                 " bytes, too small for a llama2.c version 1 header (256 bytes)");
    h.version = readI32(p + 4);
    if (h.version != 1)
      return fileError(path, "llama2.c checkpoint version " + Twine(h.version) +
                                 " is not supported (llmc reads versions 0 and 1)");
    p += 8;
  }
  int32_t fields[7];
  for (int i = 0; i < 7; ++i)
    fields[i] = readI32(p + 4 * i);
  h.dim = fields[0];
  h.hiddenDim = fields[1];
  h.numLayers = fields[2];
  h.numHeads = fields[3];
  h.numKVHeads = fields[4];
  h.vocabSize = fields[5];
  h.seqLen = fields[6];
  if (h.version == 0) {
    // Legacy files say "separate classifier" with a negative vocab_size.
    h.sharedClassifier = h.vocabSize > 0;
    if (h.vocabSize < 0 && h.vocabSize != INT32_MIN)
      h.vocabSize = -h.vocabSize;
    h.weightsOffset = 28;
  } else {
    h.sharedClassifier = bytes[8 + 28] != 0;
    h.weightsOffset = kVersion1HeaderSize;
  }

  auto bad = [&](const Twine &why) {
    return fileError(path, "invalid llama2.c header (" + h.describe() + "): " + why);
  };
  if (h.dim <= 0 || h.hiddenDim <= 0 || h.numLayers <= 0 || h.numHeads <= 0 ||
      h.numKVHeads <= 0 || h.vocabSize <= 0 || h.seqLen <= 0)
    return bad("every field must be positive");
  if (h.vocabSize < 3)
    return bad("vocab_size must be at least 3 (tokens 0, 1, 2 are <unk>, <s>, </s>)");
  if (h.dim % h.numHeads != 0)
    return bad("dim is not a multiple of n_heads");
  if (h.numKVHeads > h.numHeads || h.numHeads % h.numKVHeads != 0)
    return bad("n_kv_heads must divide n_heads");
  if ((h.dim / h.numHeads) % 2 != 0)
    return bad("the head size dim / n_heads must be even (RoPE rotates pairs)");
  return h;
}

/// A run of tensors in the file: one per layer when perLayer, else one.
struct Section {
  StringRef name; ///< canonical name (per layer: the part after "layers.N."); empty = skipped
  bool perLayer;
  std::vector<int64_t> shape;
  int64_t permuteHeads = 0; ///< > 0: q/k rows of this many heads need the RoPE permutation
};

/// The sections of the weight data, in file order.
std::vector<Section> sections(const Header &h) {
  int64_t dim = h.dim, hidden = h.hiddenDim, vocab = h.vocabSize;
  int64_t headSize = dim / h.numHeads, kvDim = int64_t(h.numKVHeads) * headSize;
  Section embed{"embed_tokens", false, {vocab, dim}};
  Section attnNorm{"input_norm", true, {dim}};
  Section ffnNorm{"post_attention_norm", true, {dim}};
  Section finalNorm{"norm", false, {dim}};
  Section projections[] = {
      {"q_proj", true, {dim, dim}, h.numHeads},
      {"k_proj", true, {kvDim, dim}, h.numKVHeads},
      {"v_proj", true, {kvDim, dim}},
      {"o_proj", true, {dim, dim}},
  };
  Section w1{"gate_proj", true, {hidden, dim}};
  Section w2{"down_proj", true, {dim, hidden}};
  Section w3{"up_proj", true, {hidden, dim}};
  Section freqCis{"", false, {int64_t(h.seqLen), headSize / 2}};
  Section classifier{"lm_head", false, {vocab, dim}};

  std::vector<Section> result;
  if (h.version == 0) {
    // token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final,
    // freq_cis_real, freq_cis_imag, [wcls].
    result = {embed, attnNorm};
    result.insert(result.end(), std::begin(projections), std::end(projections));
    result.insert(result.end(), {ffnNorm, w1, w2, w3, finalNorm, freqCis, freqCis});
  } else {
    // rms_att, rms_ffn, rms_final, token_embedding, wq, wk, wv, wo, w1, w2, w3, [wcls].
    result = {attnNorm, ffnNorm, finalNorm, embed};
    result.insert(result.end(), std::begin(projections), std::end(projections));
    result.insert(result.end(), {w1, w2, w3});
  }
  if (!h.sharedClassifier)
    result.push_back(classifier);
  return result;
}

/// Bytes of `section` in the file (all layers), or false on overflow.
bool sectionBytes(const Section &section, const Header &h, uint64_t &bytes) {
  bytes = 4;
  for (int64_t d : section.shape)
    if (!checkedMul(bytes, uint64_t(d), bytes))
      return false;
  return !section.perLayer || checkedMul(bytes, uint64_t(h.numLayers), bytes);
}

} // namespace

std::vector<int64_t> llmc::interleavedToRotateHalf(int64_t numHeads, int64_t headDim) {
  std::vector<int64_t> perm(numHeads * headDim);
  int64_t half = headDim / 2;
  for (int64_t h = 0; h < numHeads; ++h)
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t i = 0; i < half; ++i)
        perm[h * headDim + j * half + i] = h * headDim + 2 * i + j;
  return perm;
}

llvm::Expected<ImportedModel>
llmc::readLlama2cCheckpoint(std::shared_ptr<llvm::MemoryBuffer> file, StringRef path) {
  StringRef bytes = file->getBuffer();
  llvm::Expected<Header> header = readHeader(bytes, path);
  if (!header)
    return header.takeError();
  const Header &h = *header;

  // The file must be exactly header + weights.
  std::vector<Section> layout = sections(h);
  uint64_t needed = h.weightsOffset;
  bool overflow = false;
  for (const Section &section : layout) {
    uint64_t size;
    overflow |= !sectionBytes(section, h, size) || !checkedAdd(needed, size, needed);
  }
  if (overflow || needed != bytes.size())
    return fileError(path, "file is " + Twine(bytes.size()) +
                               " bytes but a llama2.c checkpoint with this header needs " +
                               (overflow ? std::string("more than 2^64")
                                         : std::to_string(needed)) +
                               " bytes (version " + Twine(h.version) + ": " + h.describe() +
                               ")");

  ImportedModel model;
  ModelConfig &c = model.config;
  c.hiddenSize = h.dim;
  c.intermediateSize = h.hiddenDim;
  c.numLayers = h.numLayers;
  c.numHeads = h.numHeads;
  c.numKVHeads = h.numKVHeads;
  c.headDim = h.dim / h.numHeads;
  c.vocabSize = h.vocabSize;
  c.maxPositions = h.seqLen;
  c.rmsNormEps = 1e-5;
  c.ropeTheta = 10000.0;
  c.tieWordEmbeddings = h.sharedClassifier;
  c.bosTokenId = 1;
  c.eosTokenId = 2;
  model.sourceDescription = "llama2.c checkpoint v" + std::to_string(h.version);

  // Where each tensor starts, then the tensors in canonical order (embed_tokens, the layers,
  // norm, lm_head) so that every importer fills the store the same way.
  llvm::StringMap<std::pair<uint64_t, const Section *>> located;
  uint64_t offset = h.weightsOffset;
  for (const Section &section : layout) {
    uint64_t size;
    sectionBytes(section, h, size);
    if (!section.name.empty()) {
      int64_t count = section.perLayer ? h.numLayers : 1;
      for (int64_t l = 0; l < count; ++l) {
        std::string name = section.perLayer
                               ? "layers." + std::to_string(l) + "." + section.name.str()
                               : section.name.str();
        located[name] = {offset + l * (size / count), &section};
      }
    }
    offset += size;
  }
  for (const ExpectedTensor &expected : llamaTensorLayout(c)) {
    auto [tensorOffset, section] = located.lookup(expected.name);
    if (!section)
      return fileError(path, "internal error: no data for tensor '" + expected.name + "'");
    if (Error err = model.weights.addMapped(expected.name, DType::F32, section->shape, file,
                                            tensorOffset, path))
      return std::move(err);
    if (section->permuteHeads)
      if (Error err = model.weights.permuteRows(
              expected.name, interleavedToRotateHalf(section->permuteHeads, c.headDim)))
        return std::move(err);
  }
  if (Error err = verifyLlamaWeights(c, model.weights, path))
    return std::move(err);
  return model;
}

llvm::Expected<Vocabulary> llmc::readLlama2cTokenizer(llvm::MemoryBufferRef buffer,
                                                      StringRef path, int64_t vocabSize) {
  StringRef bytes = buffer.getBuffer();
  if (bytes.size() < 4)
    return fileError(path, "file is " + Twine(bytes.size()) +
                               " bytes, too small for a llama2.c tokenizer");
  int32_t maxTokenLength = readI32(bytes.data());
  if (maxTokenLength <= 0)
    return fileError(path, "not a llama2.c tokenizer: max_token_length is " +
                               Twine(maxTokenLength));
  if (vocabSize <= 0)
    return fileError(path, "a vocabulary of " + Twine(vocabSize) + " tokens is impossible");

  Vocabulary vocab;
  vocab.bosId = 1;
  vocab.eosId = 2;
  vocab.dummyPrefix = Vocabulary::DummyPrefix::Always;
  // Each token takes at least 8 bytes; never reserve more than the file can hold.
  vocab.pieces.reserve(std::min<uint64_t>(vocabSize, bytes.size() / 8));
  uint64_t pos = 4;
  for (int64_t id = 0; id < vocabSize; ++id) {
    auto truncated = [&]() {
      return fileError(path, "file ends inside token " + Twine(id) + " of " + Twine(vocabSize) +
                                 " (the checkpoint's vocab_size)");
    };
    if (bytes.size() - pos < 8)
      return truncated();
    float score;
    uint32_t scoreBits = llvm::support::endian::read32le(bytes.data() + pos);
    std::memcpy(&score, &scoreBits, sizeof(score));
    int32_t length = readI32(bytes.data() + pos + 4);
    pos += 8;
    if (length < 0 || length > maxTokenLength)
      return fileError(path, "token " + Twine(id) + " has length " + Twine(length) +
                                 " outside [0, max_token_length " + Twine(maxTokenLength) +
                                 "]");
    if (bytes.size() - pos < uint64_t(length))
      return truncated();
    Vocabulary::Piece piece;
    piece.text = bytes.substr(pos, length).str();
    piece.score = score;
    pos += length;
    if (isBytePiece(piece.text))
      piece.type = Vocabulary::TokenType::Byte;
    else if (id == 0)
      piece.type = Vocabulary::TokenType::Unknown;
    else if (id == 1 || id == 2)
      piece.type = Vocabulary::TokenType::Control;
    vocab.pieces.push_back(std::move(piece));
  }
  if (pos != bytes.size())
    return fileError(path, Twine(bytes.size() - pos) + " bytes follow the last of the " +
                               Twine(vocabSize) +
                               " tokens the checkpoint's vocab_size implies: is this the "
                               "tokenizer of another model?");
  if (Error err = checkVocabulary(vocab, path))
    return std::move(err);
  return vocab;
}
