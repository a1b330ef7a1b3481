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

namespace mlir {
/// Reads a floating-point parameter of an attribute (#llm.rope's) as the double it prints:
/// MLIR parses integers, strings and attributes as parameters, not plain numbers.
template <>
struct FieldParser<llvm::APFloat> {
  static FailureOr<llvm::APFloat> parse(AsmParser &parser) {
    double value = 0.0;
    if (parser.parseFloat(value))
      return failure();
    return llvm::APFloat(value);
  }
};
} // namespace mlir

#define GET_ATTRDEF_CLASSES
#include "dialects/llm/LLMAttrs.h.inc"

#endif // LLMC_DIALECTS_LLM_LLMATTRS_H
