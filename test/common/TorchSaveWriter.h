//===- TorchSaveWriter.h - torch.save's zip and pickle, for tests and seeds ===//
//
// Builds the pickle of a state dict opcode by opcode (protocol 2, as torch.save writes it) and a
// zip of stored entries as APPNOTE.TXT lays it out, so that each test can break one thing. Plain
// C++17 (no LLVM, no GoogleTest), so both the importer unit tests and the fuzz seed writer use it.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TEST_COMMON_TORCHSAVEWRITER_H
#define LLMC_TEST_COMMON_TORCHSAVEWRITER_H

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace llmc::test::pickle {

/// PROTO 2.
inline std::string proto() { return std::string("\x80\x02"); }
/// BINUNICODE.
inline std::string text(const std::string &s) {
  std::string out = "X";
  uint32_t n = uint32_t(s.size());
  out.append(reinterpret_cast<const char *>(&n), 4); // little-endian hosts
  return out + s;
}
/// BININT1.
inline std::string small(uint8_t n) { return std::string("K") + char(n); }
/// GLOBAL.
inline std::string global(const std::string &module, const std::string &name) {
  return "c" + module + "\n" + name + "\n";
}
/// _rebuild_tensor_v2 of storage "0" (`numel` elements of `storage`) as a rows x cols tensor
/// at element `offset`, rows `rowStride` apart (default: cols).
inline std::string tensor(uint8_t rows, uint8_t cols, uint8_t numel, uint8_t offset = 0,
                          uint8_t rowStride = 0, const std::string &storage = "FloatStorage") {
  return global("torch._utils", "_rebuild_tensor_v2") + "(" + "(" + text("storage") +
         global("torch", storage) + text("0") + text("cpu") + small(numel) + "tQ" +
         small(offset) + small(rows) + small(cols) + "\x86" +
         small(rowStride ? rowStride : cols) + small(1) + "\x86" + "\x89" +
         global("collections", "OrderedDict") + ")R" + "tR";
}
/// {name: value} as torch.save writes a state dict: an OrderedDict (memoized, then filled).
inline std::string stateDict(const std::string &name, const std::string &value) {
  return proto() + global("collections", "OrderedDict") + ")Rq" + std::string(1, '\0') + "(" +
         text(name) + value + "u.";
}

} // namespace llmc::test::pickle

namespace llmc::test {

/// A zip of `entries` (name, bytes), each stored (or marked with compression `method`). With
/// `zip64`, as writers lay out archives past 4 GiB: the directory's sizes and offsets read
/// 0xffffffff and a zip64 extra field holds them, and a zip64 end record and its locator come
/// before the end record, whose counts and offsets are saturated too.
inline std::string storedZip(const std::vector<std::pair<std::string, std::string>> &entries,
                             uint16_t method = 0, bool zip64 = false) {
  auto u16 = [](std::string &s, uint16_t v) { s.append(reinterpret_cast<char *>(&v), 2); };
  auto u32 = [](std::string &s, uint32_t v) { s.append(reinterpret_cast<char *>(&v), 4); };
  auto u64 = [](std::string &s, uint64_t v) { s.append(reinterpret_cast<char *>(&v), 8); };
  const uint32_t saturated = 0xffffffff;
  std::string out, directory;
  for (const auto &[name, data] : entries) {
    uint32_t local = uint32_t(out.size()), size = uint32_t(data.size());
    u32(out, 0x04034b50);
    for (uint16_t v : {uint16_t(20), uint16_t(0), method, uint16_t(0), uint16_t(0)})
      u16(out, v);
    for (uint32_t v : {0u, size, size}) // CRC-32 (unchecked), sizes
      u32(out, v);
    u16(out, uint16_t(name.size()));
    u16(out, 0);
    out += name + data;
    u32(directory, 0x02014b50);
    for (uint16_t v : {uint16_t(20), uint16_t(20), uint16_t(0), method, uint16_t(0), uint16_t(0)})
      u16(directory, v);
    for (uint32_t v : {0u, zip64 ? saturated : size, zip64 ? saturated : size})
      u32(directory, v);
    for (uint16_t v : {uint16_t(name.size()), uint16_t(zip64 ? 28 : 0), uint16_t(0),
                       uint16_t(0), uint16_t(0)})
      u16(directory, v);
    u32(directory, 0);
    u32(directory, zip64 ? saturated : local);
    directory += name;
    if (zip64) { // id 1, 24 bytes: uncompressed size, compressed size, local header offset
      u16(directory, 1);
      u16(directory, 24);
      for (uint64_t v : {uint64_t(size), uint64_t(size), uint64_t(local)})
        u64(directory, v);
    }
  }
  uint32_t directoryAt = uint32_t(out.size());
  out += directory;
  if (zip64) {
    uint64_t endAt = out.size();
    u32(out, 0x06064b50);
    u64(out, 44); // the record's size after this field
    for (uint16_t v : {uint16_t(45), uint16_t(45)})
      u16(out, v);
    for (uint32_t v : {0u, 0u})
      u32(out, v);
    for (uint64_t v : {uint64_t(entries.size()), uint64_t(entries.size()),
                       uint64_t(directory.size()), uint64_t(directoryAt)})
      u64(out, v);
    u32(out, 0x07064b50);
    u32(out, 0);
    u64(out, endAt);
    u32(out, 1);
  }
  uint16_t count = zip64 ? 0xffff : uint16_t(entries.size());
  u32(out, 0x06054b50);
  for (uint16_t v : {uint16_t(0), uint16_t(0), count, count})
    u16(out, v);
  u32(out, zip64 ? saturated : uint32_t(directory.size()));
  u32(out, zip64 ? saturated : directoryAt);
  u16(out, 0);
  return out;
}

/// A consolidated.NN.pth holding {name: rows x cols float32 tensor}, values 0, 1, 2, ...
inline std::string torchSaveFile(const std::string &name, uint8_t rows, uint8_t cols) {
  std::string data;
  for (int i = 0; i < rows * cols; ++i) {
    float v = float(i);
    data.append(reinterpret_cast<const char *>(&v), 4);
  }
  return storedZip({{"archive/data.pkl",
                     pickle::stateDict(name, pickle::tensor(rows, cols, uint8_t(rows * cols)))},
                    {"archive/byteorder", "little"},
                    {"archive/data/0", data}});
}

} // namespace llmc::test

#endif // LLMC_TEST_COMMON_TORCHSAVEWRITER_H
