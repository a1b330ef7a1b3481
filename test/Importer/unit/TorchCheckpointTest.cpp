//===- TorchCheckpointTest.cpp - torch.save's zip and its restricted pickle -===//
//
// The pickles are written opcode by opcode (test/common/TorchSaveWriter.h), so that each case
// breaks one thing; the ones that name os.system or builtins.eval are what pickle.dumps writes
// for an object whose __reduce__ returns those functions.
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/StoredZip.h"
#include "compiler/Importer/TorchPickle.h"

#include "TestUtil.h"
#include "test/common/TorchSaveWriter.h"

using namespace llmc;
using namespace llmc::test;
using namespace llmc::test::pickle;
using namespace std::string_literals;

namespace {

const std::string kProto = pickle::proto();

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

std::string zipError(const std::string &bytes) {
  llvm::Expected<std::vector<ZipEntry>> entries = readStoredZip(bytes, "c.pth");
  return errorOf(entries);
}

TEST(StoredZipTest, ReadsStoredEntries) {
  for (bool zip64 : {false, true}) {
    std::string zip =
        storedZip({{"a/data.pkl", "pickle"}, {"a/data/0", "0123456789"}}, 0, zip64);
    llvm::Expected<std::vector<ZipEntry>> entries = readStoredZip(zip, "c.pth");
    ASSERT_TRUE(bool(entries)) << errorOf(entries) << " zip64 " << zip64;
    ASSERT_EQ(entries->size(), 2u);
    EXPECT_EQ((*entries)[0].name, "a/data.pkl");
    EXPECT_EQ(zip.substr((*entries)[0].offset, (*entries)[0].size), "pickle");
    EXPECT_EQ((*entries)[1].name, "a/data/0");
    EXPECT_EQ(zip.substr((*entries)[1].offset, (*entries)[1].size), "0123456789");
  }
}

TEST(StoredZipTest, Errors) {
  std::string zip = storedZip({{"a/data.pkl", "pickle"}, {"a/data/0", "0123456789"}});
  EXPECT_CONTAINS(zipError(zip.substr(0, zip.size() - 10)),
                  "c.pth: has no zip end-of-central-directory record");
  EXPECT_CONTAINS(zipError("short"), "too small for a zip archive");
  EXPECT_CONTAINS(zipError(storedZip({{"a/data.pkl", "x"}}, 8)),
                  "c.pth: zip entry 'a/data.pkl' is compressed (method 8)");
  // The entry's data cut short, the directory kept: the directory points past the end.
  std::string cut = zip;
  cut.erase(40, 30);
  EXPECT_NE(zipError(cut), "");
  // zip64: the end record's locator points at nothing, or the extra field is missing.
  std::string zip64 = storedZip({{"a/data.pkl", "pickle"}}, 0, true);
  std::string badLocator = zip64;
  badLocator[badLocator.size() - 22 - 20 + 8] ^= 0x40;
  EXPECT_CONTAINS(zipError(badLocator), "zip64 end record is missing or outside the file");
  std::string noExtra = zip64;
  size_t extra = noExtra.find(std::string("\x01\x00\x18\x00", 4));
  ASSERT_NE(extra, std::string::npos);
  noExtra[extra] = 9; // another extra field's id
  EXPECT_CONTAINS(zipError(noExtra), "zip entry 'a/data.pkl' lacks its zip64 extra field");
}

} // namespace
