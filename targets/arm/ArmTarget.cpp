//===- ArmTarget.cpp - the arm-neon, arm-dotprod and arm-i8mm targets -----===//
//
// Three AArch64 targets that share their passes (the thread split, the weight packing) and
// differ in their description: the instruction sets their kernels are compiled for, which the
// generated code checks at llm_open, and so the kernel file and table, and the weight layout
// their kernels read (docs/targets.md).
//
//===----------------------------------------------------------------------===//
#include "targets/arm/ArmTarget.h"
#include "targets/arm/IR/ArmDialect.h"
#include "targets/arm/Transforms/Passes.h"
#include "targets/common/Transforms/Passes.h"
#include "targets/generic/GenericTarget.h"

#include "llvm/ADT/STLExtras.h"

#include <map>

namespace llmc::arm {
namespace {

class ArmTarget final : public TargetBackend {
public:
  /// `weightLayout`: llm-arm-pack-weights' layout for this target's kernels ("rows4x4"); empty:
  /// the row layout only.
  ArmTarget(TargetDescription description, std::string weightLayout)
      : description(std::move(description)), weightLayout(std::move(weightLayout)) {}

  const TargetDescription &getDescription() const override { return description; }

  void registerDialects(mlir::DialectRegistry &registry) const override {
    registry.insert<ArmDialect>();
  }

  void registerPasses() const override {
    static bool registered = [] {
      registerLLMArmPasses();
      return true;
    }();
    (void)registered;
  }

  void buildPipeline(mlir::OpPassManager &pm,
                     const TargetPipelineOptions &options) const override {
    addSplitRows(pm, options, description.cpu);
    if (weightLayout.empty() || options.packWeights == false)
      return;
    LLMArmPackWeightsOptions pack;
    pack.layout = weightLayout;
    pm.addPass(createLLMArmPackWeights(pack));
  }

