//===- X86Dialect.cpp - the x86 targets' weight layouts -------------------===//
#include "targets/x86/IR/X86Dialect.h"
#include "targets/x86/weight_layouts.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace llmc::x86;

#include "targets/x86/IR/X86Dialect.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "targets/x86/IR/X86Attrs.cpp.inc"

void X86Dialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "targets/x86/IR/X86Attrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// #x86.interleave4
//===----------------------------------------------------------------------===//

StringRef Interleave4Attr::getKernelSuffix() const { return "x4"; }

LogicalResult Interleave4Attr::verifyWeight(function_ref<InFlightDiagnostic()> emitError,
                                            llm::QuantScheme, ArrayRef<int64_t> shape) const {
  if (shape[0] % kInterleaveRows != 0)
    return emitError() << "layout interleave4 needs a multiple of " << kInterleaveRows
                       << " rows, got " << shape[0];
  return success();
}

void Interleave4Attr::packBlocks(const uint8_t *in, int64_t rows, int64_t rowBlocks,
                                 int64_t blockBytes, uint8_t *out) const {
  interleaveRows4(in, rows, rowBlocks, blockBytes, out);
}

//===----------------------------------------------------------------------===//
// #x86.panel<rows>
//===----------------------------------------------------------------------===//

LogicalResult PanelAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t rows) {
  if (rows != 8 && rows != 16)
    return emitError() << "panels have 8 (AVX2) or 16 (AVX-512) rows, not " << rows;
  return success();
}

StringRef PanelAttr::getKernelSuffix() const { return getRows() == 8 ? "p8" : "p16"; }

LogicalResult PanelAttr::verifyWeight(function_ref<InFlightDiagnostic()> emitError,
                                      llm::QuantScheme scheme, ArrayRef<int64_t> shape) const {
  if (shape[0] % getRows() != 0)
    return emitError() << "layout panel" << getRows() << " needs a multiple of " << getRows()
                       << " rows, got " << shape[0];
  // Its transpose moves 4-byte words after one fp16 scale: the q8_0 and q4_0 blocks.
  if (scheme != llm::QuantScheme::q8_0 && scheme != llm::QuantScheme::q4_0)
    return emitError() << "layout panel" << getRows() << " holds q8_0 or q4_0 blocks, not "
                       << llm::stringifyQuantScheme(scheme);
  return success();
}

void PanelAttr::packBlocks(const uint8_t *in, int64_t rows, int64_t rowBlocks,
                           int64_t blockBytes, uint8_t *out) const {
  packPanels(in, rows, getRows(), rowBlocks, blockBytes, out);
}
