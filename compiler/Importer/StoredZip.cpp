//===- StoredZip.cpp - the directory of a zip archive of stored entries ---===//
//
// Layout (APPNOTE.TXT): local file headers and data, the central directory, an optional zip64
// end record and its locator, the end-of-central-directory record (22 bytes + a comment).
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/StoredZip.h"
#include "compiler/Importer/ImporterUtil.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Endian.h"

using namespace llmc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

namespace {

constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr uint64_t kEndSize = 22, kLocatorSize = 20, kZip64EndSize = 56;
constexpr uint64_t kCentralSize = 46, kLocalSize = 30;
constexpr uint32_t kSaturated32 = 0xffffffff;

/// Little-endian reads at `at`; the caller has checked the range.
uint16_t u16(StringRef bytes, uint64_t at) {
  return llvm::support::endian::read16le(bytes.data() + at);
}
uint32_t u32(StringRef bytes, uint64_t at) {
  return llvm::support::endian::read32le(bytes.data() + at);
}
uint64_t u64(StringRef bytes, uint64_t at) {
  return llvm::support::endian::read64le(bytes.data() + at);
}

/// Whether [at, at + size) lies inside `bytes`.
bool inside(StringRef bytes, uint64_t at, uint64_t size) {
  return at <= bytes.size() && size <= bytes.size() - at;
}

/// Where the central directory is and how many entries it has.
struct Directory {
  uint64_t offset = 0, size = 0, entries = 0;
};

llvm::Expected<Directory> findDirectory(StringRef bytes, StringRef path) {
  // The end record is the last thing in the file, followed only by its comment (< 64 KiB).
  if (bytes.size() < kEndSize)
    return fileError(path, "is " + Twine(bytes.size()) +
                               " bytes, too small for a zip archive (truncated?)");
  uint64_t end = bytes.size() - kEndSize;
  uint64_t lowest = bytes.size() > kEndSize + 0xffff ? bytes.size() - kEndSize - 0xffff : 0;
  for (;; --end) {
    if (u32(bytes, end) == kEndSignature && end + kEndSize + u16(bytes, end + 20) == bytes.size())
      break;
    if (end == lowest)
      return fileError(path, "has no zip end-of-central-directory record (not a zip archive, "
                             "or truncated)");
  }
  if (u16(bytes, end + 4) != 0 || u16(bytes, end + 6) != 0)
    return fileError(path, "is a multi-disk zip archive, which torch.save never writes");
  Directory dir{u32(bytes, end + 16), u32(bytes, end + 12), u16(bytes, end + 10)};
  if (end >= kLocatorSize && u32(bytes, end - kLocatorSize) == kZip64LocatorSignature) {
    uint64_t at = u64(bytes, end - kLocatorSize + 8);
    if (!inside(bytes, at, kZip64EndSize) || u32(bytes, at) != kZip64EndSignature)
      return fileError(path, "zip64 end record is missing or outside the file");
    dir = {u64(bytes, at + 48), u64(bytes, at + 40), u64(bytes, at + 32)};
  }
  if (!inside(bytes, dir.offset, dir.size))
    return fileError(path, "zip central directory lies outside the file (truncated?)");
  return dir;
}

/// The zip64 extra field of a central directory entry replaces, in this order, each of the
/// uncompressed size, compressed size and local header offset that reads 0xffffffff.
llvm::Error readZip64Extra(StringRef extra, StringRef path, StringRef name, uint64_t &size,
                           uint64_t &compressed, uint64_t &local) {
  for (uint64_t at = 0; at + 4 <= extra.size();) {
    uint16_t id = u16(extra, at), length = u16(extra, at + 2);
    if (!inside(extra, at + 4, length))
      break;
    if (id == 1) {
      StringRef field = extra.substr(at + 4, length);
      uint64_t used = 0;
      for (uint64_t *value : {&size, &compressed, &local}) {
        if (*value != kSaturated32)
          continue;
        if (used + 8 > field.size())
          return fileError(path, "zip entry '" + name + "' has a short zip64 extra field");
        *value = u64(field, used);
        used += 8;
      }
      return llvm::Error::success();
    }
    at += 4 + length;
  }
  if (size == kSaturated32 || compressed == kSaturated32 || local == kSaturated32)
    return fileError(path, "zip entry '" + name + "' lacks its zip64 extra field");
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::vector<ZipEntry>> llmc::readStoredZip(StringRef bytes, StringRef path) {
  llvm::Expected<Directory> dir = findDirectory(bytes, path);
  if (!dir)
    return dir.takeError();
  std::vector<ZipEntry> entries;
  uint64_t at = dir->offset, end = dir->offset + dir->size;
  for (uint64_t i = 0; i < dir->entries; ++i) {
    if (!inside(bytes, at, kCentralSize) || at + kCentralSize > end ||
        u32(bytes, at) != kCentralSignature)
      return fileError(path, "zip central directory entry " + Twine(i) + " is malformed");
    uint16_t flags = u16(bytes, at + 8), method = u16(bytes, at + 10);
    uint64_t compressed = u32(bytes, at + 20), size = u32(bytes, at + 24);
    uint64_t nameLength = u16(bytes, at + 28), extraLength = u16(bytes, at + 30),
             commentLength = u16(bytes, at + 32), local = u32(bytes, at + 42);
    uint64_t next = at + kCentralSize + nameLength + extraLength + commentLength;
    if (next > end)
      return fileError(path, "zip central directory entry " + Twine(i) + " is malformed");
    ZipEntry entry;
    entry.name = bytes.substr(at + kCentralSize, nameLength).str();
    if (Error err = readZip64Extra(bytes.substr(at + kCentralSize + nameLength, extraLength),
                                   path, entry.name, size, compressed, local))
      return std::move(err);
    if (flags & 1)
      return fileError(path, "zip entry '" + entry.name + "' is encrypted");
    if (method != 0)
      return fileError(path, "zip entry '" + entry.name + "' is compressed (method " +
                                 Twine(method) +
                                 "); torch.save stores entries uncompressed, and llmc maps "
                                 "tensors where they lie");
    if (compressed != size)
      return fileError(path, "zip entry '" + entry.name + "' is stored but its sizes differ");
    if (!inside(bytes, local, kLocalSize) || u32(bytes, local) != kLocalSignature)
      return fileError(path, "zip entry '" + entry.name +
                                 "' has no local header where the directory says (truncated?)");
    entry.offset = local + kLocalSize + u16(bytes, local + 26) + u16(bytes, local + 28);
    entry.size = size;
    if (!inside(bytes, entry.offset, entry.size))
      return fileError(path, "zip entry '" + entry.name + "' (" + Twine(entry.size) +
                                 " bytes) reaches past the end of the file (truncated?)");
    entries.push_back(std::move(entry));
    at = next;
  }
  return entries;
}
