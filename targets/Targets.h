//===- Targets.h - the registry of code generation targets ------*- C++ -*-===//
//
// Every target llmc can emit code for. Adding one is a folder under targets/ and one line in
// Targets.cpp (docs/adding-a-target.md).
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_TARGETS_H
#define LLMC_TARGETS_TARGETS_H

#include "targets/common/TargetBackend.h"

#include <string>

namespace llmc {

/// Every target, generic first.
llvm::ArrayRef<const TargetBackend *> allTargets();
/// The target called `name`, or nullptr.
const TargetBackend *lookupTarget(llvm::StringRef name);
/// "generic, x86-avx2, x86-avx512, arm-neon, ..." for messages.
std::string targetNames();
/// Every target's dialects (for a tool that parses modules of any target).
void registerTargetDialects(mlir::DialectRegistry &registry);
/// Every target's passes (for llmc-opt).
void registerTargetPasses();

} // namespace llmc

#endif // LLMC_TARGETS_TARGETS_H
