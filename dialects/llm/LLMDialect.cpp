//===- LLMDialect.cpp - the llm dialect -----------------------------------===//
#include "dialects/llm/LLMDialect.h"
#include "dialects/llm/LLMAttrs.h"
#include "dialects/llm/LLMOps.h"
#include "dialects/llm/LLMTypes.h"

#include "llvm/ADT/TypeSwitch.h"

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
