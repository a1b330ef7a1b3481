//===- make_fuzz_seeds.cpp - write the seed corpora of the fuzz targets ---===//
//
// Usage: llmc-fuzz-seeds <dir>. Writes <dir>/seeds/<format>/ with a few tiny valid inputs for
// each fuzz target (safetensors, llama2c, hfconfig, gguf) and creates empty <dir>/work/<format>/
// for what libFuzzer finds. Plain C++, so the corpus needs no checked-in binaries and no Python.
//
//===----------------------------------------------------------------------===//

#include "test/common/GGUFWriter.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

template <typename T> void append(std::string &out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T)); // little-endian hosts
  out.append(bytes, sizeof(T));
}

void write(const fs::path &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// A safetensors file with one tensor of each supported dtype.
std::string safetensors(bool withMetadata) {
  std::string header = withMetadata ? R"({"__metadata__":{"format":"pt"},)" : "{";
  header += R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
            R"("b":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},)"
            R"("c":{"dtype":"BF16","shape":[1],"data_offsets":[22,24]}})";
  std::string file;
  append<uint64_t>(file, header.size());
  file += header;
  for (int i = 0; i < 4; ++i)
    append<float>(file, float(i));
  for (uint16_t h : {0x3c00, 0x8001, 0x7c00, 0x3f80})
    append<uint16_t>(file, h);
  return file;
}

/// A tiny llama2.c checkpoint (dim 4, hidden 4, 1 layer, 2 heads, 1 kv head, vocab 3,
/// seq_len 2), behind the fuzz target's selector byte 0.
std::string checkpoint(int version, bool shared) {
  const int32_t dim = 4, hidden = 4, layers = 1, heads = 2, kvHeads = 1, vocab = 3, seq = 2;
  const int32_t headSize = dim / heads, kvDim = kvHeads * headSize;
  std::string file(1, '\0');
  size_t start = file.size();
  if (version == 1) {
    append<uint32_t>(file, 0x616b3432);
    append<int32_t>(file, 1);
  }
  for (int32_t v : {dim, hidden, layers, heads, kvHeads,
                    version == 0 && !shared ? -vocab : vocab, seq})
    append<int32_t>(file, v);
  if (version == 1) {
    file += char(shared);
    file.resize(start + 256, '\0');
  }
  int64_t floats = int64_t(vocab) * dim + 2 * layers * dim + dim +
                   layers * (2 * dim * dim + 2 * kvDim * dim + 3 * hidden * dim);
  if (version == 0)
    floats += int64_t(seq) * headSize; // freq_cis real + imaginary
  if (!shared)
    floats += int64_t(vocab) * dim;
  for (int64_t i = 0; i < floats; ++i)
    append<float>(file, float(i % 7) - 3);
  return file;
}

/// A tokenizer.bin of 3 tokens behind the selector byte 1 and the vocabulary size 3.
std::string tokenizer() {
  std::string file("\x01\x03\x00", 3);
  append<int32_t>(file, 6);
  for (const char *text : {"<unk>", "<s>", "<0x41>"}) {
    append<float>(file, -1.0f);
    append<int32_t>(file, int32_t(std::strlen(text)));
    file += text;
  }
  return file;
}

/// A tiny GGUF llama (hidden 32, ffn 32, 1 layer, 2 heads of 16, 1 KV head, vocab 4, SentencePiece
/// vocabulary) whose tensors use every type llmc reads: F32, F16, BF16, Q8_0, Q4_0, Q4_1; with
/// `kQuants` a Q4_K and a Q6_K tensor of one 256-wide row are added (then it is no model, but a
/// valid file).
std::string gguf(uint32_t version, bool kQuants) {
  using namespace llmc::test;
  GGUFWriter w;
  w.version = version;
  w.string("general.architecture", "llama");
  w.u32("llama.context_length", 16);
  w.u32("llama.embedding_length", 32);
  w.u32("llama.block_count", 1);
  w.u32("llama.feed_forward_length", 32);
  w.u32("llama.attention.head_count", 2);
  w.u32("llama.attention.head_count_kv", 1);
  w.u32("llama.rope.dimension_count", 16);
  w.f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.f32("llama.rope.freq_base", 10000.0f);
  w.string("tokenizer.ggml.model", "llama");
  w.strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "\xE2\x96\x81" "a"});
  w.array<float>("tokenizer.ggml.scores", kF32, {0.0f, 0.0f, 0.0f, -1.0f});
  w.array<int32_t>("tokenizer.ggml.token_type", kI32, {2, 3, 3, 1});
  w.u32("tokenizer.ggml.bos_token_id", 1);
  w.u32("tokenizer.ggml.eos_token_id", 2);
  w.boolean("tokenizer.ggml.add_space_prefix", true);

  // Bytes of `count` values of each type.
  auto bytesOf = [](uint32_t type, uint64_t count) -> uint64_t {
    switch (type) {
    case kTF32: return count * 4;
    case kTF16: case kTBF16: return count * 2;
    case kTQ8_0: return count / 32 * 34;
    case kTQ4_0: return count / 32 * 18;
    case kTQ4_1: return count / 32 * 20;
    case kTQ4_K: return count / 256 * 144;
    default: return count / 256 * 210; // kTQ6_K
    }
  };
  struct Tensor {
    std::string name;
    std::vector<uint64_t> dims; // ggml order
    uint32_t type;
  };
  std::vector<Tensor> tensors = {
      {"token_embd.weight", {32, 4}, kTF16},
      {"blk.0.attn_norm.weight", {32}, kTF32},
      {"blk.0.attn_q.weight", {32, 32}, kTQ8_0},
      {"blk.0.attn_k.weight", {32, 16}, kTQ4_0},
      {"blk.0.attn_v.weight", {32, 16}, kTQ4_1},
      {"blk.0.attn_output.weight", {32, 32}, kTQ4_0},
      {"blk.0.ffn_norm.weight", {32}, kTBF16},
      {"blk.0.ffn_gate.weight", {32, 32}, kTQ4_1},
      {"blk.0.ffn_up.weight", {32, 32}, kTQ8_0},
      {"blk.0.ffn_down.weight", {32, 32}, kTQ4_0},
      {"output_norm.weight", {32}, kTF32},
  };
  if (kQuants) {
    tensors.push_back({"extra.q4_k", {256}, kTQ4_K});
    tensors.push_back({"extra.q6_k", {256, 1}, kTQ6_K});
  }
  for (const Tensor &t : tensors) {
    uint64_t count = 1;
    for (uint64_t d : t.dims)
      count *= d;
    // Small f16 scales (0x2c00 = 1/16) and varied quants; floats in [-1, 1].
    std::string data;
    uint64_t bytes = bytesOf(t.type, count);
    for (uint64_t i = 0; i < bytes; ++i)
      data += char(t.type == kTF32 ? (i % 4 == 3 ? 0x3f : 0) : (i % 2 ? 0x2c : (i * 37) & 0xff));
    w.tensor(t.name, t.dims, t.type, data);
  }
  return w.build();
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  fs::path root(argv[1]);
  std::error_code ec;
  fs::remove_all(root, ec);
  for (const char *name : {"safetensors", "llama2c", "hfconfig", "gguf"}) {
    fs::create_directories(root / "seeds" / name);
    fs::create_directories(root / "work" / name);
  }
  write(root / "seeds/safetensors/plain", safetensors(false));
  write(root / "seeds/safetensors/metadata", safetensors(true));
  write(root / "seeds/llama2c/v0-shared", checkpoint(0, true));
  write(root / "seeds/llama2c/v0-unshared", checkpoint(0, false));
  write(root / "seeds/llama2c/v1-shared", checkpoint(1, true));
  write(root / "seeds/llama2c/v1-unshared", checkpoint(1, false));
  write(root / "seeds/llama2c/tokenizer", tokenizer());
  write(root / "seeds/gguf/v3", gguf(3, false));
  write(root / "seeds/gguf/v2", gguf(2, false));
  write(root / "seeds/gguf/k-quants", gguf(3, true));
  write(root / "seeds/hfconfig/tinyllama.json", R"({"architectures": ["LlamaForCausalLM"],
    "hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 5,
    "num_attention_heads": 8, "num_key_value_heads": 4, "vocab_size": 512,
    "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "max_position_embeddings": 512,
    "tie_word_embeddings": true, "bos_token_id": 1, "eos_token_id": [2, 3],
    "rope_scaling": null})");
  write(root / "seeds/hfconfig/llama3.json", R"({"model_type": "llama", "hidden_size": 64,
    "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
    "head_dim": 16, "vocab_size": 300, "attention_bias": false, "mlp_bias": false,
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
      "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})");
  return 0;
}
