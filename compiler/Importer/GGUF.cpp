//===- GGUF.cpp - the GGUF container: header, metadata, tensor table ------===//

#include "compiler/Importer/GGUF.h"
#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MathExtras.h"

#include <cstring>

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;
namespace endian = llvm::support::endian;

namespace {

/// "GGUF" read as a little-endian uint32.
constexpr uint32_t kMagic = 0x46554747;
constexpr uint32_t kMinVersion = 2, kMaxVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
/// ggml tensors have at most 4 dimensions.
constexpr uint32_t kMaxDims = 4;
/// Deepest array-of-arrays accepted; real files never nest.
constexpr int kMaxArrayDepth = 8;
/// Smallest encodings: a tensor info (empty name, 0 dims, type, offset) and a key/value
/// (empty key, type, a one-byte value). Counts larger than the file can hold are refused before
/// anything is allocated for them.
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;
constexpr uint64_t kMinKeyValueBytes = 8 + 4 + 1;

/// ggml's type names by number; "" where ggml defines none.
constexpr const char *kGGMLTypeNames[] = {
    "F32",     "F16",      "Q4_0",     "Q4_1",       "Q4_2",       "Q4_3",       "Q5_0",
    "Q5_1",    "Q8_0",     "Q8_1",     "Q2_K",       "Q3_K",       "Q4_K",       "Q5_K",
    "Q6_K",    "Q8_K",     "IQ2_XXS",  "IQ2_XS",     "IQ3_XXS",    "IQ1_S",      "IQ4_NL",
    "IQ3_S",   "IQ2_S",    "IQ4_XS",   "I8",         "I16",        "I32",        "I64",
    "F64",     "IQ1_M",    "BF16",     "Q4_0_4_4",   "Q4_0_4_8",   "Q4_0_8_8",   "TQ1_0",
    "TQ2_0",   "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8", "MXFP4",  "NVFP4",      "Q1_0",
};

/// The DType of a ggml tensor type llmc reads.
std::optional<DType> dtypeOfGGMLType(uint32_t type) {
  switch (type) {
  case 0:
    return DType::F32;
  case 1:
    return DType::F16;
  case 30:
    return DType::BF16;
  case 8:
    return DType::Q8_0;
  case 2:
    return DType::Q4_0;
  case 3:
    return DType::Q4_1;
  case 12:
    return DType::Q4_K;
  case 14:
    return DType::Q6_K;
  default:
    return std::nullopt;
  }
}

/// Bytes of a scalar of `type`; 0 for strings and arrays.
uint64_t scalarSize(GGUFType type) {
  switch (type) {
  case GGUFType::UInt8:
  case GGUFType::Int8:
  case GGUFType::Bool:
    return 1;
  case GGUFType::UInt16:
  case GGUFType::Int16:
    return 2;
  case GGUFType::UInt32:
  case GGUFType::Int32:
  case GGUFType::Float32:
    return 4;
  case GGUFType::UInt64:
  case GGUFType::Int64:
  case GGUFType::Float64:
    return 8;
  case GGUFType::String:
  case GGUFType::Array:
    return 0;
  }
  return 0;
}

bool isKnownType(uint32_t type) { return type <= uint32_t(GGUFType::Float64); }

/// Reads the file front to back; every read checks that the bytes are there.
class Cursor {
public:
  Cursor(StringRef bytes, StringRef path) : bytes(bytes), path(path) {}

  uint64_t offset() const { return pos; }
  uint64_t remaining() const { return bytes.size() - pos; }

