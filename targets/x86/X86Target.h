//===- X86Target.h - the x86-avx2 and x86-avx512 targets --------*- C++ -*-===//
#ifndef LLMC_TARGETS_X86_X86TARGET_H
#define LLMC_TARGETS_X86_X86TARGET_H

#include "targets/common/TargetBackend.h"

#include <memory>

namespace llmc::x86 {

/// x86-avx2 and x86-avx512: threaded row-range microkernels, their tiling and weight layouts.
std::vector<std::unique_ptr<TargetBackend>> createX86Targets();

} // namespace llmc::x86

#endif // LLMC_TARGETS_X86_X86TARGET_H
