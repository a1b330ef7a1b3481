//===- Llama2c.h - llama2.c checkpoints and tokenizer.bin -----------------===//
//
// Readers that work on buffers, so that tests and fuzzers can feed them bytes directly.
// importLlama2c (Importer.h) maps the files and calls these.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_COMPILER_IMPORTER_LLAMA2C_H
#define LLMC_COMPILER_IMPORTER_LLAMA2C_H

#include "compiler/Importer/ModelConfig.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>

namespace llmc {

/// Reads the llama2.c checkpoint held in `file` (named `path` in messages): legacy version 0
/// (7 int32 header, negative vocab_size = separate classifier, freq_cis tables) or version 1
/// ("ak42" magic, 256-byte header). The file size must match the header exactly. The tensors
/// point into `file`; q_proj and k_proj get a row permutation from llama2.c's interleaved RoPE
/// pairs to the Hugging Face rotate-half layout.
llvm::Expected<ImportedModel> readLlama2cCheckpoint(std::shared_ptr<llvm::MemoryBuffer> file,
                                                    llvm::StringRef path);

/// Reads a llama2.c tokenizer.bin (int32 max_token_length, then per token: float score,
/// int32 length, bytes) that must hold exactly `vocabSize` tokens.
llvm::Expected<Vocabulary> readLlama2cTokenizer(llvm::MemoryBufferRef buffer,
                                                llvm::StringRef path, int64_t vocabSize);

/// The row permutation taking q/k rows of `numHeads` heads of `headDim` rows from interleaved
/// RoPE pairs (2i, 2i+1) to rotate-half pairs (i, i + headDim/2): result row
/// h*headDim + j*headDim/2 + i = source row h*headDim + 2*i + j.
std::vector<int64_t> interleavedToRotateHalf(int64_t numHeads, int64_t headDim);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_LLAMA2C_H
