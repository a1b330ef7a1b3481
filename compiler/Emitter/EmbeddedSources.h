//===- EmbeddedSources.h - runtime and kernel sources inside llmc ---------===//
//
// llmc carries the runtime and the targets' kernel sources in its own binary (generated at build
// time by EmbedSources.cmake), so an installed llmc needs no source tree to write out/.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_EMITTER_EMBEDDEDSOURCES_H
#define LLMC_COMPILER_EMITTER_EMBEDDEDSOURCES_H

#include <cstddef>

namespace llmc {

struct EmbeddedFile {
  const char *path;     ///< relative to the repository root, e.g. "runtime/blob.cpp"
  bool llmRun;          ///< one of llm-run's sources (runtime/llm_run_sources.cmake), built
                        ///< into that executable, not into the model's library
  const char *contents;
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_EMBEDDEDSOURCES_H
