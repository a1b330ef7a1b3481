//===- fuzz_hfconfig.cpp - libFuzzer target for the config.json reader ----===//
//
// Feeds arbitrary text to parseHFConfig, the only reader of config.json; every config it accepts
// must be one the rest of the compiler can use (fuzz_checks.h).
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/HFConfig.h"
#include "test/fuzz/fuzz_checks.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<llmc::ModelConfig> config = llmc::parseHFConfig(text, "fuzz/config.json");
  if (!config) {
    llvm::consumeError(config.takeError());
    return 0;
  }
  llmc::fuzz::requireUsableConfig(*config);
  return 0;
}
