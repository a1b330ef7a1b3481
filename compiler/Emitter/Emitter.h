//===- Emitter.h - write the out/ folder for a compiled module ------------===//
//
// The emitter turns a planned llm module plus the weight table into the files of out/. It reads
// the IR; it never rewrites it.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_EMITTER_EMITTER_H
#define LLMC_COMPILER_EMITTER_EMITTER_H

#include "compiler/Importer/ModelConfig.h"
#include "dialects/llm/LLMDialect.h"
#include "targets/common/TargetBackend.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace llmc {

struct EmitOptions {
  std::string modelName;         ///< e.g. "stories260K": a file name, never a path
  std::string sourceDescription; ///< e.g. "llama2.c checkpoint v0"
  std::string target = "generic";
  const TargetDescription *targetInfo = nullptr; ///< the registry's entry for `target`
  std::string quant = "f32";     ///< the scheme asked for, for the manifest
  bool showProgress = false;     ///< progress lines on stderr while writing weights
  /// What the C API's names start with (--api-prefix): llm_open / LLM_OK / llm_model for "llm",
  /// a_open / A_OK / a_model for "a". Any other than "llm" also puts the runtime's and kernels'
  /// C++ names in a namespace of their own (runtime/namespace.h), so that folders compiled with
  /// different prefixes link into one program.
  std::string apiPrefix = "llm";
  /// llmc compile --memory-budget: the bytes of RAM the compile was planned to fit (0: none).
  uint64_t memoryBudget = 0;
  /// The KV-cache length without --memory-budget (--context, else the model's default): more
  /// than the module's when the budget shortened it.
  int64_t defaultContext = 0;
};

/// Bytes of RAM of the compiled program, by what holds them, at its peak (every weight read,
/// the KV cache full); programMemory() (ProgramMemory.h) computes it.
struct ProgramMemory {
  uint64_t weightsResident = 0; ///< weights.bin: every byte (mapped: validated at open and
                                ///< read by each token; embedded: part of the program image);
                                ///< streamed: the weight buffer (resident tensors, 2 buffers)
  uint64_t kvCache = 0;         ///< LLM_MODEL_KV_CACHE_BYTES
  uint64_t arena = 0;           ///< LLM_MODEL_ARENA_BYTES (llmrt_arena_layout_of)
  uint64_t tokenizer = 0;       ///< tokenizer.bin (mapped) and the index llm_tokenizer_open builds
  uint64_t runtime = 0;         ///< code, C and C++ libraries, stacks: measured constants
  uint64_t total() const { return weightsResident + kvCache + arena + tokenizer + runtime; }
};

/// What the one-line summary and the manifest report.
struct EmitSummary {
  uint64_t weightBytes = 0;      ///< size of weights.bin
  uint64_t arenaBytes = 0;
  uint64_t kvCacheBytes = 0;
  uint64_t parameterCount = 0;
  uint64_t tableChecksum = 0;    ///< the weight table's checksum (llmrt_blob_header)
  std::string modelHash;         ///< hex of tableChecksum
  std::map<std::string, int64_t> tensorsByStorage; ///< "f32" / "q4_0" / ... -> tensor count
  /// The core speeds of a `--cores COUNTxSPEED,...` description (llm.cores); empty otherwise.
  std::vector<double> coreSpeeds;
  ProgramMemory ram; ///< programMemory() for one kernel thread
  /// The module's llm.weights_mode (mapped without one) and, streamed, llm.weights_budget: the
  /// weight buffer's bytes, llm_open's default.
  WeightsMode weightsMode = WeightsMode::Mapped;
  uint64_t weightsBudget = 0;
  int64_t layers = 0;         ///< streamed: the model's layers
  int64_t residentLayers = 0; ///< streamed: the first layers the budget keeps in memory
  /// streamed: the bytes of each of the two read buffers (runtime/stream_plan.h)
  std::array<uint64_t, 2> readBufferBytes = {0, 0};
  int64_t contextLength = 0;  ///< the KV cache's positions (llm.context_length)
};

/// Writes model.h, model.cpp, the target's kernels, weights.bin, tokenizer.bin, CMakeLists.txt,
/// manifest.json and runtime/ into `directory` (which must exist and be empty).
llvm::Error emitOutputFolder(mlir::ModuleOp module, const ImportedModel &model,
                             const EmitOptions &options, llvm::StringRef directory,
                             EmitSummary &summary);

//===----------------------------------------------------------------------===//
// The pieces, each in its own file.
//===----------------------------------------------------------------------===//

/// weights.bin: the tensors named by the module's llm.weight ops, in that order, as float32.
/// Streams one tensor at a time from the weight table.
llvm::Error writeWeightBlob(mlir::ModuleOp module, const WeightStore &weights,
                            llvm::StringRef path, bool showProgress, EmitSummary &summary);

/// tokenizer.bin from `vocabulary`, or placeholder pieces "<N>" when there is none.
llvm::Error writeTokenizerBlob(const std::optional<Vocabulary> &vocabulary,
                               const ModelConfig &config, llvm::StringRef path);

/// model.h and model.cpp.
llvm::Error writeModelSources(mlir::ModuleOp module, const EmitOptions &options,
                              llvm::StringRef directory, EmitSummary &summary);

/// CMakeLists.txt, the runtime and kernel sources (for `summary.weightsMode`), manifest.json.
llvm::Error writeProjectFiles(const ImportedModel &model, const EmitOptions &options,
                              llvm::StringRef directory, const EmitSummary &summary);

/// --weights-mode embedded: weights_embedded.S, weights_array.cmake and weights_embedded.cpp
/// (which holds the checksum of the weights.bin already written, from `summary`).
llvm::Error writeEmbeddedWeightsSources(const EmitOptions &options, llvm::StringRef directory,
                                        const EmitSummary &summary);

/// The lines of CMakeLists.txt that build the embedded weights into the model's library.
std::string embeddedWeightsCMake(const EmitOptions &options);

/// Writes `contents` to `path`, with an error naming the path on failure.
llvm::Error writeFile(llvm::StringRef path, llvm::StringRef contents);

/// Closes `os` (a full disk often shows only when the last buffer is flushed) and returns its
/// write error, if any, naming `path`. The stream's error is cleared: a stream destroyed with
/// one ends the process.
llvm::Error closeAndCheck(llvm::raw_fd_ostream &os, llvm::StringRef path);

} // namespace llmc

#endif // LLMC_COMPILER_EMITTER_EMITTER_H
