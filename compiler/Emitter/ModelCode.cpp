//===- ModelCode.cpp - state shared by the writers of model.cpp -----------===//
#include "compiler/Emitter/ModelCode.h"
#include "compiler/Emitter/CppText.h"

using namespace mlir;

namespace llmc {

std::string ModelCode::weightRef(FlatSymbolRefAttr symbol) const {
  return "w." + weightMember.lookup(symbol.getValue());
}

FailureOr<std::string> ModelCode::kernelOf(Operation *op) {
  if (auto kernel = op->getAttrOfType<StringAttr>(kKernelAttr))
    return kernel.str();
  return op->emitError() << "has no '" << kKernelAttr << "': run llm-select-kernels first";
}

FailureOr<std::string> ModelCode::kernelEntry(Operation *op, StringRef entry) {
  auto kernels = op->getAttrOfType<DictionaryAttr>(kKernelsAttr);
  if (!kernels)
    return op->emitError() << "has no '" << kKernelsAttr << "': run llm-select-kernels first";
  auto kernel = kernels.getAs<StringAttr>(entry);
  return kernel ? kernel.str() : std::string();
}

FailureOr<SmallVector<std::string>> ModelCode::rowKernels(Operation *op) {
  auto kernels = op->getAttrOfType<DictionaryAttr>(kKernelsAttr);
  auto rows = kernels ? kernels.getAs<ArrayAttr>(kKernelRows) : ArrayAttr();
  if (!rows)
    return op->emitError() << "has no '" << kKernelsAttr << "' rows: run llm-select-kernels";
  SmallVector<std::string> names;
  for (Attribute row : rows)
    names.push_back(cast<StringAttr>(row).str());
  return names;
}

FailureOr<int64_t> ModelCode::requiredAttr(Operation *op, StringRef name, StringRef pass) {
  if (auto attr = op->getAttrOfType<IntegerAttr>(name))
    return attr.getInt();
  return op->emitError() << "has no '" << name << "': run " << pass << " first";
}

std::string ModelCode::freshName(StringRef name) {
  std::string base = cppIdentifier(name);
  int &uses = usedNames[base];
  ++uses;
  return uses == 1 ? base : base + "_" + std::to_string(uses);
}

} // namespace llmc
