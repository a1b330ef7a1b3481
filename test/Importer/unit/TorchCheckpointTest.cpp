//===- TorchCheckpointTest.cpp - torch.save's zip and its restricted pickle -===//
//
// The pickles are written opcode by opcode, so that each case breaks one thing; the ones that
// name os.system or builtins.eval are what pickle.dumps writes for an object whose __reduce__
// returns those functions.
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/StoredZip.h"
#include "compiler/Importer/TorchPickle.h"

#include "TestUtil.h"

using namespace llmc;
using namespace llmc::test;
using namespace std::string_literals;

namespace {

/// Pickle pieces (protocol 2).
const std::string kProto = "\x80\x02";
std::string text(const std::string &s) {
  std::string out = "X";
  uint32_t n = uint32_t(s.size());
  out.append(reinterpret_cast<const char *>(&n), 4);
  return out + s;
}
std::string small(uint8_t n) { return std::string("K") + char(n); }
std::string global(const std::string &module, const std::string &name) {
  return "c" + module + "\n" + name + "\n";
}
/// _rebuild_tensor_v2 of a float storage "0" of `numel` elements, as a 2-D tensor.
std::string tensor(uint8_t rows, uint8_t cols, uint8_t numel, uint8_t offset = 0,
                   uint8_t rowStride = 0, const std::string &storage = "FloatStorage") {
  return global("torch._utils", "_rebuild_tensor_v2") + "(" + "(" + text("storage") +
         global("torch", storage) + text("0") + text("cpu") + small(numel) + "tQ" +
         small(offset) + small(rows) + small(cols) + "\x86" +
         small(rowStride ? rowStride : cols) + small(1) + "\x86" + "\x89" +
         global("collections", "OrderedDict") + ")R" + "tR";
}
/// {name: value} as torch.save writes a state dict: an OrderedDict.
std::string stateDict(const std::string &name, const std::string &value) {
  return kProto + global("collections", "OrderedDict") + ")Rq\x00("s + text(name) + value + "u.";
}

std::string pickleError(const std::string &bytes) {
  llvm::Expected<std::vector<TorchTensor>> tensors = readTorchStateDict(bytes, "c.pth");
  return errorOf(tensors);
}

TEST(TorchPickleTest, ReadsAStateDict) {
  llvm::Expected<std::vector<TorchTensor>> tensors =
      readTorchStateDict(stateDict("w", tensor(2, 3, 8, 2, 3, "BFloat16Storage")), "c.pth");
  ASSERT_TRUE(bool(tensors)) << errorOf(tensors);
  ASSERT_EQ(tensors->size(), 1u);
  const TorchTensor &t = (*tensors)[0];
  EXPECT_EQ(t.name, "w");
  EXPECT_EQ(t.dtype, DType::BF16);
  EXPECT_EQ(t.storageKey, "0");
  EXPECT_EQ(t.storageNumel, 8u);
  EXPECT_EQ(t.storageOffset, 2u);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.stride, (std::vector<int64_t>{3, 1}));
}

TEST(TorchPickleTest, RefusesOtherGlobals) {
  // pickle.dumps of an object whose __reduce__ is (os.system, ("true",)).
  EXPECT_CONTAINS(pickleError(kProto + global("posix", "system") + text("true") + "\x85R."),
                  "c.pth: pickle byte 2: refuses global 'posix.system'");
  EXPECT_CONTAINS(pickleError(stateDict("w", global("builtins", "eval") + "(" +
                                                 text("1") + "tR")),
                  "refuses global 'builtins.eval'");
  EXPECT_CONTAINS(pickleError(stateDict("w", global("torch", "LongStorage"))),
                  "refuses global 'torch.LongStorage'");
  EXPECT_CONTAINS(pickleError(stateDict("w", global("torch._utils", "_rebuild_parameter"))),
                  "refuses global 'torch._utils._rebuild_parameter'");
}

TEST(TorchPickleTest, RefusesOtherOpcodes) {
  // INST and STACK_GLOBAL find a callable without GLOBAL; OBJ and NEWOBJ call one.
  EXPECT_CONTAINS(pickleError(kProto + "iposix\nsystem\n."), "opcode 0x69 ('i') is not one");
  EXPECT_CONTAINS(pickleError(kProto + text("os") + text("system") + "\x93."),
                  "opcode 0x93 is not one a torch state dict uses");
  EXPECT_CONTAINS(pickleError(kProto + "(o."), "opcode 0x6f ('o')");
  EXPECT_CONTAINS(pickleError(kProto + ")\x81."), "opcode 0x81");
  EXPECT_CONTAINS(pickleError("\x80\x04\x95"), "pickle protocol 4");
}

TEST(TorchPickleTest, RefusesCallsOfWhatIsNotAFunction) {
  EXPECT_CONTAINS(pickleError(stateDict("w", global("torch", "FloatStorage") + ")R")),
                  "REDUCE applies 'torch.FloatStorage', which is not a function");
  EXPECT_CONTAINS(pickleError(stateDict("w", global("collections", "OrderedDict") + "(" +
                                                 small(1) + "tR")),
                  "collections.OrderedDict is given arguments");
  EXPECT_CONTAINS(pickleError(stateDict(
                      "w", global("torch._utils", "_rebuild_tensor_v2") + "(" + small(1) + "tR")),
                  "_rebuild_tensor_v2 is not given (storage, offset");
  EXPECT_CONTAINS(pickleError(stateDict("w", "(" + text("storage") + text("x") + "tQ")),
                  "a persistent id is not ('storage', type, key, location, numel)");
}

