//===- fuzz_metaparams.cpp - libFuzzer target for Meta's params.json reader ===//
//
// Feeds arbitrary text to parseMetaParams; every config it accepts must be one the rest of the
// compiler can use (fuzz_checks.h) once the vocabulary size is known (the importer takes it
// from the embedding when params.json says -1).
//
//===----------------------------------------------------------------------===//

#include "compiler/Importer/MetaParams.h"
#include "test/fuzz/fuzz_checks.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  int64_t vocab = 0;
  llvm::Expected<llmc::ModelConfig> config =
      llmc::parseMetaParams(text, "fuzz/params.json", vocab);
  if (!config) {
    llvm::consumeError(config.takeError());
    return 0;
  }
  llmc::fuzz::require(vocab == -1 || vocab > 0, "an accepted vocab_size is neither -1 nor > 0");
  config->vocabSize = vocab > 0 ? vocab : 512;
  llmc::fuzz::requireUsableConfig(*config);
  return 0;
}
