//===- TargetInfo.cpp - the target registry -------------------------------===//
#include "targets/common/TargetInfo.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

namespace llmc {
namespace {

std::vector<TargetInfo> makeTargets() {
  std::vector<TargetInfo> targets;

  TargetInfo generic;
  generic.name = "generic";
  generic.description = "portable C++17, float32 and integer-dot reference kernels";
  generic.kernelFiles = {"generic/kernels_generic.h", "generic/kernels_generic.cpp",
                         "generic/kernels_generic_quant.cpp"};
  targets.push_back(generic);

  // A typical desktop/server x86 core: 32 KiB L1d, 1 MiB L2, a shared L3. The work split
  // only needs to be fine enough for this many threads; the runtime balances the parts.
  TargetInfo avx2 = generic;
  avx2.name = "x86-avx2";
  avx2.description = "x86-64 with AVX2, FMA and F16C (no AVX-512)";
  avx2.kernelPrefix = "avx2";
  avx2.kernelFiles.push_back("x86/kernels_x86_tiling.h");
  avx2.kernelFiles.push_back("x86/kernels_x86_avx2.h");
  avx2.kernelFiles.push_back("x86/kernels_x86_panel_copy.h");
  avx2.kernelFiles.push_back("x86/kernels_x86_avx2_panels.h");
  avx2.kernelFiles.push_back("x86/kernels_x86_avx2.cpp");
  avx2.compileFlags = {"-mavx2", "-mfma", "-mf16c"};
  avx2.features = {"avx2", "fma", "f16c"};
  avx2.vectorBits = 256;
  avx2.defaultCores = 8;
  avx2.l1DataBytes = 32 << 10;
  avx2.l2Bytes = 1 << 20;
  avx2.l3Bytes = 32 << 20;
  avx2.threaded = true;
  // "x4": the same schemes in llm-x86-pack-weights' interleave4 layout; "p8" and "p16": q8_0
  // and q4_0 stored as the AVX2 or AVX-512 panels (layouts panel8, panel16).
  const std::vector<std::string> x86LinearKernels = {
      "f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q4_k", "q6_k",
      "q8_0x4", "q4_0x4", "q4_1x4", "q4_kx4", "q6_kx4"};
  avx2.linearKernels = x86LinearKernels;
  avx2.linearKernels.push_back("q8_0p8");
  avx2.linearKernels.push_back("q4_0p8");
  avx2.elementwiseKernels = {"rms_norm", "swiglu", "add", "attend"};
  // Decode on stored panels needs half the instructions per weight byte of the row tiles: 1.3x
  // faster than interleave4 where one core streams faster than it computes (docs/targets.md).
  avx2.packedSchemes = {"q8_0", "q4_0"};
  avx2.panelSchemes = {"q8_0", "q4_0"};
  avx2.panelRows = 8;
  targets.push_back(avx2);

  TargetInfo avx512 = avx2;
  avx512.name = "x86-avx512";
  avx512.description = "x86-64 with AVX-512 F/BW/VL and VNNI";
  avx512.kernelPrefix = "avx512";
  avx512.kernelFiles = generic.kernelFiles;
  avx512.kernelFiles.push_back("x86/kernels_x86_tiling.h");
  avx512.kernelFiles.push_back("x86/kernels_x86_avx512.h");
  avx512.kernelFiles.push_back("x86/kernels_x86_panel_copy.h");
  avx512.kernelFiles.push_back("x86/kernels_x86_avx512_panels.h");
  avx512.kernelFiles.push_back("x86/kernels_x86_avx512.cpp");
  avx512.compileFlags = {"-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512vnni", "-mfma",
                         "-mf16c"};
  avx512.features = {"avx512f", "avx512bw", "avx512vl", "avx512vnni", "fma", "f16c"};
  avx512.vectorBits = 512;
  avx512.l2Bytes = 2 << 20;
  // q8_0 streamed faster as 4 row streams than interleaved on a Xeon; as 16-row panels its
  // prompts skip the copy and its decode matches interleave4 (docs/targets.md).
  avx512.packedSchemes = {"q4_0", "q4_1", "q4_k", "q6_k"};
  avx512.panelSchemes = {"q8_0", "q4_0"};
  avx512.panelRows = 16;
  avx512.linearKernels = x86LinearKernels;
  avx512.linearKernels.push_back("q8_0p16");
  avx512.linearKernels.push_back("q4_0p16");
  targets.push_back(avx512);
  return targets;
}

} // namespace

llvm::ArrayRef<TargetInfo> allTargets() {
  static const std::vector<TargetInfo> targets = makeTargets();
  return targets;
}

const TargetInfo *lookupTarget(llvm::StringRef name) {
  for (const TargetInfo &target : allTargets())
    if (target.name == name)
      return &target;
  return nullptr;
}

std::string targetNames() {
  std::vector<std::string> names;
  for (const TargetInfo &target : allTargets())
    names.push_back(target.name);
  return llvm::join(names, ", ");
}

} // namespace llmc
