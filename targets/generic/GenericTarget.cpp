//===- GenericTarget.cpp - portable C++17, the reference of every target --===//
#include "targets/generic/GenericTarget.h"

namespace llmc {
namespace {

class GenericTarget final : public TargetBackend {
public:
  GenericTarget() {
    description.name = "generic";
    description.summary = "portable C++17, float32 and integer-dot reference kernels";
    description.kernelFiles = genericKernelFiles();
    description.kernelHeaders = {"generic/kernels_generic.h"};
  }
  const TargetDescription &getDescription() const override { return description; }

private:
  TargetDescription description;
};

} // namespace

const std::vector<std::string> &genericKernelFiles() {
  static const std::vector<std::string> files = {"generic/kernels_generic.h",
                                                 "generic/kernels_generic.cpp",
                                                 "generic/kernels_generic_quant.cpp"};
  return files;
}

std::unique_ptr<TargetBackend> createGenericTarget() { return std::make_unique<GenericTarget>(); }

} // namespace llmc
