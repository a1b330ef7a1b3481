//===- make_fuzz_seeds.cpp - write the seed corpora of the fuzz targets ---===//
//
// Usage: llmc-fuzz-seeds <dir>. Writes <dir>/seeds/<format>/ with a few tiny valid inputs for
// each fuzz target (safetensors, llama2c, hfconfig, gguf) and creates empty <dir>/work/<format>/
// for what libFuzzer finds. Plain C++, so the corpus needs no checked-in binaries and no Python.
//
//===----------------------------------------------------------------------===//

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

/// A GGUF string: uint64 length and the bytes.
void appendString(std::string &out, const std::string &s) {
  append<uint64_t>(out, s.size());
  out += s;
}

/// A tiny GGUF llama (hidden 32, ffn 32, 1 layer, 2 heads of 16, 1 KV head, vocab 4, SentencePiece
/// vocabulary) whose tensors use every type llmc reads: F32, F16, BF16, Q8_0, Q4_0, Q4_1; with
/// `kQuants` a Q4_K and a Q6_K tensor of one 256-wide row are added (then it is no model, but a
/// valid file).
std::string gguf(uint32_t version, bool kQuants) {
  std::string kv;
  uint64_t kvCount = 0;
  auto key = [&](const std::string &name, uint32_t type) {
    appendString(kv, name);
    append<uint32_t>(kv, type);
    ++kvCount;
  };
  auto u32 = [&](const std::string &name, uint32_t v) {
    key(name, 4);
    append<uint32_t>(kv, v);
  };
  key("general.architecture", 8);
  appendString(kv, "llama");
  u32("llama.context_length", 16);
  u32("llama.embedding_length", 32);
  u32("llama.block_count", 1);
  u32("llama.feed_forward_length", 32);
  u32("llama.attention.head_count", 2);
  u32("llama.attention.head_count_kv", 1);
  u32("llama.rope.dimension_count", 16);
  key("llama.attention.layer_norm_rms_epsilon", 6);
  append<float>(kv, 1e-5f);
  key("llama.rope.freq_base", 6);
  append<float>(kv, 10000.0f);
  key("tokenizer.ggml.model", 8);
  appendString(kv, "llama");
  key("tokenizer.ggml.tokens", 9);
  append<uint32_t>(kv, 8);
  append<uint64_t>(kv, 4);
  for (const char *token : {"<unk>", "<s>", "</s>", "\xE2\x96\x81" "a"})
    appendString(kv, token);
  key("tokenizer.ggml.scores", 9);
  append<uint32_t>(kv, 6);
  append<uint64_t>(kv, 4);
  for (float score : {0.0f, 0.0f, 0.0f, -1.0f})
    append<float>(kv, score);
  key("tokenizer.ggml.token_type", 9);
  append<uint32_t>(kv, 5);
  append<uint64_t>(kv, 4);
  for (int32_t type : {2, 3, 3, 1})
    append<int32_t>(kv, type);
  u32("tokenizer.ggml.bos_token_id", 1);
  u32("tokenizer.ggml.eos_token_id", 2);
  key("tokenizer.ggml.add_space_prefix", 7);
  kv += char(1);

  struct Tensor {
    std::string name;
    std::vector<uint64_t> dims; // ggml order
    uint32_t type;
  };
  // Bytes per 32 values of each type, by ggml number.
  auto bytesOf = [](uint32_t type, uint64_t count) -> uint64_t {
    switch (type) {
    case 0: return count * 4;
    case 1: case 30: return count * 2;
    case 8: return count / 32 * 34;
    case 2: return count / 32 * 18;
    case 3: return count / 32 * 20;
    case 12: return count / 256 * 144;
    default: return count / 256 * 210; // 14: Q6_K
    }
  };
  std::vector<Tensor> tensors = {
      {"token_embd.weight", {32, 4}, 1},         {"blk.0.attn_norm.weight", {32}, 0},
      {"blk.0.attn_q.weight", {32, 32}, 8},      {"blk.0.attn_k.weight", {32, 16}, 2},
      {"blk.0.attn_v.weight", {32, 16}, 3},      {"blk.0.attn_output.weight", {32, 32}, 2},
      {"blk.0.ffn_norm.weight", {32}, 30},       {"blk.0.ffn_gate.weight", {32, 32}, 3},
      {"blk.0.ffn_up.weight", {32, 32}, 8},      {"blk.0.ffn_down.weight", {32, 32}, 2},
      {"output_norm.weight", {32}, 0}};
  if (kQuants) {
    tensors.push_back({"extra.q4_k", {256}, 12});
    tensors.push_back({"extra.q6_k", {256, 1}, 14});
  }
  std::string file = "GGUF";
  append<uint32_t>(file, version);
  append<uint64_t>(file, tensors.size());
  append<uint64_t>(file, kvCount);
  file += kv;
  std::string data;
  for (const Tensor &t : tensors) {
    appendString(file, t.name);
    append<uint32_t>(file, uint32_t(t.dims.size()));
    uint64_t count = 1;
    for (uint64_t d : t.dims) {
      append<uint64_t>(file, d);
      count *= d;
    }
    append<uint32_t>(file, t.type);
    append<uint64_t>(file, data.size());
    // Small f16 scales (0x2c00 = 1/16) and varied quants; floats in [-1, 1].
    uint64_t bytes = bytesOf(t.type, count);
    for (uint64_t i = 0; i < bytes; ++i)
      data += char(t.type == 0 ? (i % 4 == 3 ? 0x3f : 0) : (i % 2 ? 0x2c : (i * 37) & 0xff));
    data.resize((data.size() + 31) / 32 * 32, '\0');
  }
  file.resize((file.size() + 31) / 32 * 32, '\0');
  return file + data;
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