  Error take(uint64_t n, StringRef &out, const Twine &what) {
    if (n > remaining())
      return fileError(path, "file ends inside " + what + " (offset " + Twine(pos) + ": " +
                                 Twine(n) + " bytes needed, " + Twine(remaining()) +
                                 " left): truncated or not a GGUF file");
    out = bytes.substr(pos, n);
    pos += n;
    return Error::success();
  }
  Error u32(uint32_t &out, const Twine &what) {
    StringRef b;
    if (Error err = take(4, b, what))
      return err;
    out = endian::read32le(b.data());
    return Error::success();
  }
  Error u64(uint64_t &out, const Twine &what) {
    StringRef b;
    if (Error err = take(8, b, what))
      return err;
    out = endian::read64le(b.data());
    return Error::success();
  }
  /// A uint64 length and that many bytes.
  Error string(StringRef &out, const Twine &what) {
    uint64_t length;
    if (Error err = u64(length, "the length of " + what))
      return err;
    if (length > remaining())
      return fileError(path, "string length " + Twine(length) + " of " + what +
                                 " at offset " + Twine(pos - 8) +
                                 " runs past the end of the file (" + Twine(bytes.size()) +
                                 " bytes)");
    out = bytes.substr(pos, length);
    pos += length;
    return Error::success();
  }

  /// The bytes from `start` to the cursor.
  StringRef since(uint64_t start) const { return bytes.slice(start, pos); }

private:
  StringRef bytes;
  StringRef path;
  uint64_t pos = 0;
};

/// Reads a value of `type` (already checked to be known) at the cursor into `out`.
Error parseValue(Cursor &c, StringRef path, GGUFType type, GGUFValue &out, const Twine &what,
                 int depth) {
  out.type = type;
  if (type == GGUFType::String)
    return c.string(out.bytes, what);
  if (type != GGUFType::Array)
    return c.take(scalarSize(type), out.bytes, what);

  if (depth >= kMaxArrayDepth)
    return fileError(path, what + " nests arrays more than " + Twine(kMaxArrayDepth) +
                               " deep");
  uint32_t elementType;
  if (Error err = c.u32(elementType, "the element type of " + what))
    return err;
  if (!isKnownType(elementType))
    return fileError(path, "unknown value type " + Twine(elementType) + " of the elements of " +
                               what);
  out.elementType = GGUFType(elementType);
  if (Error err = c.u64(out.count, "the length of " + what))
    return err;
  uint64_t size = scalarSize(out.elementType);
  uint64_t minSize = size ? size : out.elementType == GGUFType::String ? 8 : 12;
  if (out.count > c.remaining() / minSize)
    return fileError(path, what + " is an array of " + Twine(out.count) + " " +
                               ggufTypeName(out.elementType) +
                               " values, larger than the rest of the file (" +
                               Twine(c.remaining()) + " bytes at offset " + Twine(c.offset()) +
                               ")");
  if (size)
    return c.take(out.count * size, out.bytes, what);
  uint64_t start = c.offset();
  for (uint64_t i = 0; i < out.count; ++i) {
    GGUFValue element;
    if (Error err = parseValue(c, path, out.elementType, element,
                               "element " + Twine(i) + " of " + what, depth + 1))
      return err;
  }
  out.bytes = c.since(start);
  return Error::success();
}

} // namespace

