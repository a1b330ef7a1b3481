//===- TargetInfo.h - what llmc knows about each code generation target ---===//
//
// A target is a machine description (vector width, cores, caches, features) plus the kernel
// sources the emitter copies into out/ and the flags they build with. Target passes (tiling,
// packing) read the description; the emitter reads the sources and flags.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_COMMON_TARGETINFO_H
#define LLMC_TARGETS_COMMON_TARGETINFO_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

struct TargetInfo {
  std::string name;                    ///< --target spelling: "generic", "x86-avx2", ...
  std::string description;
  std::string kernelPrefix;            ///< microkernel names: "llmk_" + prefix + "_linear_..."
                                       ///< (empty: the generic kernels only)
  std::vector<std::string> kernelFiles;  ///< under targets/, copied to out/'s top level
  std::vector<std::string> compileFlags; ///< for the target's kernel sources (GCC/Clang)
  std::vector<std::string> features;   ///< e.g. "avx2", "fma", "f16c", "avx512vnni"
  int vectorBits = 0;                  ///< SIMD register width
  int defaultCores = 1;                ///< threads the work split is planned for (--cores)
  int64_t l1DataBytes = 0, l2Bytes = 0, l3Bytes = 0; ///< per core (L3: shared)
  bool threaded = false;               ///< generated code uses the runtime's thread pool
  /// Weight storages ("f32", "q8_0", ...) with row-range linear microkernels
  /// (llmk_<prefix>_linear_<storage>_rows); others use the generic kernels. Packed storages
  /// ("q4_0x4") have only these.
  std::vector<std::string> linearKernels;
  /// The schemes ("q4_0", ...) llm-x86-pack-weights interleaves by default: those whose
  /// interleaved layout measured faster on this target (docs/targets.md); empty: the pass does
  /// not run. llmc compile --pack-weights packs every scheme, --pack-weights=false none.
  std::vector<std::string> packedSchemes;
  /// The schemes stored as panels of panelRows rows (layout panel8 or panel16) where the rows
  /// allow (the others of packedSchemes interleaved).
  std::vector<std::string> panelSchemes;
  int panelRows = 0;
  /// Whether the x86 target passes (llm-x86-tile, llm-x86-pack-weights) run for this target.
  bool usesX86Passes() const { return llvm::StringRef(name).starts_with("x86-"); }
  /// Elementwise ops ("rms_norm", "swiglu", "add") with their own llmk_<prefix>_<op>_f32, same
  /// signature as the generic kernel.
  std::vector<std::string> elementwiseKernels;
};

/// Every target llmc can emit code for, generic first.
llvm::ArrayRef<TargetInfo> allTargets();
/// The target called `name`, or nullptr.
const TargetInfo *lookupTarget(llvm::StringRef name);
/// "generic, x86-avx2, x86-avx512" for error messages.
std::string targetNames();

} // namespace llmc

#endif // LLMC_TARGETS_COMMON_TARGETINFO_H
