//===- X86Dialect.h - the x86 targets' weight layouts -----------*- C++ -*-===//
#ifndef LLMC_TARGETS_X86_IR_X86DIALECT_H
#define LLMC_TARGETS_X86_IR_X86DIALECT_H

#include "dialects/llm/LLMAttrs.h"

#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "targets/x86/IR/X86Dialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "targets/x86/IR/X86Attrs.h.inc"

#endif // LLMC_TARGETS_X86_IR_X86DIALECT_H
