//===- fuzz_checks.h - what every reader's accepted output must satisfy ---===//
//
// An importer that accepts a file hands its config and vocabulary to the emitter, which writes
// tokenizer.bin (the file's vocabulary, or placeholder pieces from the config) for the runtime to
// open. So whatever a reader accepts, the runtime must open: the fuzz targets of the readers
// check it here. A check that does not hold traps (require), with the reason on stderr.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TEST_FUZZ_FUZZ_CHECKS_H
#define LLMC_TEST_FUZZ_FUZZ_CHECKS_H

#include "compiler/Emitter/TokenizerBlob.h"
#include "runtime/llmrt.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

namespace llmc::fuzz {

/// Traps, which libFuzzer reports as a crash with the input, unless `condition` holds.
inline void require(bool condition, const std::string &what) {
  if (condition)
    return;
  std::fprintf(stderr, "fuzz check failed: %s\n", what.c_str());
  __builtin_trap();
}

/// The runtime opens the compiler's tokenizer.bin of `vocabulary` and reads back what it holds.
inline void requireRuntimeOpens(const Vocabulary &vocabulary) {
  std::string bytes = tokenizerBlobBytes(vocabulary, /*idsOnly=*/false);
  llmrt_tokenizer t;
  char err[512] = "";
  require(llmrt_tokenizer_open_memory(bytes.data(), bytes.size(), "tokenizer.bin", &t, err,
                                      sizeof err) == LLM_OK,
          std::string("the runtime refuses the tokenizer.bin of an accepted input: ") + err);
  require(t.vocab_size == vocabulary.pieces.size() && t.bos_id == vocabulary.bosId &&
              t.eos_id == vocabulary.eosId &&
              t.dummy_prefix == uint32_t(vocabulary.dummyPrefix),
          "tokenizer.bin's header differs from the vocabulary");
  for (uint32_t id = 0; id < t.vocab_size; ++id) {
    const Vocabulary::Piece &piece = vocabulary.pieces[id];
    require(std::string(t.pieces[id], t.piece_lengths[id]) == piece.text &&
                t.types[id] == uint32_t(piece.type) &&
                std::memcmp(&t.scores[id], &piece.score, sizeof piece.score) == 0,
            "tokenizer.bin holds another piece " + std::to_string(id));
  }
  llmrt_tokenizer_free(&t);
}

/// What an accepted config promises the rest of the compiler: positive sizes, heads that group,
/// an even head_dim for RoPE, positive finite constants; and, for a vocabulary small enough to
/// build here, placeholder pieces the runtime opens (the tokenizer.bin of a model imported
/// without a tokenizer).
inline void requireUsableConfig(const ModelConfig &c) {
  require(c.hiddenSize > 0 && c.intermediateSize > 0 && c.numLayers > 0 && c.numHeads > 0 &&
              c.numKVHeads > 0 && c.headDim > 0 && c.vocabSize > 0 && c.maxPositions > 0,
          "an accepted config has a size that is not positive");
  require(c.numHeads % c.numKVHeads == 0 && c.headDim % 2 == 0,
          "an accepted config has heads that do not group, or an odd head_dim");
  require(c.rmsNormEps > 0 && c.ropeTheta > 0 && c.ropeScaling.factor > 0 &&
              std::isfinite(c.rmsNormEps) && std::isfinite(c.ropeTheta) &&
              std::isfinite(c.ropeScaling.factor),
          "an accepted config has a constant that is not positive and finite");
  if (c.vocabSize <= 4096)
    requireRuntimeOpens(placeholderVocabulary(c));
}

} // namespace llmc::fuzz

#endif // LLMC_TEST_FUZZ_FUZZ_CHECKS_H