namespace {

/// Reads the metadata key/values into `file`.
Error parseMetadata(Cursor &c, StringRef path, uint64_t count, GGUFFile &file) {
  for (uint64_t i = 0; i < count; ++i) {
    StringRef key;
    if (Error err = c.string(key, "metadata key " + Twine(i)))
      return err;
    if (key.empty())
      return fileError(path, "metadata key " + Twine(i) + " is empty");
    uint32_t type;
    if (Error err = c.u32(type, "the value type of metadata key '" + key + "'"))
      return err;
    if (!isKnownType(type))
      return fileError(path, "unknown metadata value type " + Twine(type) + " for key '" + key +
                                 "'");
    GGUFValue value;
    if (Error err = parseValue(c, path, GGUFType(type), value,
                               "the value of metadata key '" + key + "'", 0))
      return err;
    if (!file.metadata.try_emplace(key, value).second)
      return fileError(path, "metadata key '" + key + "' appears twice");
    file.keys.push_back(key.str());
  }
  return Error::success();
}

/// Reads one tensor info (all but its final offset, which needs the data section's start).
Error parseTensorInfo(Cursor &c, StringRef path, uint64_t index, GGUFTensorInfo &tensor,
                      uint64_t &relativeOffset) {
  StringRef name;
  if (Error err = c.string(name, "the name of tensor " + Twine(index)))
    return err;
  if (name.empty())
    return fileError(path, "tensor " + Twine(index) + " has an empty name");
  tensor.name = name.str();
  auto what = [&](StringRef part) { return (part + " of tensor '" + name + "'").str(); };

  uint32_t numDims;
  if (Error err = c.u32(numDims, what("the dimension count")))
    return err;
  if (numDims == 0 || numDims > kMaxDims)
    return fileError(path, "tensor '" + name + "' has " + Twine(numDims) +
                               " dimensions (GGUF allows 1 to " + Twine(kMaxDims) + ")");
  std::vector<uint64_t> dims(numDims);
  for (uint64_t &d : dims)
    if (Error err = c.u64(d, what("the dimensions")))
      return err;
  if (Error err = c.u32(tensor.ggmlType, what("the type")))
    return err;
  if (Error err = c.u64(relativeOffset, what("the data offset")))
    return err;

  // llmc's shapes are outermost first; ggml's dims[0] is the row length.
  uint64_t elements = 1;
  for (uint64_t d : llvm::reverse(dims)) {
    if (d > uint64_t(INT64_MAX) || !checkedMul(elements, d, elements) ||
        elements > uint64_t(INT64_MAX))
      return fileError(path, "tensor '" + name + "' has too many elements (dimension " +
                                 Twine(d) + ")");
    tensor.shape.push_back(int64_t(d));
  }

  std::optional<DType> dtype = dtypeOfGGMLType(tensor.ggmlType);
  if (!dtype) {
    StringRef typeName = ggmlTypeName(tensor.ggmlType);
    return fileError(path, (typeName.empty() ? "unknown tensor type " + Twine(tensor.ggmlType)
                                             : "unsupported tensor type '" + typeName + "' (" +
                                                   Twine(tensor.ggmlType) + ")") +
                               " for tensor '" + name +
                               "' (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K)");
  }
  tensor.dtype = *dtype;
  int64_t rowLength = tensor.shape.back();
  if (rowLength % blockSize(tensor.dtype) != 0)
    return fileError(path, "tensor '" + name + "' has rows of " + Twine(rowLength) +
                               " values, not a multiple of the " +
                               ggmlTypeName(tensor.ggmlType) + " block size " +
                               Twine(blockSize(tensor.dtype)));
  // Rows are whole blocks, so the elements are too.
  if (!checkedMul(elements / uint64_t(blockSize(tensor.dtype)), dtypeSize(tensor.dtype),
                  tensor.size))
    return fileError(path, "tensor '" + name + "' is too large");
  return Error::success();
}

/// Checks that the tensors' byte ranges do not overlap.
Error checkOverlaps(const std::vector<GGUFTensorInfo> &tensors, StringRef path) {
  std::vector<const GGUFTensorInfo *> byOffset;
  for (const GGUFTensorInfo &t : tensors)
    if (t.size)
      byOffset.push_back(&t);
  llvm::sort(byOffset, [](const GGUFTensorInfo *a, const GGUFTensorInfo *b) {
    return std::tie(a->offset, a->name) < std::tie(b->offset, b->name);
  });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const GGUFTensorInfo &a = *byOffset[i - 1], &b = *byOffset[i];
    if (b.offset < a.offset + a.size)
      return fileError(path, "the data of tensors '" + a.name + "' and '" + b.name +
                                 "' overlap");
  }
  return Error::success();
}

} // namespace

