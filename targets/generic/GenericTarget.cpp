//===- GenericTarget.cpp - portable C++17, the reference of every target --===//
#include "targets/generic/GenericTarget.h"

#include <map>

namespace llmc {
namespace {

class GenericTarget final : public TargetBackend {
public:
  GenericTarget() {
    description.name = "generic";
    description.summary = "portable C++17, float32 and integer-dot reference kernels";
    description.kernelFiles = genericKernelFiles();
    description.kernelHeaders = {"generic/kernels_generic.h"};
    description.kernelPrefix = "generic";
    description.kernels = genericKernels();
    // Portable: no vector unit or cache assumed, one thread, rows only.
    description.cpu.tunedFor = "portable";
  }
  const TargetDescription &getDescription() const override { return description; }

private:
  TargetDescription description;
};

} // namespace

std::vector<std::string> genericKernels() {
  std::map<std::string, std::vector<std::string>> llmk_names;
#include "targets/common/kernels_abi_names.h"
#include "targets/generic/kernels_generic.def"
#include "targets/common/kernels_abi_undef.h"
  return llmk_names["generic"];
}

const std::vector<std::string> &genericKernelFiles() {
  static const std::vector<std::string> files = {
      "common/kernels_abi.h",         "common/kernels_abi_declare.h",
      "common/kernels_abi_defaults.h", "common/kernels_abi_undef.h",
      "common/kernels_rope_rows.h",
      "generic/kernels_generic.def",  "generic/kernels_generic.h",
      "generic/kernels_generic.cpp",  "generic/kernels_generic_quant.cpp"};
  return files;
}

std::unique_ptr<TargetBackend> createGenericTarget() { return std::make_unique<GenericTarget>(); }

} // namespace llmc
