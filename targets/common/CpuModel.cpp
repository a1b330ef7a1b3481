//===- CpuModel.cpp - the CPU a target's passes plan for ------------------===//
#include "targets/common/CpuModel.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace llmc {

std::vector<std::pair<llvm::StringRef, int64_t>> cpuModelFields(const CpuModel &cpu) {
  return {{"vector_registers", cpu.vectorRegisters},
          {"vector_bits", cpu.vectorBits},
          {"l1d_bytes", cpu.l1dBytes},
          {"l2_bytes", cpu.l2Bytes},
          {"default_cores", cpu.defaultCores},
          {"row_tile", cpu.rowTile},
          {"min_rows_per_part", cpu.minRowsPerPart},
          {"weight_row_group", cpu.weightRowGroup}};
}

mlir::DictionaryAttr cpuModelAttr(mlir::MLIRContext *context, llvm::StringRef target,
                                  const CpuModel &cpu) {
  mlir::Builder builder(context);
  llvm::SmallVector<mlir::NamedAttribute> entries = {
      builder.getNamedAttr("name", builder.getStringAttr(target)),
      builder.getNamedAttr("tuned_for", builder.getStringAttr(cpu.tunedFor))};
  for (auto [name, value] : cpuModelFields(cpu))
    entries.push_back(builder.getNamedAttr(name, builder.getI64IntegerAttr(value)));
  return builder.getDictionaryAttr(entries);
}

} // namespace llmc
