//===- Safetensors.cpp - the safetensors container format -----------------===//

#include "compiler/Importer/Safetensors.h"
#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"

#include <optional>

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// The dtype called `name` in a safetensors header, if llmc reads it.
std::optional<DType> parseDType(StringRef name) {
  return llvm::StringSwitch<std::optional<DType>>(name)
      .Case("F32", DType::F32)
      .Case("F16", DType::F16)
      .Case("BF16", DType::BF16)
      .Default(std::nullopt);
}

/// A JSON value as a non-negative integer.
std::optional<uint64_t> asCount(const llvm::json::Value &value) {
  if (std::optional<int64_t> i = value.getAsInteger())
    if (*i >= 0)
      return uint64_t(*i);
  return std::nullopt;
}

/// Validates one header entry `name: {...}` and appends it to `header`.
Error parseEntry(StringRef path, StringRef name, const llvm::json::Value &value,
                 uint64_t dataSize, SafetensorsHeader &header) {
  auto fail = [&](const Twine &message) {
    return fileError(path, "tensor '" + name + "': " + message);
  };
  const llvm::json::Object *entry = value.getAsObject();
  if (!entry)
    return fail("header entry is not an object");

  std::optional<StringRef> dtypeName = entry->getString("dtype");
  if (!dtypeName)
    return fail("missing string 'dtype'");
  std::optional<DType> dtype = parseDType(*dtypeName);
  if (!dtype)
    return fileError(path, "unsupported dtype '" + *dtypeName + "' for tensor '" + name +
                               "' (supported: F32, F16, BF16)");

  const llvm::json::Array *shapeArray = entry->getArray("shape");
  if (!shapeArray)
    return fail("missing array 'shape'");
  SafetensorsTensor tensor;
  tensor.name = name.str();
  tensor.dtype = *dtype;
  uint64_t bytes = dtypeSize(*dtype);
  for (const llvm::json::Value &dim : *shapeArray) {
    std::optional<uint64_t> d = asCount(dim);
    if (!d)
      return fail("shape entries must be non-negative integers");
    if (!checkedMul(bytes, *d, bytes) || bytes > uint64_t(INT64_MAX))
      return fail("shape is too large");
    tensor.shape.push_back(int64_t(*d));
  }

  const llvm::json::Array *offsets = entry->getArray("data_offsets");
  if (!offsets || offsets->size() != 2)
    return fail("missing 'data_offsets' [begin, end]");
  std::optional<uint64_t> begin = asCount((*offsets)[0]);
  std::optional<uint64_t> end = asCount((*offsets)[1]);
  if (!begin || !end || *end < *begin)
    return fail("data_offsets must be integers with 0 <= begin <= end");
  if (*end > dataSize)
    return fail("data_offsets [" + Twine(*begin) + ", " + Twine(*end) +
                "] reach past the end of the data section (" + Twine(dataSize) +
                " bytes): the file is truncated or corrupt");
  if (*end - *begin != bytes)
    return fail("data_offsets [" + Twine(*begin) + ", " + Twine(*end) + "] hold " +
                Twine(*end - *begin) + " bytes but " + *dtypeName + " " +
                formatShape(tensor.shape) + " needs " + Twine(bytes));
  tensor.offset = header.dataOffset + *begin;
  tensor.size = bytes;
  header.tensors.push_back(std::move(tensor));
  return Error::success();
}

} // namespace

llvm::Expected<SafetensorsHeader> llmc::parseSafetensors(llvm::MemoryBufferRef buffer,
                                                         StringRef path) {
  StringRef bytes = buffer.getBuffer();
  if (bytes.size() < 8)
    return fileError(path, "file is " + Twine(bytes.size()) +
                               " bytes, too small for a safetensors header");
  uint64_t headerSize = llvm::support::endian::read64le(bytes.data());
  if (headerSize > bytes.size() - 8)
    return fileError(path, "safetensors header length " + Twine(headerSize) +
                               " is larger than the file (" + Twine(bytes.size()) +
                               " bytes): not a safetensors file, or truncated");

  SafetensorsHeader header;
  header.dataOffset = 8 + headerSize;
  uint64_t dataSize = bytes.size() - header.dataOffset;

  // The header may be padded with trailing spaces; llvm::json accepts trailing whitespace.
  llvm::Expected<llvm::json::Value> json =
      parseJSON(bytes.substr(8, headerSize), path, "safetensors header");
  if (!json)
    return json.takeError();
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return fileError(path, "safetensors header is not a JSON object");

  for (const auto &[key, value] : *root) {
    StringRef name = key;
    if (name == "__metadata__") {
      if (!value.getAsObject() && !value.getAsNull())
        return fileError(path, "safetensors '__metadata__' is not an object");
      continue;
    }
    if (name.empty())
      return fileError(path, "safetensors header has a tensor with an empty name");
    if (Error err = parseEntry(path, name, value, dataSize, header))
      return std::move(err);
  }

  // JSON objects are unordered: sort by position in the file, then check for overlaps.
  llvm::sort(header.tensors, [](const SafetensorsTensor &a, const SafetensorsTensor &b) {
    return std::tie(a.offset, a.size, a.name) < std::tie(b.offset, b.size, b.name);
  });
  const SafetensorsTensor *previous = nullptr;
  for (const SafetensorsTensor &tensor : header.tensors) {
    if (tensor.size == 0)
      continue;
    if (previous && tensor.offset < previous->offset + previous->size)
      return fileError(path, "tensors '" + previous->name + "' and '" + tensor.name +
                                 "' overlap in the data section");
    previous = &tensor;
  }
  return header;
}
