//===- TargetBackend.cpp - defaults for a target with no passes -----------===//
#include "targets/common/TargetBackend.h"

namespace llmc {

TargetBackend::~TargetBackend() = default;

void TargetBackend::registerDialects(mlir::DialectRegistry &) const {}

void TargetBackend::registerPasses() const {}

void TargetBackend::buildPipeline(mlir::OpPassManager &, const TargetPipelineOptions &) const {}

bool TargetBackend::hasWeightLayouts() const { return false; }

} // namespace llmc
