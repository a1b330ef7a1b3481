//===- MetaImport.cpp - Meta's original checkpoint folder -----------------===//
//
// params.json, consolidated.NN.pth (torch.save zips, one per model-parallel rank) and
// tokenizer.model, as Meta ships Llama 2 and Llama 3. Every tensor is mapped where it lies;
// with several shards, each tensor that Meta's model-parallel layers split is recorded as its
// pieces joined along the split dimension, which the WeightStore assembles when it reads that
// tensor (so compiling a sharded checkpoint needs one tensor's memory more, not the model's).
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/Importer.h"
#include "compiler/Importer/ImporterUtil.h"
#include "compiler/Importer/LlamaLayout.h"
#include "compiler/Importer/MetaParams.h"
#include "compiler/Importer/StoredZip.h"
#include "compiler/Importer/TokenizerFiles.h"
#include "compiler/Importer/TorchPickle.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <set>

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// Meta's names (llama/model.py): feed_forward.w1 is the gate, w3 the up and w2 the down
/// projection.
constexpr TensorNaming kMetaNaming = {
    "tok_embeddings.weight",
    "norm.weight",
    "output.weight",
    "layers.",
    {"attention_norm", "attention.wq", "attention.wk", "attention.wv", "attention.wo",
     "ffn_norm", "feed_forward.w1", "feed_forward.w3", "feed_forward.w2"},
};

/// The consolidated.NN.pth files of `folder`, NN = 00, 01, ... without gaps.
llvm::Expected<std::vector<std::string>> findShards(StringRef folder) {
  std::set<std::string> names;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(folder, ec), end; it != end && !ec;
       it.increment(ec)) {
    StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with("consolidated.") && name.ends_with(".pth"))
      names.insert(name.str());
  }
  if (ec)
    return fileError(folder, "cannot list the folder: " + ec.message());
  if (names.empty())
    return fileError(folder, "has params.json but no consolidated.00.pth");
  std::vector<std::string> shards;
  for (size_t rank = 0; rank < names.size(); ++rank) {
    char expected[32];
    snprintf(expected, sizeof expected, "consolidated.%02zu.pth", rank);
    if (!names.count(expected))
      return fileError(folder, "has " + Twine(names.size()) + " consolidated.*.pth files but no " +
                                   expected + " (shards are numbered from 00 without gaps)");
    shards.push_back(pathIn(folder, expected));
  }
  return shards;
}

/// One shard's piece of a tensor, mapped where it lies.
struct ShardTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::shared_ptr<llvm::MemoryBuffer> file;
  uint64_t offset = 0;
  std::string path;

  uint64_t bytes() const {
    uint64_t n = dtypeSize(dtype);
    for (int64_t d : shape)
      n *= uint64_t(d);
    return n;
  }
  StringRef data() const { return file->getBuffer().substr(offset, bytes()); }
};

/// Whether `stride` is the row-major stride of `shape` (dimensions of size 1 may have any).
/// Unsigned, so that a hostile shape wraps instead of overflowing; its size is checked after.
bool isContiguous(const TorchTensor &t) {
  uint64_t expected = 1;
  for (size_t i = t.shape.size(); i-- > 0;) {
    if (t.shape[i] != 1 && uint64_t(t.stride[i]) != expected)
      return false;
    expected *= uint64_t(t.shape[i]);
  }
  return true;
}

