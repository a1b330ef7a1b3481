//===- make_fuzz_seeds.cpp - write the seed corpora of the fuzz targets ---===//
//
// Usage: llmc-fuzz-seeds <dir>. Writes <dir>/seeds/<target>/ with a few tiny valid inputs for
// each fuzz target and creates empty <dir>/work/<target>/ for what libFuzzer finds. Plain C++
// from the formats' own definitions, so the seeds follow any change of a format.
//
//===----------------------------------------------------------------------===//

#include "test/common/GGUFWriter.h"
#include "test/common/TorchSaveWriter.h"
#include "test/common/runtime_images.h"
#include "test/fuzz/fuzz_model.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
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


/// A protobuf field: its key (field number and wire type), then the value's bytes.
std::string protoVarint(uint64_t value) {
  std::string out;
  do {
    out += char((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
    value >>= 7;
  } while (value != 0);
  return out;
}
std::string protoBytes(int field, const std::string &bytes) {
  return protoVarint(uint64_t(field) << 3 | 2) + protoVarint(bytes.size()) + bytes;
}
std::string protoInt(int field, uint64_t value) {
  return protoVarint(uint64_t(field) << 3) + protoVarint(value);
}

/// A SentencePiece ModelProto with one piece of each type (UNKNOWN, CONTROL, BYTE, NORMAL with
/// U+2581, USER_DEFINED, UNUSED), trainer_spec {bos_id, eos_id} and normalizer_spec.
std::string sentencePieceModel(bool dummyPrefix) {
  struct Piece {
    const char *text;
    float score;
    int type;
  };
  std::string model;
  for (const Piece &p : {Piece{"<unk>", 0, 2}, Piece{"<s>", 0, 3}, Piece{"</s>", 0, 3},
                         Piece{"<0x41>", 0, 6}, Piece{"\xE2\x96\x81hi", -1.5f, 1},
                         Piece{"h", -2, 1}, Piece{"<tool>", 0, 4}, Piece{"<pad>", 0, 5}}) {
    std::string score;
    append<float>(score, p.score);
    model += protoBytes(1, protoBytes(1, p.text) + protoVarint(2 << 3 | 5) + score +
                               protoInt(3, uint64_t(p.type)));
  }
  model += protoBytes(2, protoInt(41, 1) + protoInt(42, 2));
  model += protoBytes(3, protoInt(3, dummyPrefix));
  return model;
}

/// weights.bin of fuzz_model.h behind fuzz_blob's option byte 0; `unsorted` swaps the places of
/// two tensors of the same size, so that the table is not in offset order.
std::string blob(bool unsorted) {
  llmrt_test::BlobImage image(fuzzModelTensors());
  if (unsorted) {
    llmrt_tensor_entry *a = image.entry(1), *b = image.entry(2); // norm and mlp: 8 bytes each
    std::swap(a->offset, b->offset);
    std::swap(a->checksum, b->checksum);
    image.rehash_table();
  }
  return std::string(1, '\0') + std::string(image.bytes.begin(), image.bytes.end());
}

/// tokenizer.bin of the unit tests' small vocabulary, or of a few pieces without byte tokens.
std::string tokenizerBin(bool small, uint32_t flags) {
  using llmrt_test::TestToken;
  std::vector<TestToken> tokens =
      small ? llmrt_test::small_vocab()
            : std::vector<TestToken>{{"<unk>", 0, LLMRT_TOKEN_UNKNOWN},
                                     {"<s>", 0, LLMRT_TOKEN_CONTROL},
                                     {"</s>", 0, LLMRT_TOKEN_CONTROL},
                                     {" a", 1, LLMRT_TOKEN_NORMAL},
                                     {"a", 0, LLMRT_TOKEN_NORMAL},
                                     {" ", 0, LLMRT_TOKEN_NORMAL}};
  std::vector<unsigned char> bytes = llmrt_test::build_tokenizer(tokens, 1, 2, flags);
  return std::string(bytes.begin(), bytes.end());
}

/// tokenizer.bin version 2 of the unit tests' small vocabulary with chat template `chat`.
std::string chatTokenizerBin(uint32_t chat) {
  llmrt_test::TokenizerOptions options;
  options.bos_id = 1;
  options.eos_id = 2;
  options.chat_template = chat;
  std::vector<unsigned char> bytes =
      llmrt_test::build_tokenizer_v2(llmrt_test::small_vocab(), options);
  return std::string(bytes.begin(), bytes.end());
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
  for (const char *name : {"safetensors", "llama2c", "hfconfig", "gguf", "sentencepiece", "blob",
                           "tokenizer", "encode", "torchsave",
                           "metaparams"}) {
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
  write(root / "seeds/hfconfig/transformers5.json", R"({"architectures": ["LlamaForCausalLM"],
    "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
    "num_attention_heads": 4, "vocab_size": 300, "hidden_act": "silu",
    "rope_parameters": {"rope_type": "linear", "rope_theta": 500000.0, "factor": 2.0}})");
  write(root / "seeds/sentencepiece/dummy-prefix", sentencePieceModel(true));
  write(root / "seeds/sentencepiece/no-dummy-prefix", sentencePieceModel(false));
  write(root / "seeds/blob/sorted", blob(false));
  write(root / "seeds/blob/unsorted", blob(true));
  write(root / "seeds/tokenizer/small", tokenizerBin(true, LLMRT_TOKENIZER_ADD_DUMMY_PREFIX));
  write(root / "seeds/tokenizer/no-bytes", tokenizerBin(false, 0));
  write(root / "seeds/tokenizer/chat-llama2", chatTokenizerBin(LLMRT_CHAT_TEMPLATE_LLAMA2));
  write(root / "seeds/tokenizer/chat-zephyr", chatTokenizerBin(LLMRT_CHAT_TEMPLATE_ZEPHYR));
  // fuzz_encode: an option byte (tokenizer, BOS), then the text.
  write(root / "seeds/encode/tok512", std::string("\x04" "Once upon a time, there was a cat."));
  write(root / "seeds/encode/small", std::string("\x05 abc aab <s> \xC3\xA9\xFF\x80"));
  write(root / "seeds/encode/small-no-prefix", std::string("\x02" "abcabc s> \xE2\x96\x81"));
  write(root / "seeds/encode/no-bytes", std::string("\x03" "ab ba aab\x01\x00", 12));
  write(root / "seeds/torchsave/consolidated.pth",
        llmc::test::torchSaveFile("layers.0.attention.wq.weight", 4, 3));
  write(root / "seeds/torchsave/zip64",
        llmc::test::storedZip({{"a/data.pkl", llmc::test::pickle::stateDict(
                                                  "w", llmc::test::pickle::tensor(1, 2, 2))},
                               {"a/data/0", std::string(8, '\0')}},
                              0, /*zip64=*/true));
  write(root / "seeds/metaparams/llama2.json", R"({"dim": 64, "multiple_of": 32,
    "n_heads": 4, "n_layers": 2, "norm_eps": 1e-05, "vocab_size": -1})");
  write(root / "seeds/metaparams/llama3.1.json", R"({"dim": 64, "n_layers": 2, "n_heads": 4,
    "n_kv_heads": 2, "vocab_size": 300, "multiple_of": 64, "ffn_dim_multiplier": 1.3,
    "norm_eps": 1e-05, "rope_theta": 500000.0, "use_scaled_rope": true})");
  write(root / "seeds/torchsave/state-dict.pkl",
        llmc::test::pickle::stateDict(
            "w", llmc::test::pickle::tensor(2, 3, 8, 2, 3, "BFloat16Storage")));
  return 0;
}
