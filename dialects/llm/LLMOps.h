//===- LLMOps.h - llm dialect operations ------------------------*- C++ -*-===//
#ifndef LLMC_DIALECTS_LLM_LLMOPS_H
#define LLMC_DIALECTS_LLM_LLMOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/llm/LLMAttrs.h"
#include "dialects/llm/LLMDialect.h"
#include "dialects/llm/LLMTypes.h"
#include "dialects/llm/RopeParameters.h"

#include "dialects/llm/LLMOpInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/llm/LLMOps.h.inc"

#endif // LLMC_DIALECTS_LLM_LLMOPS_H
