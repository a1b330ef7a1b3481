//===- X86Target.cpp - the x86-avx2 and x86-avx512 targets ----------------===//
//
// The two targets share their passes and differ in their description: kernel sources and
// flags, the panel height of their kernels, and which schemes measured faster in which layout
// (docs/targets.md).
//
//===----------------------------------------------------------------------===//
#include "targets/x86/X86Target.h"
#include "targets/common/Transforms/Passes.h"
#include "targets/generic/GenericTarget.h"
#include "targets/x86/IR/X86Dialect.h"
#include "targets/x86/Transforms/Passes.h"

#include <map>

namespace llmc::x86 {
namespace {

/// What the x86 passes read besides the common description (whose CPU model gives the panels'
/// rows, weightRowGroup).
struct X86Tuning {
  /// Schemes interleaved by default (llm-x86-pack-weights `schemes`): those whose interleaved
  /// layout measured faster on this target. --pack-weights interleaves every scheme.
  std::vector<std::string> interleavedSchemes;
  /// Schemes stored as panels of the CPU model's weightRowGroup rows where the rows allow.
  std::vector<std::string> panelSchemes;
};

class X86Target final : public TargetBackend {
public:
  X86Target(TargetDescription description, X86Tuning tuning)
      : description(std::move(description)), tuning(std::move(tuning)) {}

  const TargetDescription &getDescription() const override { return description; }

  void registerDialects(mlir::DialectRegistry &registry) const override {
    registry.insert<X86Dialect>();
  }

  void registerPasses() const override {
    static bool registered = [] {
      registerLLMX86Passes();
      return true;
    }();
    (void)registered;
  }

  void buildPipeline(mlir::OpPassManager &pm,
                     const TargetPipelineOptions &options) const override {
    addSplitRows(pm, options, description.cpu);
    if (options.packWeights == false)
      return;
    LLMX86PackWeightsOptions pack;
    pack.panelSchemes = tuning.panelSchemes;
    pack.panelRows = description.cpu.weightRowGroup;
    // --pack-weights: every scheme; unset: the target's measured choice.
    if (!options.packWeights.has_value()) {
      if (tuning.interleavedSchemes.empty())
        return;
      pack.schemes = tuning.interleavedSchemes;
    }
    pm.addPass(createLLMX86PackWeights(pack));
  }

