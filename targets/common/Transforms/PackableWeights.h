//===- PackableWeights.h - which weights a packing pass may reorder -*- C++ -*-===//
//
// What the targets' weight-packing passes (llm-x86-pack-weights, llm-arm-pack-weights) share:
// a weight may leave the row layout only when every reader runs a kernel written for the new
// one, that is when every reference to it is the matrix operand of a linear op that
// llm-split-rows cut into parts of whole groups, or, where the target has embedding kernels for
// its layouts, llm.embed's table.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_COMMON_TRANSFORMS_PACKABLEWEIGHTS_H
#define LLMC_TARGETS_COMMON_TRANSFORMS_PACKABLEWEIGHTS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"

namespace llmc {

/// For each weight symbol the module references: the first of `groups` (row counts, tallest
/// first) at whose multiples all the parts of every reader start, where every reader is a
/// linear op split by llm-split-rows and the weight its matrix operand (or, with
/// `embedReadsLayouts`, llm.embed's table, which constrains nothing); 0 where any reader (a
/// norm, a bias, an unsplit linear, llm.embed without `embedReadsLayouts`) needs the row
/// layout.
llvm::DenseMap<mlir::StringAttr, int64_t> packableRowGroups(mlir::ModuleOp module,
                                                            llvm::ArrayRef<int64_t> groups,
                                                            bool embedReadsLayouts = false);

} // namespace llmc

#endif // LLMC_TARGETS_COMMON_TRANSFORMS_PACKABLEWEIGHTS_H
