//===- fuzz_hfconfig.cpp - libFuzzer target for the config.json reader ----===//

#include "compiler/Importer/HFConfig.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<llmc::ModelConfig> config = llmc::parseHFConfig(text, "fuzz/config.json");
  if (!config)
    llvm::consumeError(config.takeError());
  return 0;
}
