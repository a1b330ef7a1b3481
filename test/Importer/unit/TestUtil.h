//===- TestUtil.h - tiny model files for the importer tests ---------------===//
//
// Writers for small safetensors files, Hugging Face folders and llama2.c checkpoints, so that
// the tests need nothing but C++ (GGUF files: test/common/GGUFWriter.h), and the bundled
// stories260K's paths and sizes.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TEST_IMPORTER_UNIT_TESTUTIL_H
#define LLMC_TEST_IMPORTER_UNIT_TESTUTIL_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace llmc::test {

/// Fails the test unless `text` contains `part` (each evaluated once).
#define EXPECT_CONTAINS(text, part)                                                            \
  do {                                                                                         \
    std::string llmcText_ = (text), llmcPart_ = (part);                                        \
    EXPECT_NE(llmcText_.find(llmcPart_), std::string::npos)                                    \
        << "expected to find: " << llmcPart_ << "\n            in: " << llmcText_;           \
  } while (false)

/// The message of a failed Expected (and "" when it succeeded).
template <typename T> std::string errorOf(llvm::Expected<T> &value) {
  if (value)
    return "";
  return llvm::toString(value.takeError());
}
inline std::string errorOf(llvm::Error err) { return err ? llvm::toString(std::move(err)) : ""; }

/// A fresh folder, removed with its contents at the end of the test.
class TempDir {
public:
  TempDir() {
    std::error_code ec = llvm::sys::fs::createUniqueDirectory("llmc-importer-test", dir);
    EXPECT_FALSE(ec) << ec.message();
  }
  ~TempDir() { llvm::sys::fs::remove_directories(dir); }
  std::string path(llvm::StringRef name = "") const {
    llvm::SmallString<256> p(dir);
    if (!name.empty())
      llvm::sys::path::append(p, name);
    return std::string(p);
  }

private:
  llvm::SmallString<256> dir;
};

#ifdef LLMC_STORIES260K_DIR
/// The path of a file of models/stories260K.
inline std::string storiesFile(llvm::StringRef name) {
  llvm::SmallString<256> path(LLMC_STORIES260K_DIR);
  llvm::sys::path::append(path, name);
  return std::string(path);
}
#endif

/// The sizes of stories260K, the same in every format of it (stories260K.bin, .gguf).
inline void expectStories260KSizes(const ModelConfig &c) {
  EXPECT_EQ(c.hiddenSize, 64);
  EXPECT_EQ(c.intermediateSize, 172);
  EXPECT_EQ(c.numLayers, 5);
  EXPECT_EQ(c.numHeads, 8);
  EXPECT_EQ(c.numKVHeads, 4);
  EXPECT_EQ(c.headDim, 8);
  EXPECT_EQ(c.vocabSize, 512);
}

inline void writeFile(llvm::StringRef path, llvm::StringRef bytes) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  ASSERT_FALSE(ec) << ec.message();
  os << bytes;
}

template <typename T> void appendRaw(std::string &out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T)); // Tests run on little-endian hosts.
  out.append(bytes, sizeof(T));
}

/// Overwrites the bytes of a T at `offset`.
template <typename T> void patch(std::string &bytes, size_t offset, T value) {
  std::memcpy(&bytes[offset], &value, sizeof(T));
}

/// One tensor to put in a safetensors file.
struct TensorSpec {
  std::string name;
  std::string dtype; ///< "F32", "F16", "BF16", or anything else for error tests
  std::vector<int64_t> shape;
  std::string data;  ///< raw little-endian bytes
};

