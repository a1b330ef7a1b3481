//===- ArmTarget.h - the arm-neon, arm-dotprod and arm-i8mm targets --*- C++ -*-===//
#ifndef LLMC_TARGETS_ARM_ARMTARGET_H
#define LLMC_TARGETS_ARM_ARMTARGET_H

#include "targets/common/TargetBackend.h"

#include <memory>

namespace llmc::arm {

/// arm-neon, arm-dotprod and arm-i8mm: threaded row-range microkernels for AArch64, the
/// generic kernels for the rest.
std::vector<std::unique_ptr<TargetBackend>> createArmTargets();

} // namespace llmc::arm

#endif // LLMC_TARGETS_ARM_ARMTARGET_H
