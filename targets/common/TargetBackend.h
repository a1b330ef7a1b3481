//===- TargetBackend.h - the interface every code generation target implements -===//
//
// A target is a folder under targets/ with one registration in targets/Targets.cpp. The
// compiler reaches it only through this interface: the target's description (kernel sources,
// build flags, threads, kernel names), the dialects of the attributes its passes write (weight
// layouts), and the passes it adds to the pipeline. docs/adding-a-target.md walks through one.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_COMMON_TARGETBACKEND_H
#define LLMC_TARGETS_COMMON_TARGETBACKEND_H

#include "targets/common/CpuModel.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmc {

/// How the generated llm_open asks the CPU for the features the target's kernels are compiled
/// for, so that it refuses a CPU without them instead of dying on an illegal instruction. The
/// test runs in model.cpp, which is compiled without the kernels' flags, so it runs anywhere.
struct CpuFeatureCheck {
  /// A preprocessor condition under which the tests compile ("defined(__GNUC__)"); where it
  /// does not hold nothing is checked.
  std::string guard;
  std::vector<std::string> headers; ///< what the tests need ("<sys/auxv.h>"), under guard
  std::string setup;                ///< a statement before the tests, or empty
  /// Each feature as the refusal names it ("avx2", "i8mm"), and a C++ expression that is
  /// true on a CPU with it.
  std::vector<std::pair<std::string, std::string>> features;
};

/// What the emitter and the target's passes need to know of a target: its kernels, generated
/// code and the CPU it plans for. Every field is read (the CPU model's caches only by users:
/// docs/targets.md).
struct TargetDescription {
  std::string name;         ///< --target spelling: "generic", "x86-avx2", ...
  std::string summary;      ///< one line for `llmc compile --help`
  std::string kernelPrefix; ///< its kernels' names: "llmk_" + prefix + "_linear_..."
  /// Kernel sources under targets/, copied to out/'s top level.
  std::vector<std::string> kernelFiles;
  /// The kernels' API headers among kernelFiles, which model.cpp includes (the others are the
  /// kernel sources' own business).
  std::vector<std::string> kernelHeaders;
  std::vector<std::string> compileFlags; ///< for the target's kernel sources (GCC/Clang)
  bool threaded = false;    ///< generated code uses the runtime's thread pool
  /// The CPU features the kernels are compiled for and how to test for them: the generated
  /// llm_open refuses a CPU without them. No features for portable kernels.
  CpuFeatureCheck cpuCheck;
  /// The kernels of its kernel table (kernels_<isa>.def, read with kernels_abi_names.h):
  /// "llmk_avx2_linear_q4_0p8_rows", ... llm-select-kernels picks them; an op whose kernel the
  /// target lacks runs the generic kernel of the same ABI entry ("llmk_generic_...").
  std::vector<std::string> kernels;
  /// The CPU its passes plan for: the thread split, the weight layout's row group. The driver
  /// shows it on the module (`llm.target`) and in manifest.json.
  CpuModel cpu;
};

/// What the user chose on the command line that a target's passes take into account.
struct TargetPipelineOptions {
  int64_t cores = 0;               ///< threads to plan for; 0: the target's default
  std::optional<bool> packWeights; ///< store weights in the target's layouts: every scheme
                                   ///< (true), none (false), the target's choice (unset)
};

class TargetBackend {
public:
  virtual ~TargetBackend();

  virtual const TargetDescription &getDescription() const = 0;
  llvm::StringRef getName() const { return getDescription().name; }

  /// Adds the dialects of the attributes this target's passes write (its weight layouts), so
  /// that a module holding them parses and prints.
  virtual void registerDialects(mlir::DialectRegistry &registry) const;
  /// Registers this target's passes with MLIR's pass registry (for llmc-opt). Safe to call
  /// more than once.
  virtual void registerPasses() const;
  /// Adds this target's passes (tiling, weight packing): they run after the target-independent
  /// passes and before llm-plan-memory.
  virtual void buildPipeline(mlir::OpPassManager &pm,
                             const TargetPipelineOptions &options) const;
  /// Whether the target has weight layouts of its own, so that --pack-weights means something.
  virtual bool hasWeightLayouts() const;
};

} // namespace llmc

#endif // LLMC_TARGETS_COMMON_TARGETBACKEND_H
