// quant_tool.cpp - llmc-quant-tool: the runtime's quantizers on files, for test_gguf_quants.py.
//
//   llmc-quant-tool quantize   SCHEME IN OUT   float32 values (IN) -> raw blocks (OUT)
//   llmc-quant-tool dequantize SCHEME IN OUT   raw blocks (IN) -> float32 values (OUT)
//
// SCHEME is q8_0, q4_0, q4_1, q4_k or q6_k. The input is one row: its length must be a whole
// number of blocks. Exits 0 on success, 1 with a message on stderr otherwise.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "runtime/quant_format.h"

namespace {

bool read_file(const char* path, std::vector<unsigned char>* out) {
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) return false;
  unsigned char buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof(buf), f)) > 0) out->insert(out->end(), buf, buf + got);
  const bool ok = std::ferror(f) == 0;
  std::fclose(f);
  return ok;
}

bool write_file(const char* path, const void* data, size_t size) {
  std::FILE* f = std::fopen(path, "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

int fail(const char* message, const char* detail) {
  std::fprintf(stderr, "llmc-quant-tool: %s%s\n", message, detail);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) return fail("usage: llmc-quant-tool quantize|dequantize SCHEME IN OUT", "");
  const bool quantize = std::strcmp(argv[1], "quantize") == 0;
  if (!quantize && std::strcmp(argv[1], "dequantize") != 0) return fail("unknown mode ", argv[1]);
  llmrt_quant_scheme scheme;
  if (!llmrt_quant_scheme_from_name(argv[2], &scheme)) return fail("unknown scheme ", argv[2]);
  std::vector<unsigned char> in;
  if (!read_file(argv[3], &in)) return fail("cannot read ", argv[3]);

  const int64_t block = llmrt_quant_block_size(scheme);
  const int64_t block_bytes = llmrt_quant_block_bytes(scheme);
  const int64_t in_unit = quantize ? block * static_cast<int64_t>(sizeof(float)) : block_bytes;
  if (static_cast<int64_t>(in.size()) % in_unit != 0) {
    return fail("input is not a whole number of blocks: ", argv[3]);
  }
  const int64_t blocks = static_cast<int64_t>(in.size()) / in_unit;
  const int64_t k = blocks * block;
  if (quantize) {
    std::vector<float> x(static_cast<size_t>(k));
    if (k > 0) std::memcpy(x.data(), in.data(), in.size());
    std::vector<unsigned char> out(static_cast<size_t>(blocks * block_bytes));
    llmrt_quantize_row(scheme, x.data(), k, out.data());
    if (!write_file(argv[4], out.data(), out.size())) return fail("cannot write ", argv[4]);
  } else {
    // Copy into a vector of 4-byte aligned storage: the blocks hold fp16 and float fields.
    std::vector<uint32_t> blocks_storage((in.size() + 3) / 4);
    if (!in.empty()) std::memcpy(blocks_storage.data(), in.data(), in.size());
    std::vector<float> out(static_cast<size_t>(k));
    llmrt_dequantize_row(scheme, blocks_storage.data(), k, out.data());
    if (!write_file(argv[4], out.data(), out.size() * sizeof(float))) {
      return fail("cannot write ", argv[4]);
    }
  }
  return 0;
}
