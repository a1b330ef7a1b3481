//===- GenericTarget.h - portable C++17, the reference of every target -*- C++ -*-===//
#ifndef LLMC_TARGETS_GENERIC_GENERICTARGET_H
#define LLMC_TARGETS_GENERIC_GENERICTARGET_H

#include "targets/common/TargetBackend.h"

#include <memory>

namespace llmc {

/// The generic kernels, single-threaded; every other target's kernels are tested against them.
/// No passes: linears run on row-major weights over whole rows.
std::unique_ptr<TargetBackend> createGenericTarget();
/// The kernels of the generic table (kernels_generic.def), by name.
std::vector<std::string> genericKernels();
/// The generic target's kernel sources under targets/, which every target's output also holds
/// (the fallback for ops without a target kernel).
const std::vector<std::string> &genericKernelFiles();

} // namespace llmc

#endif // LLMC_TARGETS_GENERIC_GENERICTARGET_H
