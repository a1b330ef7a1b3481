//===- LLMDialect.cpp - the llm dialect -----------------------------------===//
#include "dialects/llm/LLMDialect.h"
#include "dialects/llm/LLMAttrs.h"
#include "dialects/llm/LLMOps.h"
#include "dialects/llm/LLMTypes.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace mlir::llm;

#include "dialects/llm/LLMDialect.cpp.inc"
#include "dialects/llm/LLMEnums.cpp.inc"
#include "dialects/llm/LLMInterfaces.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "dialects/llm/LLMAttrs.cpp.inc"
#define GET_TYPEDEF_CLASSES
#include "dialects/llm/LLMTypes.cpp.inc"

void LLMDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/llm/LLMOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/llm/LLMAttrs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/llm/LLMTypes.cpp.inc"
      >();
}

llvm::StringRef llmc::weightsModeName(WeightsMode mode) {
  switch (mode) {
  case WeightsMode::Mapped:
    return "mapped";
  case WeightsMode::Embedded:
    return "embedded";
  case WeightsMode::Streamed:
    return "streamed";
  }
  llvm_unreachable("a WeightsMode without a name");
}

std::optional<llmc::WeightsMode> llmc::parseWeightsMode(llvm::StringRef name) {
  for (WeightsMode mode : {WeightsMode::Mapped, WeightsMode::Embedded, WeightsMode::Streamed})
    if (name == weightsModeName(mode))
      return mode;
  return std::nullopt;
}