std::string llmc::ggufTypeName(GGUFType type) {
  switch (type) {
  case GGUFType::UInt8:
    return "uint8";
  case GGUFType::Int8:
    return "int8";
  case GGUFType::UInt16:
    return "uint16";
  case GGUFType::Int16:
    return "int16";
  case GGUFType::UInt32:
    return "uint32";
  case GGUFType::Int32:
    return "int32";
  case GGUFType::Float32:
    return "float32";
  case GGUFType::Bool:
    return "bool";
  case GGUFType::String:
    return "string";
  case GGUFType::Array:
    return "array";
  case GGUFType::UInt64:
    return "uint64";
  case GGUFType::Int64:
    return "int64";
  case GGUFType::Float64:
    return "float64";
  }
  return "type " + std::to_string(uint32_t(type));
}

StringRef llmc::ggmlTypeName(uint32_t ggmlType) {
  if (ggmlType < std::size(kGGMLTypeNames))
    return kGGMLTypeNames[ggmlType];
  return "";
}

std::optional<uint64_t> GGUFValue::asUnsigned() const {
  if (std::optional<int64_t> i = asInteger())
    return *i >= 0 ? std::optional<uint64_t>(uint64_t(*i)) : std::nullopt;
  if (type == GGUFType::UInt64)
    return endian::read64le(bytes.data());
  return std::nullopt;
}

std::optional<int64_t> GGUFValue::asInteger() const {
  const char *p = bytes.data();
  switch (type) {
  case GGUFType::UInt8:
    return uint8_t(p[0]);
  case GGUFType::Int8:
    return int8_t(p[0]);
  case GGUFType::UInt16:
    return endian::read16le(p);
  case GGUFType::Int16:
    return int16_t(endian::read16le(p));
  case GGUFType::UInt32:
    return endian::read32le(p);
  case GGUFType::Int32:
    return int32_t(endian::read32le(p));
  case GGUFType::UInt64: {
    uint64_t u = endian::read64le(p);
    return u <= uint64_t(INT64_MAX) ? std::optional<int64_t>(int64_t(u)) : std::nullopt;
  }
  case GGUFType::Int64:
    return int64_t(endian::read64le(p));
  default:
    return std::nullopt;
  }
}

std::optional<double> GGUFValue::asNumber() const {
  if (type == GGUFType::Float32) {
    uint32_t bits = endian::read32le(bytes.data());
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    return f;
  }
  if (type == GGUFType::Float64) {
    uint64_t bits = endian::read64le(bytes.data());
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    return d;
  }
  if (std::optional<int64_t> i = asInteger())
    return double(*i);
  if (std::optional<uint64_t> u = asUnsigned())
    return double(*u);
  return std::nullopt;
}

std::optional<bool> GGUFValue::asBool() const {
  if (type != GGUFType::Bool)
    return std::nullopt;
  return bytes[0] != 0;
}

std::optional<StringRef> GGUFValue::asString() const {
  if (type != GGUFType::String)
    return std::nullopt;
  return bytes;
}

GGUFValue GGUFValue::element(uint64_t i) const {
  assert(type == GGUFType::Array && scalarSize(elementType) && i < count);
  uint64_t size = scalarSize(elementType);
  GGUFValue value;
  value.type = elementType;
  value.bytes = bytes.substr(i * size, size);
  return value;
}

std::optional<std::vector<StringRef>> GGUFValue::asStrings() const {
  if (type != GGUFType::Array || elementType != GGUFType::String)
    return std::nullopt;
  // Validated by the parser: count strings back to back.
  std::vector<StringRef> strings;
  strings.reserve(count);
  StringRef rest = bytes;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t length = endian::read64le(rest.data());
    strings.push_back(rest.substr(8, length));
    rest = rest.drop_front(8 + length);
  }
  return strings;
}