  bool hasWeightLayouts() const override { return !weightLayout.empty(); }

private:
  TargetDescription description;
  std::string weightLayout;
};

/// The kernels of the three ISAs' tables, by ISA name ("dotprod").
const std::map<std::string, std::vector<std::string>> &kernelTables() {
  static const std::map<std::string, std::vector<std::string>> tables = [] {
    std::map<std::string, std::vector<std::string>> llmk_names;
#include "targets/common/kernels_abi_names.h"
#include "targets/arm/kernels_arm_neon.def"
#include "targets/arm/kernels_arm_dotprod.def"
#include "targets/arm/kernels_arm_i8mm.def"
#include "targets/common/kernels_abi_undef.h"
    return llmk_names;
  }();
  return tables;
}

/// A CPU feature as Linux's /proc/cpuinfo names it ("asimddp"), and the bit of the auxiliary
/// vector entry (AT_HWCAP or AT_HWCAP2) that says the CPU has it.
struct HwcapFeature {
  const char *name;
  const char *entry;
  const char *bit;
};

const HwcapFeature kAdvancedSimd = {"asimd", "AT_HWCAP", "HWCAP_ASIMD"};
const HwcapFeature kDotProduct = {"asimddp", "AT_HWCAP", "HWCAP_ASIMDDP"};
const HwcapFeature kInt8MatrixMultiply = {"i8mm", "AT_HWCAP2", "HWCAP2_I8MM"};

/// The core an ARM target is tuned for and its caches (docs/targets.md gives the sources).
struct TunedCore {
  const char *name;
  int64_t l1dBytes;
  int64_t l2Bytes; ///< per core: a cluster's shared L2 divided among its cores
};

/// Raspberry Pi 4's cores: 32 KiB L1d, 1 MiB L2 shared by the 4 cores of the cluster.
const TunedCore kCortexA72 = {"Cortex-A72", 32 * kKiB, 256 * kKiB};
/// Raspberry Pi 5's and the RK3588's big cores: 64 KiB L1d, a private 512 KiB L2.
const TunedCore kCortexA76 = {"Cortex-A76", 64 * kKiB, 512 * kKiB};
/// AWS Graviton3's cores: 64 KiB L1d, a private 1 MiB L2.
const TunedCore kNeoverseV1 = {"Neoverse V1", 64 * kKiB, 1024 * kKiB};

/// What the three targets' passes plan for besides the core: 32 128-bit V registers. The
/// split is planned for 8 cores (an RK3588 or a phone has 8; a Raspberry Pi 5 has 4, which 8's
/// parts serve as well: threads take them dynamically), in parts of a multiple of 4 rows, the
/// weight rows of the kernels' decode tile (RowsPerTile in kernels_arm_rows.h) and a multiple
/// of either layout's group, so that every part but a matrix's last is whole tiles and
/// llm-arm-pack-weights may pack it; at least 16 rows (for a 2048-wide q4_0 weight: 18 KiB),
/// as on x86.
CpuModel armCpuModel(const TunedCore &core, const std::string &weightLayout) {
  CpuModel cpu;
  cpu.tunedFor = core.name;
  cpu.vectorRegisters = 32;
  cpu.vectorBits = 128;
  cpu.l1dBytes = core.l1dBytes;
  cpu.l2Bytes = core.l2Bytes;
  cpu.defaultCores = 8;
  cpu.rowTile = 4;
  cpu.minRowsPerPart = 16;
  cpu.weightRowGroup = weightLayout.empty() ? 0 : layoutGroupRows(weightLayout);
  return cpu;
}

/// The target called arm-`isa`: kernels_arm_<isa>.{def,h,cpp} built with -march=`arch`, for a
/// CPU with `features` (checked at llm_open with getauxval, on Linux), tuned for `core`. With
/// the dot product among the features the kernels use it (kernels_arm_sdot.h). `weightLayout`:
/// the layout its packed kernels read (kernels_arm_<weightLayout>.h), empty for none.
std::unique_ptr<TargetBackend> createArmTarget(const std::string &isa, const std::string &arch,
                                               const std::string &summary,
                                               const std::vector<HwcapFeature> &features,
                                               const TunedCore &core,
                                               const std::string &weightLayout = "") {
  const bool sdot = llvm::any_of(features, [](const HwcapFeature &feature) {
    return feature.bit == kDotProduct.bit;
  });
  TargetDescription d;
  d.name = "arm-" + isa;
  d.summary = summary;
  d.kernelPrefix = isa;
  d.kernelFiles = genericKernelFiles();
  d.kernelFiles.push_back("arm/kernels_arm_" + isa + ".def");
  for (const char *file :
       {"common/kernels_quantize_rows.h", "common/kernels_q4_k_scales.h", "arm/kernels_arm_simd.h",
        "arm/kernels_arm_quantize.h", "arm/kernels_arm_blocks.h", "arm/kernels_arm_rows.h"})
    d.kernelFiles.push_back(file);
  if (sdot)
    d.kernelFiles.push_back("arm/kernels_arm_sdot.h");
  if (!weightLayout.empty()) {
    d.kernelFiles.push_back("arm/kernels_arm_tiles.h");
    d.kernelFiles.push_back("arm/kernels_arm_embed.h");
    d.kernelFiles.push_back("arm/kernels_arm_" + weightLayout + ".h");
  }
  d.kernelFiles.push_back("arm/kernels_arm_entries.h");
  d.kernelFiles.push_back("common/kernels_attend_rows.h");
  d.kernelFiles.push_back("arm/kernels_arm_ops.h");
  d.kernelFiles.push_back("arm/kernels_arm_" + isa + ".h");
  d.kernelFiles.push_back("arm/kernels_arm_" + isa + ".cpp");
  d.kernelHeaders = {"generic/kernels_generic.h", "arm/kernels_arm_" + isa + ".h"};
  d.compileFlags = {"-march=" + arch};
  d.threaded = true;
  d.kernels = kernelTables().at(isa);
  d.cpu = armCpuModel(core, weightLayout);
  // Linux reports the CPU's features in the auxiliary vector; elsewhere (macOS) nothing is
  // checked.
  d.cpuCheck.guard = "defined(__linux__)";
  d.cpuCheck.headers = {"<sys/auxv.h>", "<asm/hwcap.h>"};
  for (const HwcapFeature &feature : features)
    d.cpuCheck.features.emplace_back(feature.name, std::string("(getauxval(") + feature.entry +
                                                       ") & " + feature.bit + ") != 0");
  return std::make_unique<ArmTarget>(std::move(d), weightLayout);
}

} // namespace

std::vector<std::unique_ptr<TargetBackend>> createArmTargets() {
  std::vector<std::unique_ptr<TargetBackend>> targets;
  // Without the dot product no layout pays: the widening multiplies take one row's bytes at a
  // time whatever their order.
  targets.push_back(createArmTarget("neon", "armv8-a",
                                    "AArch64 with Advanced SIMD (armv8-a: Cortex-A53, A72)",
                                    {kAdvancedSimd}, kCortexA72));
  // sdot by lane: 4 rows' sums in one register's lanes, no reduction across lanes per block.
  targets.push_back(createArmTarget(
      "dotprod", "armv8.2-a+dotprod",
      "AArch64 with the dot product instructions (armv8.2-a+dotprod: Cortex-A55, A76)",
      {kAdvancedSimd, kDotProduct}, kCortexA76, "rows4x4"));
  // smmla: 2 rows times 2 tokens an instruction, a block's products summed in one lane: for
  // prompts about half the cycles per weight of the sdot row tiles (docs/targets.md). Not armv8.6-a: a CPU with i8mm need not have everything else of 8.6 (Neoverse V1 is 8.4),
  // and the run-time check tests for these features only.
  targets.push_back(createArmTarget(
      "i8mm", "armv8.2-a+dotprod+i8mm",
      "AArch64 with the dot product and int8 matrix multiply instructions (Neoverse V1, "
      "Cortex-A710)",
      {kAdvancedSimd, kDotProduct, kInt8MatrixMultiply}, kNeoverseV1, "rows2x8"));
  return targets;
}

} // namespace llmc::arm
