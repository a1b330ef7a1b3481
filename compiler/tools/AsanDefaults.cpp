// AsanDefaults.cpp - AddressSanitizer's default options for the compiler's tools; CMake adds this
// file only to a build with LLMC_SANITIZE=address,... (CMakeLists.txt).
//
// Code built with AddressSanitizer that includes llvm/Support/Allocator.h poisons the unused part
// of each BumpPtrAllocator slab and unpoisons what it hands out. The LLVM and MLIR libraries the
// tools link are not instrumented, so a slab one of our instrumented copies poisoned and the
// library's copy allocates from stays poisoned: a use-after-poison report where there is no bug
// (MLIR's attribute storage, read in the generated setPropertiesFromAttr). allow_user_poisoning=0
// ignores such manual poisoning; every check ASan makes itself (heap, stack and global bounds,
// use after free, double free, leaks) stays on. ASAN_OPTIONS in the environment still overrides.

// The runtime calls this before main: not instrumented, and kept by the linker.
extern "C" __attribute__((no_sanitize("address", "undefined"), visibility("default"), used))
const char* __asan_default_options() {
  return "allow_user_poisoning=0";
}
