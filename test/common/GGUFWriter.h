//===- GGUFWriter.h - a tiny GGUF file writer for tests and fuzz seeds ----===//
//
// Builds GGUF v2/v3 files byte by byte: metadata in insertion order, the tensor infos, padding to
// the alignment, then each tensor's data padded to the alignment. Plain C++17 (no LLVM, no
// GoogleTest), so both the importer unit tests and the fuzz seed writer use it.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TEST_COMMON_GGUFWRITER_H
#define LLMC_TEST_COMMON_GGUFWRITER_H

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace llmc::test {

/// GGUF metadata value types.
enum GGUFValueType : uint32_t {
  kU8 = 0, kI8, kU16, kI16, kU32, kI32, kF32, kBool, kString, kArray, kU64, kI64, kF64
};
/// ggml tensor types (GGML_TYPE_*).
enum GGMLType : uint32_t {
  kTF32 = 0, kTF16 = 1, kTQ4_0 = 2, kTQ4_1 = 3, kTQ8_0 = 8, kTQ4_K = 12, kTQ5_K = 13,
  kTQ6_K = 14, kTBF16 = 30
};

struct GGUFWriter {
  struct Tensor {
    std::string name;
    std::vector<uint64_t> dims; ///< ggml order: dims[0] is the row length
    uint32_t type;
    std::string data;
    std::optional<uint64_t> offset; ///< overrides the computed offset
  };
  uint32_t version = 3;
  uint64_t alignment = 32;
  std::string kv; ///< the metadata written so far
  uint64_t kvCount = 0;
  std::vector<Tensor> tensors;

  /// `value`'s bytes, little-endian (tests run on little-endian hosts).
  template <typename T> static void put(std::string &out, T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out.append(bytes, sizeof(T));
  }
  /// A GGUF string: uint64 length and the bytes.
  static void putString(std::string &out, const std::string &s) {
    put<uint64_t>(out, s.size());
    out += s;
  }

  /// A key and its value type; the value is for the caller to append to kv.
  void key(const std::string &name, uint32_t type) {
    putString(kv, name);
    put<uint32_t>(kv, type);
    ++kvCount;
  }
  void u32(const std::string &name, uint32_t v) {
    key(name, kU32);
    put<uint32_t>(kv, v);
  }
  void f32(const std::string &name, float v) {
    key(name, kF32);
    put<float>(kv, v);
  }
  void boolean(const std::string &name, bool v) {
    key(name, kBool);
    kv += char(v);
  }
  void string(const std::string &name, const std::string &v) {
    key(name, kString);
    putString(kv, v);
  }
  void strings(const std::string &name, const std::vector<std::string> &v) {
    key(name, kArray);
    put<uint32_t>(kv, kString);
    put<uint64_t>(kv, v.size());
    for (const std::string &s : v)
      putString(kv, s);
  }
  /// An array of numbers of value type `type` (kF32 for float, kI32 for int32_t, ...).
  template <typename T>
  void array(const std::string &name, uint32_t type, const std::vector<T> &v) {
    key(name, kArray);
    put<uint32_t>(kv, type);
    put<uint64_t>(kv, v.size());
    for (T x : v)
      put<T>(kv, x);
  }
  void tensor(const std::string &name, std::vector<uint64_t> dims, uint32_t type,
              std::string data) {
    tensors.push_back({name, std::move(dims), type, std::move(data), std::nullopt});
  }

  std::string build() const {
    std::string file = "GGUF";
    put<uint32_t>(file, version);
    put<uint64_t>(file, tensors.size());
    put<uint64_t>(file, kvCount);
    file += kv;
    std::string data;
    for (const Tensor &t : tensors) {
      putString(file, t.name);
      put<uint32_t>(file, uint32_t(t.dims.size()));
      for (uint64_t d : t.dims)
        put<uint64_t>(file, d);
      put<uint32_t>(file, t.type);
      put<uint64_t>(file, t.offset.value_or(data.size()));
      data += t.data;
      data.resize((data.size() + alignment - 1) / alignment * alignment, '\0');
    }
    file.resize((file.size() + alignment - 1) / alignment * alignment, '\0');
    return file + data;
  }
};

} // namespace llmc::test

#endif // LLMC_TEST_COMMON_GGUFWRITER_H
