//===- LlamaToIR.h - build the llm module for an imported Llama -----------===//
#ifndef LLMC_COMPILER_IMPORTER_LLAMATOIR_H
#define LLMC_COMPILER_IMPORTER_LLAMATOIR_H

#include "compiler/Importer/ModelConfig.h"

#include "dialects/llm/LLMAttrs.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

namespace llmc {

struct LlamaToIROptions {
  int64_t contextLength = 0;  ///< KV-cache positions; 0: the model's max positions
  int64_t prefillTokens = 16; ///< rows of @prefill (tokens per call, at most)
};

/// The llm scheme a quantized source type stores bit for bit; nullopt for float types.
std::optional<mlir::llm::QuantScheme> quantSchemeOf(DType dtype);

/// Builds a module with one llm.weight per tensor of `weights` and the functions
///   @prefill(tensor<P x i32>, index) -> tensor<P x hidden x f32>  final hidden states
///   @decode(tensor<1 x i32>, index)  -> tensor<1 x vocab x f32>   one token to its logits
///   @head(tensor<P x hidden x f32>)  -> tensor<P x vocab x f32>   final norm and classifier
/// (P = options.prefillTokens). The module carries llm.context_length; ops carry name locations
/// ("layers.3.attention").
mlir::OwningOpRef<mlir::ModuleOp> buildLlamaModule(mlir::MLIRContext &context,
                                                   const ModelConfig &config,
                                                   const WeightStore &weights,
                                                   const LlamaToIROptions &options);

} // namespace llmc

#endif // LLMC_COMPILER_IMPORTER_LLAMATOIR_H
