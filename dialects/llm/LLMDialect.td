//===- LLMDialect.td - the llm dialect ---------------------*- tablegen -*-===//
//
// The llm dialect describes a Llama-family model as whole-tensor operations on static shapes.
// Weights are symbols (llm.weight) that name entries of the compiler's weight table; their data
// never lives in the IR.
//
//===----------------------------------------------------------------------===//
#ifndef LLM_DIALECT_TD
#define LLM_DIALECT_TD

include "mlir/IR/OpBase.td"

def LLM_Dialect : Dialect {
  let name = "llm";
  let cppNamespace = "::mlir::llm";
  let summary = "Llama-family transformer blocks on static shapes";
  let description = [{
    Operations for the pieces of a Llama decoder: token embedding, RMSNorm, linear projections,
    rotary position embedding, causal grouped-query attention over a KV cache, SwiGLU and the
    residual add. A model is a module holding `llm.weight` symbols and functions `@prefill`
    (tokens to final hidden states), `@decode` (one token to its logits) and `@head` (hidden
    states to logits) whose leading tensor dimension is the number of tokens processed per call
    (the capacity; a call may process fewer).
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  // The pipeline's decisions are discardable `llm.*` attributes (the context length, the
  // thread split, the kernels, the memory plan); LLMAttrVerifier.cpp checks each one.
  let hasOperationAttrVerify = 1;
}

class LLM_Op<string mnemonic, list<Trait> traits = []>
    : Op<LLM_Dialect, mnemonic, traits>;

#endif // LLM_DIALECT_TD
