//===- GGUF.h - GGUF files (llama.cpp's model format) ---------------------===//
//
// A GGUF file (versions 2 and 3, little-endian) is
//   "GGUF", uint32 version, uint64 tensor_count, uint64 metadata_kv_count,
//   metadata: key (string), uint32 value type, value       (metadata_kv_count times)
//   tensor infos: name (string), uint32 n_dims, uint64 dims[n_dims], uint32 ggml type,
//                 uint64 offset                            (tensor_count times)
//   padding to general.alignment (default 32), then the data section.
// Strings are a uint64 length and that many bytes; an array value is a uint32 element type, a
// uint64 count and the elements. dims[0] varies fastest (the row length); tensor offsets are
// relative to the data section and multiples of the alignment.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_GGUF_H
#define LLMC_COMPILER_IMPORTER_GGUF_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llmc {

/// The type of a metadata value, as numbered in the file.
enum class GGUFType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

/// "uint8", ..., "array"; "type N" for a number that is none of them.
std::string ggufTypeName(GGUFType type);

/// One metadata value. Its bytes point into the file's buffer, which must outlive it.
struct GGUFValue {
  GGUFType type = GGUFType::UInt8;
  GGUFType elementType = GGUFType::UInt8; ///< arrays only
  uint64_t count = 0;                     ///< arrays only: number of elements
  llvm::StringRef bytes; ///< scalars: the value's bytes; strings: the text; arrays: the elements

  /// An integer of any integer type that is >= 0, else std::nullopt.
  std::optional<uint64_t> asUnsigned() const;
  /// An integer of any integer type that fits in int64_t, else std::nullopt.
  std::optional<int64_t> asInteger() const;
  /// A float32, float64 or integer as double, else std::nullopt.
  std::optional<double> asNumber() const;
  std::optional<bool> asBool() const;
  std::optional<llvm::StringRef> asString() const;

  /// Element i of an array of scalars (not strings or arrays): `i` must be < count.
  GGUFValue element(uint64_t i) const;
  /// The elements of an array of strings, else std::nullopt.
  std::optional<std::vector<llvm::StringRef>> asStrings() const;
};

/// One entry of the tensor table, validated against the file.
struct GGUFTensorInfo {
  std::string name;
  uint32_t ggmlType = 0;
  DType dtype = DType::F32;
  std::vector<int64_t> shape; ///< outermost first (the file's dims reversed)
  uint64_t offset = 0;        ///< of the first byte, from the start of the file
  uint64_t size = 0;          ///< in bytes
};

/// The validated header of a GGUF file.
struct GGUFFile {
  uint32_t version = 0;
  uint64_t alignment = 32;
  uint64_t dataOffset = 0;                 ///< start of the data section
  std::vector<std::string> keys;           ///< metadata keys in file order
  llvm::StringMap<GGUFValue> metadata;
  std::vector<GGUFTensorInfo> tensors;     ///< in file order

  const GGUFValue *lookup(llvm::StringRef key) const {
    auto it = metadata.find(key);
    return it == metadata.end() ? nullptr : &it->second;
  }
};

/// The name of a ggml tensor type ("F32", "Q4_K", ...), or "" for a number ggml does not define.
llvm::StringRef ggmlTypeName(uint32_t ggmlType);

/// Parses and validates the GGUF file held in `buffer` (named `path` in messages): version 2 or
/// 3, every count and length inside the file, unique keys and tensor names, tensor types llmc
/// reads (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K) with whole blocks per row, and tensor
/// data that is aligned, inside the file and overlapping no other tensor. Never reads the data.
llvm::Expected<GGUFFile> parseGGUF(llvm::MemoryBufferRef buffer, llvm::StringRef path);

/// Reads a GGUF Llama held in `file`: the llama.* metadata into a ModelConfig, the tensors under
/// their canonical names (attn_q / attn_k rows, which llama.cpp's converters store with
/// interleaved RoPE pairs, get the row permutation back to the Hugging Face layout), and, when
/// tokenizer.ggml.model is "llama", the SentencePiece vocabulary (other tokenizer models leave
/// the vocabulary empty).
llvm::Expected<ImportedModel> readGGUFModel(std::shared_ptr<llvm::MemoryBuffer> file,
                                            llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_GGUF_H