TEST(TorchPickleTest, RefusesMalformedStreams) {
  std::string good = stateDict("w", tensor(2, 3, 6));
  EXPECT_CONTAINS(pickleError(good.substr(0, good.size() - 1)), "ends without STOP");
  EXPECT_CONTAINS(pickleError(good.substr(0, 20)), "truncated");
  EXPECT_CONTAINS(pickleError(kProto + "s."), "pops from an empty stack");
  EXPECT_CONTAINS(pickleError(kProto + "h\x05."), "reads memo entry 5, which was never written");
  EXPECT_CONTAINS(pickleError(kProto + "}" + text("a") + text("b") + "."),
                  "STOP leaves values on the stack");
  EXPECT_CONTAINS(pickleError(kProto + small(1) + "(" + small(2) + small(3) + "u."),
                  "sets items on something that is not a dict");
  EXPECT_CONTAINS(pickleError(kProto + "\x8a\x09" + std::string(9, '\0') + "."),
                  "an integer of 9 bytes does not fit in 64 bits");
}

TEST(TorchPickleTest, RefusesWhatIsNotADictOfTensors) {
  EXPECT_CONTAINS(pickleError(kProto + small(1) + "."), "the pickle holds no dict of tensors");
  EXPECT_CONTAINS(pickleError(stateDict("w", small(1))), "the state dict's 'w' is not a tensor");
  // A dict that holds itself through the memo: refused, and nothing leaks or recurses.
  EXPECT_CONTAINS(pickleError(kProto + "}q\x00"s + text("self") + "h\x00s."s),
                  "the state dict's 'self' is not a tensor");
  std::string twice = kProto + "}(" + text("w") + tensor(1, 1, 1) + text("w") +
                      tensor(1, 1, 1) + "u.";
  EXPECT_CONTAINS(pickleError(twice), "the state dict has 'w' twice");
}

/// A zip of stored entries as APPNOTE.TXT lays it out (no zip64); `method` is written as the
/// compression method of every entry.
std::string makeZip(const std::vector<std::pair<std::string, std::string>> &entries,
                    uint16_t method = 0) {
  auto u16 = [](std::string &s, uint16_t v) { s.append(reinterpret_cast<char *>(&v), 2); };
  auto u32 = [](std::string &s, uint32_t v) { s.append(reinterpret_cast<char *>(&v), 4); };
  std::string out, directory;
  for (const auto &[name, data] : entries) {
    uint32_t local = uint32_t(out.size());
    u32(out, 0x04034b50);
    for (uint16_t v : {20, 0, int(method), 0, 0})
      u16(out, v);
    for (uint32_t v : {0u, uint32_t(data.size()), uint32_t(data.size())})
      u32(out, v);
    u16(out, uint16_t(name.size()));
    u16(out, 0);
    out += name + data;
    u32(directory, 0x02014b50);
    for (uint16_t v : {20, 20, 0, int(method), 0, 0})
      u16(directory, v);
    for (uint32_t v : {0u, uint32_t(data.size()), uint32_t(data.size())})
      u32(directory, v);
    for (uint16_t v : {uint16_t(name.size()), uint16_t(0), uint16_t(0), uint16_t(0),
                       uint16_t(0)})
      u16(directory, v);
    u32(directory, 0);
    u32(directory, local);
    directory += name;
  }
  uint32_t directoryAt = uint32_t(out.size());
  out += directory;
  u32(out, 0x06054b50);
  for (uint16_t v : {0, 0, int(entries.size()), int(entries.size())})
    u16(out, uint16_t(v));
  u32(out, uint32_t(directory.size()));
  u32(out, directoryAt);
  u16(out, 0);
  return out;
}

std::string zipError(const std::string &bytes) {
  llvm::Expected<std::vector<ZipEntry>> entries = readStoredZip(bytes, "c.pth");
  return errorOf(entries);
}

TEST(StoredZipTest, ReadsStoredEntries) {
  std::string zip = makeZip({{"a/data.pkl", "pickle"}, {"a/data/0", "0123456789"}});
  llvm::Expected<std::vector<ZipEntry>> entries = readStoredZip(zip, "c.pth");
  ASSERT_TRUE(bool(entries)) << errorOf(entries);
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[1].name, "a/data/0");
  EXPECT_EQ(zip.substr((*entries)[1].offset, (*entries)[1].size), "0123456789");
}

TEST(StoredZipTest, Errors) {
  std::string zip = makeZip({{"a/data.pkl", "pickle"}, {"a/data/0", "0123456789"}});
  EXPECT_CONTAINS(zipError(zip.substr(0, zip.size() - 10)),
                  "c.pth: has no zip end-of-central-directory record");
  EXPECT_CONTAINS(zipError("short"), "too small for a zip archive");
  EXPECT_CONTAINS(zipError(makeZip({{"a/data.pkl", "x"}}, 8)),
                  "c.pth: zip entry 'a/data.pkl' is compressed (method 8)");
  // The entry's data cut short, the directory kept: the directory points past the end.
  std::string cut = zip;
  cut.erase(40, 30);
  EXPECT_NE(zipError(cut), "");
}

} // namespace
