//===- ArmDialect.cpp - the ARM targets' weight layouts -------------------===//
#include "targets/arm/IR/ArmDialect.h"
#include "targets/arm/weight_layouts.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace llmc::arm;

#include "targets/arm/IR/ArmDialect.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "targets/arm/IR/ArmAttrs.cpp.inc"

void ArmDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "targets/arm/IR/ArmAttrs.cpp.inc"
      >();
}

namespace {

/// Both layouts: `groupRows` rows of q8_0 or q4_0 blocks (one fp16 scale, whole quant words).
LogicalResult verifyGroups(function_ref<InFlightDiagnostic()> emitError, StringRef name,
                           int64_t groupRows, llm::QuantScheme scheme, ArrayRef<int64_t> shape) {
  if (shape[0] % groupRows != 0)
    return emitError() << "layout " << name << " needs a multiple of " << groupRows
                       << " rows, got " << shape[0];
  if (scheme != llm::QuantScheme::q8_0 && scheme != llm::QuantScheme::q4_0)
    return emitError() << "layout " << name << " holds q8_0 or q4_0 blocks, not "
                       << llm::stringifyQuantScheme(scheme);
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// #arm.rows4x4
//===----------------------------------------------------------------------===//

StringRef Rows4x4Attr::getKernelSuffix() const { return "r4x4"; }

LogicalResult Rows4x4Attr::verifyWeight(function_ref<InFlightDiagnostic()> emitError,
                                        llm::QuantScheme scheme, ArrayRef<int64_t> shape) const {
  return verifyGroups(emitError, "rows4x4", kRows4x4, scheme, shape);
}

void Rows4x4Attr::packBlocks(const uint8_t *in, int64_t rows, int64_t rowBlocks,
                             int64_t blockBytes, uint8_t *out) const {
  packRows4x4(in, rows, rowBlocks, blockBytes, out);
}

//===----------------------------------------------------------------------===//
// #arm.rows2x8
//===----------------------------------------------------------------------===//

StringRef Rows2x8Attr::getKernelSuffix() const { return "r2x8"; }

LogicalResult Rows2x8Attr::verifyWeight(function_ref<InFlightDiagnostic()> emitError,
                                        llm::QuantScheme scheme, ArrayRef<int64_t> shape) const {
  return verifyGroups(emitError, "rows2x8", kRows2x8, scheme, shape);
}

void Rows2x8Attr::packBlocks(const uint8_t *in, int64_t rows, int64_t rowBlocks,
                             int64_t blockBytes, uint8_t *out) const {
  packRows2x8(in, rows, rowBlocks, blockBytes, out);
}