/// Reads one consolidated.NN.pth: its state dict, each tensor checked against the storage it
/// reads and collected under its canonical name.
Error readShard(StringRef path, llvm::StringMap<ShardTensor> &out) {
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> file = mapFile(path);
  if (!file)
    return file.takeError();
  StringRef bytes = (*file)->getBuffer();
  llvm::Expected<std::vector<ZipEntry>> entries = readStoredZip(bytes, path);
  if (!entries)
    return entries.takeError();
  // torch.save puts everything under one folder named after the file: "<archive>/data.pkl".
  const ZipEntry *pickle = nullptr;
  llvm::StringMap<const ZipEntry *> byName;
  for (const ZipEntry &entry : *entries) {
    byName[entry.name] = &entry;
    StringRef name = entry.name;
    if (name.ends_with("/data.pkl") && name.count('/') == 1)
      pickle = &entry;
  }
  if (!pickle)
    return fileError(path, "has no <archive>/data.pkl (not a torch.save checkpoint)");
  StringRef prefix = StringRef(pickle->name).drop_back(strlen("data.pkl"));
  auto order = byName.find((prefix + "byteorder").str());
  if (order != byName.end() &&
      bytes.substr(order->second->offset, order->second->size) != "little")
    return fileError(path, "was saved big-endian (" + prefix + "byteorder)");

  llvm::Expected<std::vector<TorchTensor>> tensors =
      readTorchStateDict(bytes.substr(pickle->offset, pickle->size), path);
  if (!tensors)
    return tensors.takeError();
  for (const TorchTensor &t : *tensors) {
    // Llama 2 saves its RoPE frequencies; llmc computes them.
    if (t.name == "rope.freqs")
      continue;
    std::optional<std::string> canonical = canonicalNameFrom(kMetaNaming, t.name);
    if (!canonical)
      return fileError(path, "unexpected tensor '" + t.name + "' (not a tensor of Meta's Llama)");
    auto storage = byName.find((prefix + "data/" + t.storageKey).str());
    if (storage == byName.end())
      return fileError(path, "tensor '" + t.name + "' reads storage '" + t.storageKey +
                                 "', which the archive lacks");
    uint64_t elementSize = dtypeSize(t.dtype), storageBytes = 0, elements = 1, end = 0;
    if (!checkedMul(t.storageNumel, elementSize, storageBytes) ||
        storageBytes > storage->second->size)
      return fileError(path, "storage '" + t.storageKey + "' is " +
                                 Twine(storage->second->size) + " bytes, fewer than its " +
                                 Twine(t.storageNumel) + " elements of " + dtypeName(t.dtype) +
                                 " need");
    if (!isContiguous(t))
      return fileError(path, "tensor '" + t.name +
                                 "' is not contiguous (strides " + formatShape(t.stride) +
                                 " for shape " + formatShape(t.shape) +
                                 "); llmc maps tensors as they lie");
    bool fits = true;
    for (int64_t d : t.shape)
      fits = fits && checkedMul(elements, uint64_t(d), elements);
    if (!fits || !checkedAdd(t.storageOffset, elements, end) || end > t.storageNumel)
      return fileError(path, "tensor '" + t.name + "' " + formatShape(t.shape) +
                                 " at element " + Twine(t.storageOffset) +
                                 " reaches past its storage '" + t.storageKey + "' of " +
                                 Twine(t.storageNumel) + " elements");
    if (out.count(*canonical))
      return fileError(path, "has tensor '" + t.name + "' twice");
    out[*canonical] = {t.dtype, t.shape, *file,
                       storage->second->offset + t.storageOffset * elementSize, path.str()};
  }
  return Error::success();
}

/// Along which dimension Meta's model-parallel code splits a tensor: -1 replicated (norms), 0
/// column-parallel (wq, wk, wv, w1, w3, output; Llama 3's VocabParallelEmbedding), 1
/// row-parallel (wo, w2; Llama 2's ParallelEmbedding splits the embedding dimension).
int splitDimension(StringRef canonical, const ShardTensor &piece, const ModelConfig &config) {
  if (canonical.ends_with("norm"))
    return -1;
  if (canonical.ends_with("o_proj") || canonical.ends_with("down_proj"))
    return 1;
  if (canonical == "embed_tokens")
    return piece.shape.size() == 2 && piece.shape[1] == config.hiddenSize ? 0 : 1;
  return 0;
}

/// A tensor as the shards hold it: one piece per shard, joined along `dim` (-1: the pieces are
/// copies, and the first is the tensor).
struct JoinedTensor {
  std::vector<const ShardTensor *> pieces;
  int dim = -1;

  /// The shape of the whole tensor.
  std::vector<int64_t> shape() const {
    std::vector<int64_t> shape = pieces[0]->shape;
    if (dim >= 0)
      shape[dim] *= int64_t(pieces.size());
    return shape;
  }
};

/// Checks that the pieces of `canonical` can be joined along `dim`: the same dtype and shape,
/// replicated ones the same bytes, split ones matrices.
Error checkPieces(StringRef canonical, const JoinedTensor &t) {
  const ShardTensor &first = *t.pieces[0];
  std::string name = nameFromCanonical(kMetaNaming, canonical);
  for (const ShardTensor *piece : t.pieces) {
    if (piece->dtype != first.dtype || piece->shape != first.shape)
      return fileError(piece->path, "tensor '" + name + "' is " + dtypeName(piece->dtype) +
                                        " " + formatShape(piece->shape) + " but " + first.path +
                                        " has it " + dtypeName(first.dtype) + " " +
                                        formatShape(first.shape));
    if (t.dim < 0 && piece->data() != first.data())
      return fileError(piece->path, "tensor '" + name + "' differs from " + first.path +
                                        "'s, but every shard holds the same copy");
  }
  if (t.dim >= 0 && first.shape.size() != 2)
    return fileError(first.path, "tensor '" + name + "' has shape " +
                                     formatShape(first.shape) +
                                     ", not a matrix to join across shards");
  return Error::success();
}