inline int64_t numel(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// `count` floats value(i), as F32, BF16 (truncated) or F16 (exact for small integers and
/// halves) bytes.
template <typename F> std::string encode(llvm::StringRef dtype, int64_t count, F value) {
  std::string out;
  for (int64_t i = 0; i < count; ++i) {
    float f = value(i);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    if (dtype == "F32") {
      appendRaw<uint32_t>(out, bits);
    } else if (dtype == "BF16") {
      appendRaw<uint16_t>(out, uint16_t(bits >> 16));
    } else { // F16 for normal values with <= 10 mantissa bits.
      uint32_t sign = (bits >> 16) & 0x8000;
      int32_t exponent = int32_t((bits >> 23) & 0xff) - 127 + 15;
      uint16_t half = f == 0 ? uint16_t(sign)
                             : uint16_t(sign | (uint32_t(exponent) << 10) |
                                        ((bits >> 13) & 0x3ff));
      appendRaw<uint16_t>(out, half);
    }
  }
  return out;
}

/// A safetensors file holding `tensors` back to back, in the given order.
inline std::string makeSafetensors(const std::vector<TensorSpec> &tensors,
                                   llvm::StringRef metadata = "{\"format\":\"pt\"}") {
  std::string header = "{";
  std::string data;
  if (!metadata.empty())
    header += "\"__metadata__\":" + metadata.str();
  for (const TensorSpec &t : tensors) {
    if (header.size() > 1)
      header += ",";
    header += "\"" + t.name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i)
      header += (i ? "," : "") + std::to_string(t.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(data.size()) + "," +
              std::to_string(data.size() + t.data.size()) + "]}";
    data += t.data;
  }
  header += "}";
  while (header.size() % 8)
    header += ' ';
  std::string file;
  appendRaw<uint64_t>(file, header.size());
  return file + header + data;
}

/// A safetensors file from a literal header and data section.
inline std::string rawSafetensors(llvm::StringRef header, llvm::StringRef data) {
  std::string file;
  appendRaw<uint64_t>(file, header.size());
  return file + header.str() + data.str();
}

/// Hyper-parameters of the tiny test Llama.
struct TinyLlama {
  int64_t hidden = 8, intermediate = 12, layers = 2, heads = 2, kvHeads = 1, vocab = 10;
  int64_t headDim() const { return hidden / heads; }
};

/// The Hugging Face tensors of `m` in `dtype`; element i of tensor k holds k + (i % 8) / 8,
/// exact in every dtype.
inline std::vector<TensorSpec> tinyLlamaTensors(const TinyLlama &m, llvm::StringRef dtype,
                                                bool withLmHead) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> specs;
  int64_t q = m.heads * m.headDim(), kv = m.kvHeads * m.headDim();
  specs.push_back({"model.embed_tokens.weight", {m.vocab, m.hidden}});
  for (int64_t l = 0; l < m.layers; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    specs.push_back({p + "input_layernorm.weight", {m.hidden}});
    specs.push_back({p + "self_attn.q_proj.weight", {q, m.hidden}});
    specs.push_back({p + "self_attn.k_proj.weight", {kv, m.hidden}});
    specs.push_back({p + "self_attn.v_proj.weight", {kv, m.hidden}});
    specs.push_back({p + "self_attn.o_proj.weight", {m.hidden, q}});
    specs.push_back({p + "post_attention_layernorm.weight", {m.hidden}});
    specs.push_back({p + "mlp.gate_proj.weight", {m.intermediate, m.hidden}});
    specs.push_back({p + "mlp.up_proj.weight", {m.intermediate, m.hidden}});
    specs.push_back({p + "mlp.down_proj.weight", {m.hidden, m.intermediate}});
  }
  specs.push_back({"model.norm.weight", {m.hidden}});
  if (withLmHead)
    specs.push_back({"lm_head.weight", {m.vocab, m.hidden}});
  std::vector<TensorSpec> tensors;
  for (size_t k = 0; k < specs.size(); ++k) {
    auto &[name, shape] = specs[k];
    tensors.push_back({name, dtype.str(), shape,
                       encode(dtype, numel(shape),
                              [k](int64_t i) { return float(k) + float(i % 8) / 8; })});
  }
  return tensors;
}

/// config.json text for `m`; `extra` is spliced in (",\"key\": value, ...").
inline std::string tinyLlamaConfig(const TinyLlama &m, llvm::StringRef extra = "") {
  return "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
         " \"hidden_size\": " + std::to_string(m.hidden) +
         ", \"intermediate_size\": " + std::to_string(m.intermediate) +
         ", \"num_hidden_layers\": " + std::to_string(m.layers) +
         ", \"num_attention_heads\": " + std::to_string(m.heads) +
         ", \"num_key_value_heads\": " + std::to_string(m.kvHeads) +
         ", \"vocab_size\": " + std::to_string(m.vocab) +
         ", \"rms_norm_eps\": 1e-05, \"rope_theta\": 500000.0,"
         " \"max_position_embeddings\": 64, \"bos_token_id\": 1, \"eos_token_id\": [2, 7]" +
         extra.str() + "}";
}

/// The header fields of a llama2.c checkpoint.
struct Llama2cParams {
  int32_t dim = 8, hidden = 12, layers = 2, heads = 2, kvHeads = 1, vocab = 10, seqLen = 4;
};

/// A llama2.c checkpoint (version 0 or 1). Section s (in file order) element i holds
/// s * 100000 + i, so tests can tell sections and rows apart.
inline std::string makeLlama2c(const Llama2cParams &p, int version, bool shared) {
  std::string file;
  int64_t headSize = p.heads > 0 ? p.dim / p.heads : 0, kvDim = int64_t(p.kvHeads) * headSize;
  int64_t L = p.layers, dim = p.dim, hid = p.hidden, vocab = p.vocab;
  std::vector<int64_t> sections;
  if (version == 0) {
    appendRaw<int32_t>(file, p.dim);
    appendRaw<int32_t>(file, p.hidden);
    appendRaw<int32_t>(file, p.layers);
    appendRaw<int32_t>(file, p.heads);
    appendRaw<int32_t>(file, p.kvHeads);
    appendRaw<int32_t>(file, shared ? p.vocab : -p.vocab);
    appendRaw<int32_t>(file, p.seqLen);
    sections = {vocab * dim,     L * dim,       L * dim * dim, L * kvDim * dim,
                L * kvDim * dim, L * dim * dim, L * dim,       L * hid * dim,
                L * dim * hid,   L * hid * dim, dim,           p.seqLen * headSize / 2,
                p.seqLen * headSize / 2};
  } else {
    appendRaw<uint32_t>(file, 0x616b3432);
    appendRaw<int32_t>(file, version);
    for (int32_t v : {p.dim, p.hidden, p.layers, p.heads, p.kvHeads, p.vocab, p.seqLen})
      appendRaw<int32_t>(file, v);
    file += char(shared ? 1 : 0);
    file.resize(256, '\0');
    sections = {L * dim,         L * dim,       dim,           vocab * dim,
                L * dim * dim,   L * kvDim * dim, L * kvDim * dim, L * dim * dim,
                L * hid * dim,   L * dim * hid, L * hid * dim};
  }
  if (!shared)
    sections.push_back(vocab * dim);
  for (size_t s = 0; s < sections.size(); ++s)
    for (int64_t i = 0; i < sections[s]; ++i)
      appendRaw<float>(file, float(s * 100000 + i));
  return file;
}

} // namespace llmc::test

#endif // LLMC_TEST_IMPORTER_UNIT_TESTUTIL_H
