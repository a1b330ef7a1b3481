//===- LLMAttrs.h - llm dialect attributes ----------------------*- C++ -*-===//
#ifndef LLMC_DIALECTS_LLM_LLMATTRS_H
#define LLMC_DIALECTS_LLM_LLMATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialects/llm/LLMEnums.h.inc"
#include "dialects/llm/LLMInterfaces.h.inc"

namespace mlir::llm {
/// Elements per block of a scheme (32, or 256 for the k-quants).
int64_t quantBlockSize(QuantScheme scheme);
/// Bytes per block of a scheme, as GGUF stores it.
int64_t quantBlockBytes(QuantScheme scheme);
} // namespace mlir::llm

#define GET_ATTRDEF_CLASSES
#include "dialects/llm/LLMAttrs.h.inc"

#endif // LLMC_DIALECTS_LLM_LLMATTRS_H
