//===- llmc-opt.cpp - mlir-opt with the llm dialect and passes ------------===//
//
// For lit tests and debugging: parses, verifies, runs passes and prints llm modules.
//
//===----------------------------------------------------------------------===//
#include "compiler/Pipelines/Pipelines.h"
#include "dialects/llm/LLMDialect.h"
#include "targets/Targets.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::llm::LLMDialect, mlir::func::FuncDialect>();
  llmc::registerTargetDialects(registry);
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  llmc::registerLLMPassesAndPipelines();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "llmc optimizer driver\n", registry));
}
