//===- ArmDialect.h - the ARM targets' weight layouts -----------*- C++ -*-===//
#ifndef LLMC_TARGETS_ARM_IR_ARMDIALECT_H
#define LLMC_TARGETS_ARM_IR_ARMDIALECT_H

#include "dialects/llm/LLMAttrs.h"

#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "targets/arm/IR/ArmDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "targets/arm/IR/ArmAttrs.h.inc"

#endif // LLMC_TARGETS_ARM_IR_ARMDIALECT_H