llvm::Expected<GGUFFile> llmc::parseGGUF(llvm::MemoryBufferRef buffer, StringRef path) {
  StringRef bytes = buffer.getBuffer();
  if (bytes.size() < 8)
    return fileError(path, "file is " + Twine(bytes.size()) +
                               " bytes, too small for a GGUF header");
  if (endian::read32le(bytes.data()) != kMagic)
    return fileError(path, "not a GGUF file (it does not start with the magic 'GGUF')");
  GGUFFile file;
  file.alignment = kDefaultAlignment;
  file.version = endian::read32le(bytes.data() + 4);
  if (file.version != 0 && (file.version & 0xffff) == 0)
    return fileError(path, "big-endian GGUF files are not supported (GGUF version " +
                               Twine(llvm::byteswap(file.version)) + ", big-endian)");
  if (file.version < kMinVersion || file.version > kMaxVersion)
    return fileError(path, "GGUF version " + Twine(file.version) +
                               " is not supported (llmc reads versions 2 and 3)");

  Cursor c(bytes, path);
  StringRef skipped;
  cantFail(c.take(8, skipped, "the magic and version"));
  uint64_t tensorCount, keyValueCount;
  if (Error err = c.u64(tensorCount, "the tensor count"))
    return std::move(err);
  if (Error err = c.u64(keyValueCount, "the metadata count"))
    return std::move(err);
  if (keyValueCount > c.remaining() / kMinKeyValueBytes)
    return fileError(path, "metadata count " + Twine(keyValueCount) +
                               " is larger than the file can hold (" + Twine(bytes.size()) +
                               " bytes)");
  if (tensorCount > c.remaining() / kMinTensorInfoBytes)
    return fileError(path, "tensor count " + Twine(tensorCount) +
                               " is larger than the file can hold (" + Twine(bytes.size()) +
                               " bytes)");
  if (Error err = parseMetadata(c, path, keyValueCount, file))
    return std::move(err);
  if (tensorCount > c.remaining() / kMinTensorInfoBytes)
    return fileError(path, "file ends inside the tensor infos (" + Twine(tensorCount) +
                               " tensors need at least " +
                               Twine(tensorCount * kMinTensorInfoBytes) + " bytes after offset " +
                               Twine(c.offset()) + ", " + Twine(c.remaining()) +
                               " are left): truncated or corrupt");

  if (const GGUFValue *alignment = file.lookup("general.alignment")) {
    std::optional<uint64_t> value = alignment->asUnsigned();
    if (!value || !llvm::isPowerOf2_64(*value) || *value > (uint64_t(1) << 30))
      return fileError(path, "general.alignment must be a power of two up to 2^30");
    file.alignment = *value;
  }

  std::vector<uint64_t> relativeOffsets(tensorCount);
  file.tensors.resize(tensorCount);
  llvm::StringMap<bool> names;
  for (uint64_t i = 0; i < tensorCount; ++i) {
    GGUFTensorInfo &tensor = file.tensors[i];
    if (Error err = parseTensorInfo(c, path, i, tensor, relativeOffsets[i]))
      return std::move(err);
    if (!names.try_emplace(tensor.name, true).second)
      return fileError(path, "tensor '" + tensor.name + "' is listed twice");
  }

  // The data section starts at the next multiple of the alignment.
  uint64_t end = c.offset();
  file.dataOffset = llvm::alignTo(end, file.alignment);
  for (uint64_t i = 0; i < tensorCount; ++i) {
    GGUFTensorInfo &tensor = file.tensors[i];
    uint64_t relative = relativeOffsets[i];
    if (relative % file.alignment != 0)
      return fileError(path, "tensor '" + tensor.name + "' has data offset " + Twine(relative) +
                                 ", not a multiple of the alignment " +
                                 Twine(file.alignment));
    bool inside = checkedAdd(file.dataOffset, relative, tensor.offset) &&
                  tensor.offset <= bytes.size() && tensor.size <= bytes.size() - tensor.offset;
    if (!inside)
      return fileError(path, "tensor '" + tensor.name + "' (" + ggmlTypeName(tensor.ggmlType) +
                                 " " + formatShape(tensor.shape) + ", " + Twine(tensor.size) +
                                 " bytes at data offset " + Twine(relative) +
                                 ") runs past the end of the file (" + Twine(bytes.size()) +
                                 " bytes, data section at " + Twine(file.dataOffset) +
                                 "): truncated or corrupt");
  }
  if (Error err = checkOverlaps(file.tensors, path))
    return std::move(err);
  return file;
}