  bool hasWeightLayouts() const override { return true; }

private:
  TargetDescription description;
  X86Tuning tuning;
};

/// The kernels of both ISAs' tables, by ISA name ("avx2").
const std::map<std::string, std::vector<std::string>> &kernelTables() {
  static const std::map<std::string, std::vector<std::string>> tables = [] {
    std::map<std::string, std::vector<std::string>> llmk_names;
#include "targets/common/kernels_abi_names.h"
#include "targets/x86/kernels_x86_avx2.def"
#include "targets/x86/kernels_x86_avx512.def"
#include "targets/common/kernels_abi_undef.h"
    return llmk_names;
  }();
  return tables;
}

/// What the two targets' CPU models share: the thread split is planned for 8 cores, in parts of
/// a multiple of 16 rows, the tallest panel, so that either target's panels may store the
/// weight, and at least 16 rows (for a 2048-wide q4_0 weight: 18 KiB). `core` and its caches
/// per core: docs/targets.md gives the sources.
CpuModel x86CpuModel(const char *core, int64_t vectorRegisters, int64_t vectorBits,
                     int64_t l1dBytes, int64_t l2Bytes, int64_t panelRows) {
  CpuModel cpu;
  cpu.tunedFor = core;
  cpu.vectorRegisters = vectorRegisters;
  cpu.vectorBits = vectorBits;
  cpu.l1dBytes = l1dBytes;
  cpu.l2Bytes = l2Bytes;
  cpu.defaultCores = 8;
  cpu.rowTile = 16;
  cpu.minRowsPerPart = 16;
  cpu.weightRowGroup = panelRows;
  return cpu;
}

/// What the two targets share: `isa` names their kernel files, prefix and table ("avx2").
TargetDescription x86Description(const std::string &isa) {
  TargetDescription d;
  d.kernelPrefix = isa;
  d.kernelFiles = genericKernelFiles();
  for (const std::string &file :
       {"x86/kernels_x86_" + isa + ".def", std::string("common/kernels_attend_rows.h"),
        std::string("common/kernels_quantize_rows.h"), std::string("common/kernels_q4_k_scales.h"),
        std::string("x86/kernels_x86_tiling.h"),
        std::string("x86/kernels_x86_entries.h"), "x86/kernels_x86_" + isa + ".h",
        std::string("x86/kernels_x86_panel_copy.h"), "x86/kernels_x86_" + isa + "_panels.h",
        "x86/kernels_x86_" + isa + ".cpp"})
    d.kernelFiles.push_back(file);
  d.kernelHeaders = {"generic/kernels_generic.h", "x86/kernels_x86_" + isa + ".h"};
  d.threaded = true;
  d.kernels = kernelTables().at(isa);
  return d;
}

/// The check of the features the kernels' -m flags enable, as __builtin_cpu_supports names
/// them ("-mavx2": "avx2"): one list for the compiler flags and the run-time check. F16C is
/// left to the check of AVX2 (every CPU with AVX2 has it) because Clang 14's
/// __builtin_cpu_supports has no name for it.
CpuFeatureCheck cpuCheckOf(const std::vector<std::string> &flags) {
  CpuFeatureCheck check;
  check.guard = "defined(__GNUC__)";
  check.setup = "__builtin_cpu_init();";
  for (const std::string &flag : flags) {
    if (flag == "-mf16c")
      continue;
    const std::string feature = flag.substr(2);
    check.features.emplace_back(feature, "__builtin_cpu_supports(\"" + feature + "\") != 0");
  }
  return check;
}

std::unique_ptr<TargetBackend> createAvx2Target() {
  X86Tuning t;
  // Decode on stored panels needs half the instructions per weight byte of the row tiles:
  // faster than interleave4 where one core streams faster than it computes (docs/targets.md).
  t.interleavedSchemes = {"q8_0", "q4_0"};
  t.panelSchemes = {"q8_0", "q4_0"};
  TargetDescription d = x86Description("avx2");
  // 16 256-bit YMM registers; Zen 3 (Ryzen 5000, EPYC Milan), the last AMD core without
  // AVX-512: 32 KiB L1d, 512 KiB L2.
  d.cpu = x86CpuModel("Zen 3", 16, 256, 32 * kKiB, 512 * kKiB, /*panelRows=*/8);
  d.name = "x86-avx2";
  d.summary = "x86-64 with AVX2, FMA and F16C (no AVX-512)";
  d.compileFlags = {"-mavx2", "-mfma", "-mf16c"};
  d.cpuCheck = cpuCheckOf(d.compileFlags);
  return std::make_unique<X86Target>(std::move(d), std::move(t));
}

std::unique_ptr<TargetBackend> createAvx512Target() {
  X86Tuning t;
  // q8_0 streamed faster as 4 row streams than interleaved; as 16-row panels its prompts skip
  // the copy and its decode matches interleave4 (docs/targets.md).
  t.interleavedSchemes = {"q4_0", "q4_1", "q4_k", "q6_k"};
  t.panelSchemes = {"q8_0", "q4_0"};
  TargetDescription d = x86Description("avx512");
  // 32 512-bit ZMM registers; Zen 5 (the AMD EPYC of docs/targets.md's measurements): 48 KiB
  // L1d, 1 MiB L2.
  d.cpu = x86CpuModel("Zen 5", 32, 512, 48 * kKiB, 1024 * kKiB, /*panelRows=*/16);
  d.name = "x86-avx512";
  d.summary = "x86-64 with AVX-512 F/BW/VL and VNNI";
  d.compileFlags = {"-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512vnni", "-mfma", "-mf16c"};
  d.cpuCheck = cpuCheckOf(d.compileFlags);
  return std::make_unique<X86Target>(std::move(d), std::move(t));
}

} // namespace

std::vector<std::unique_ptr<TargetBackend>> createX86Targets() {
  std::vector<std::unique_ptr<TargetBackend>> targets;
  targets.push_back(createAvx2Target());
  targets.push_back(createAvx512Target());
  return targets;
}

} // namespace llmc::x86
