//===- Targets.cpp - the registry of code generation targets --------------===//
#include "targets/Targets.h"
#include "targets/arm/ArmTarget.h"
#include "targets/common/Transforms/Passes.h"
#include "targets/generic/GenericTarget.h"
#include "targets/x86/X86Target.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <memory>

namespace llmc {
namespace {

/// One line per target folder.
std::vector<std::unique_ptr<TargetBackend>> createTargets() {
  std::vector<std::unique_ptr<TargetBackend>> targets;
  targets.push_back(createGenericTarget());
  for (std::unique_ptr<TargetBackend> &target : x86::createX86Targets())
    targets.push_back(std::move(target));
  for (std::unique_ptr<TargetBackend> &target : arm::createArmTargets())
    targets.push_back(std::move(target));
  return targets;
}

} // namespace

llvm::ArrayRef<const TargetBackend *> allTargets() {
  static const std::vector<std::unique_ptr<TargetBackend>> owned = createTargets();
  static const std::vector<const TargetBackend *> targets = [] {
    std::vector<const TargetBackend *> pointers;
    for (const std::unique_ptr<TargetBackend> &target : owned)
      pointers.push_back(target.get());
    return pointers;
  }();
  return targets;
}

const TargetBackend *lookupTarget(llvm::StringRef name) {
  for (const TargetBackend *target : allTargets())
    if (target->getName() == name)
      return target;
  return nullptr;
}

std::string targetNames() {
  return llvm::join(llvm::map_range(allTargets(),
                                    [](const TargetBackend *target) {
                                      return target->getName();
                                    }),
                    ", ");
}

void registerTargetDialects(mlir::DialectRegistry &registry) {
  for (const TargetBackend *target : allTargets())
    target->registerDialects(registry);
}

void registerTargetPasses() {
  static bool sharedRegistered = [] {
    registerLLMTargetCommonPasses();
    return true;
  }();
  (void)sharedRegistered;
  for (const TargetBackend *target : allTargets())
    target->registerPasses();
}

} // namespace llmc