/// Adds `t` to `weights`: mapped where it lies, or joined from its pieces (lazily: the
/// WeightStore assembles a joined tensor when it reads it).
Error addTensor(WeightStore &weights, StringRef canonical, const JoinedTensor &t) {
  const ShardTensor &first = *t.pieces[0];
  if (t.dim < 0)
    return weights.addMapped(canonical, first.dtype, first.shape, first.file, first.offset,
                             first.path);
  std::vector<WeightPart> parts;
  for (const ShardTensor *piece : t.pieces)
    parts.push_back({piece->file, piece->offset});
  return weights.addJoined(canonical, first.dtype, first.shape, t.dim, std::move(parts),
                           first.path + " (joined with " + Twine(t.pieces.size() - 1).str() +
                               " more shards)");
}

} // namespace

llvm::Expected<ImportedModel> llmc::importMetaFolder(StringRef folder) {
  std::string paramsPath = pathIn(folder, "params.json");
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>> paramsFile = mapFile(paramsPath);
  if (!paramsFile)
    return paramsFile.takeError();
  int64_t vocabFromParams = -1;
  llvm::Expected<ModelConfig> config =
      parseMetaParams((*paramsFile)->getBuffer(), paramsPath, vocabFromParams);
  if (!config)
    return config.takeError();
  ImportedModel model;
  model.config = *config;
  ModelConfig &c = model.config;

  llvm::Expected<std::vector<std::string>> shards = findShards(folder);
  if (!shards)
    return shards.takeError();
  std::vector<llvm::StringMap<ShardTensor>> perShard(shards->size());
  for (size_t i = 0; i < shards->size(); ++i)
    if (Error err = readShard((*shards)[i], perShard[i]))
      return std::move(err);

  // Every shard holds the same tensors; join each across them.
  llvm::StringMap<JoinedTensor> tensors;
  for (const auto &entry : perShard[0]) {
    JoinedTensor &t = tensors[entry.getKey()];
    for (size_t i = 0; i < perShard.size(); ++i) {
      auto it = perShard[i].find(entry.getKey());
      if (it == perShard[i].end())
        return fileError((*shards)[i],
                         "lacks tensor '" + nameFromCanonical(kMetaNaming, entry.getKey()) +
                             "' that " + (*shards)[0] + " has");
      t.pieces.push_back(&it->second);
    }
    t.dim = t.pieces.size() == 1 ? -1 : splitDimension(entry.getKey(), entry.getValue(), c);
    if (Error err = checkPieces(entry.getKey(), t))
      return std::move(err);
  }
  for (size_t i = 1; i < perShard.size(); ++i)
    for (const auto &entry : perShard[i])
      if (!perShard[0].count(entry.getKey()))
        return fileError((*shards)[i],
                         "has tensor '" + nameFromCanonical(kMetaNaming, entry.getKey()) +
                             "' that " + (*shards)[0] + " lacks");

  // vocab_size -1: Meta's code takes it from the tokenizer; the embedding says the same.
  auto embedding = tensors.find("embed_tokens");
  if (vocabFromParams > 0)
    c.vocabSize = vocabFromParams;
  else if (embedding != tensors.end() && !embedding->second.pieces[0]->shape.empty())
    c.vocabSize = embedding->second.shape()[0];

  for (const std::string &name : inCanonicalOrder(c, tensors))
    if (Error err = addTensor(model.weights, name, tensors[name]))
      return std::move(err);
  if (Error err = verifyLlamaWeights(c, model.weights, folder, [](StringRef name) {
        return nameFromCanonical(kMetaNaming, name);
      }))
    return fileError(paramsPath, "disagrees with the checkpoint: " + toString(std::move(err)));
  if (Error err = permuteInterleavedRope(c, model.weights))
    return std::move(err);
  model.sourceDescription = describeWeights("Meta checkpoint", shards->size(), model.weights);

  std::string tokenizerPath = pathIn(folder, "tokenizer.model");
  if (llvm::sys::fs::exists(tokenizerPath)) {
    llvm::Expected<Vocabulary> vocab = readTokenizerModel(tokenizerPath);
    if (!vocab)
      return vocab.takeError();
    if (Error err = checkVocabularySize(*vocab, c, tokenizerPath, "the checkpoint's embedding"))
      return std::move(err);
    c.bosTokenId = vocab->bosId;
    c.eosTokenId = vocab->eosId;
    model.vocabulary = std::move(*vocab);
  }
  return model;
}
