//===- EmbeddedWeights.cpp - weights.bin as part of the program -----------===//
//
// --weights-mode embedded: the sources that put weights.bin into the program, and the lines of
// CMakeLists.txt that build them. GCC and Clang on ELF and on MinGW's COFF take the assembler's
// .incbin, fast for any size, into a section of its own that a linker script can place in flash;
// other toolchains (MSVC, Apple's object format) a byte array that CMake writes from weights.bin
// at build time. Either way the symbols are the same and weights_embedded.cpp hands them, with the
// table checksum of the blob this code was compiled for, to the runtime.
//
//===----------------------------------------------------------------------===//
#include "compiler/Emitter/CppText.h"
#include "compiler/Emitter/Emitter.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace llmc {
namespace {

/// weights_embedded.S: ELF, and COFF for 64-bit Windows (CMakeLists.txt picks it for GCC and
/// Clang there; MinGW's). COFF has no symbol types or sizes and no GNU-stack note.
std::string assemblySource(const EmitOptions &options) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* weights_embedded.S - weights.bin of " << options.modelName
     << " as part of the program (llmc compile\n"
     << withApiPrefix(
            " * --weights-mode embedded). The blob goes into a read-only section of its own,\n"
            " * .llm_weights, 64-byte aligned as its tensors are; a linker script can place that\n"
            " * section in flash (docs/embedding.md). LLM_WEIGHTS_FILE, the path of weights.bin,\n"
            " * comes from CMakeLists.txt. */\n"
            "#if defined(_WIN32)\n"
            "/* COFF (MinGW): read-only data; no symbol types or sizes. */\n"
            "#define LLM_OBJECT(symbol)\n"
            "#define LLM_SIZE(symbol, bytes)\n"
            "  .section .llm_weights,\"dr\"\n"
            "#else\n"
            "#define LLM_OBJECT(symbol) .type symbol, %object\n"
            "#define LLM_SIZE(symbol, bytes) .size symbol, bytes\n"
            "/* No executable stack. */\n"
            "  .section .note.GNU-stack,\"\",%progbits\n"
            "  .section .llm_weights,\"a\",%progbits\n"
            "#endif\n"
            "  .balign 64\n"
            "  .global llm_weights_blob\n"
            "  LLM_OBJECT(llm_weights_blob)\n"
            "llm_weights_blob:\n"
            "  .incbin LLM_WEIGHTS_FILE\n"
            "llm_weights_blob_end:\n"
            "  LLM_SIZE(llm_weights_blob, llm_weights_blob_end - llm_weights_blob)\n"
            "  .balign 8\n"
            "  .global llm_weights_blob_bytes\n"
            "  LLM_OBJECT(llm_weights_blob_bytes)\n"
            "llm_weights_blob_bytes:\n"
            "  .quad llm_weights_blob_end - llm_weights_blob\n"
            "  LLM_SIZE(llm_weights_blob_bytes, 8)\n",
            options.apiPrefix);
  return text;
}

/// weights_array.cmake: the same symbols as a C++ byte array, for toolchains without the
/// assembler route. Slow for large models (CMake reads the file as hex).
std::string arrayScript(const EmitOptions &options) {
  return withApiPrefix(
      "# weights_array.cmake - weights.bin as a C++ byte array: the embedded weights where the\n"
      "# assembler's .incbin does not fit (MSVC; Apple's object format).\n"
      "#   cmake -DWEIGHTS=weights.bin -DOUTPUT=weights_array.cpp -P weights_array.cmake\n"
      "file(SIZE \"${WEIGHTS}\" size)\n"
      "file(READ \"${WEIGHTS}\" hex HEX)\n"
      "# 16 bytes a line, each as 0xNN.\n"
      "string(REGEX REPLACE \"(................................)\" \"\\\\1\\n\" hex \"${hex}\")\n"
      "string(REGEX REPLACE \"([0-9a-f][0-9a-f])\" \"0x\\\\1,\" bytes \"${hex}\")\n"
      "file(WRITE \"${OUTPUT}\" \"// weights_array.cpp - weights.bin, written by "
      "weights_array.cmake.\n"
      "#include <cstdint>\n"
      "extern \\\"C\\\" {\n"
      "alignas(64) extern const unsigned char llm_weights_blob[] = {\n${bytes}};\n"
      "extern const uint64_t llm_weights_blob_bytes = ${size};\n"
      "}\n\")\n",
      options.apiPrefix);
}

/// weights_embedded.cpp: the runtime's view of the symbols.
std::string descriptionSource(const EmitOptions &options, const EmitSummary &summary) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "// weights_embedded.cpp - the weights of " << options.modelName
     << " compiled into the program\n"
     << withApiPrefix(
            "// (llmc compile --weights-mode embedded), which llm_open(NULL, ...) opens: the bytes "
            "come\n"
            "// from weights_embedded.S or from the byte array CMakeLists.txt writes from "
            "weights.bin.\n"
            "#include \"runtime/llmrt.h\"\n\n"
            "extern \"C\" const unsigned char llm_weights_blob[];  // (llm_weights_blob_bytes)\n"
            "extern \"C\" const uint64_t llm_weights_blob_bytes;\n\n"
            "LLMRT_NAMESPACE_BEGIN\n"
            "// The table checksum is manifest.json's model_hash: the blob this code was compiled "
            "for.\n"
            "const llmrt_embedded_weights llmrt_compiled_weights = {\n"
            "    llm_weights_blob,\n"
            "    &llm_weights_blob_bytes,\n",
            options.apiPrefix)
     << "    0x" << llvm::format_hex_no_prefix(summary.tableChecksum, 16) << "ull,\n"
     << "};\n"
     << "LLMRT_NAMESPACE_END\n";
  return text;
}

} // namespace

llvm::Error writeEmbeddedWeightsSources(const EmitOptions &options, llvm::StringRef directory,
                                        const EmitSummary &summary) {
  const std::pair<const char *, std::string> files[] = {
      {"weights_embedded.S", assemblySource(options)},
      {"weights_array.cmake", arrayScript(options)},
      {"weights_embedded.cpp", descriptionSource(options, summary)},
  };
  for (const auto &[name, contents] : files) {
    llvm::SmallString<256> path(directory);
    llvm::sys::path::append(path, name);
    if (llvm::Error error = writeFile(path, contents))
      return error;
  }
  return llvm::Error::success();
}

std::string embeddedWeightsCMake(const EmitOptions &options) {
  const std::string library = options.apiPrefix + "_model";
  return withApiPrefix(
      "\n"
      "# weights.bin is part of the program (llmc compile --weights-mode embedded): the assembler\n"
      "# puts it into section .llm_weights (GCC and Clang on ELF, MinGW's on COFF), elsewhere a\n"
      "# byte array written from it at build time does. Either way a new weights.bin rebuilds it.\n"
      "option(LLM_WEIGHTS_AS_ARRAY \"Embed weights.bin as a C++ byte array, not with .incbin\" "
      "OFF)\n"
      "if(CMAKE_CXX_COMPILER_ID MATCHES \"GNU|Clang\" AND NOT APPLE AND (MINGW OR NOT WIN32)\n"
      "   AND NOT LLM_WEIGHTS_AS_ARRAY)\n"
      "  # The C++ compiler assembles it, for the machine it compiles for (cross builds too).\n"
      "  if(NOT CMAKE_ASM_COMPILER)\n"
      "    set(CMAKE_ASM_COMPILER ${CMAKE_CXX_COMPILER})\n"
      "    set(CMAKE_ASM_COMPILER_TARGET ${CMAKE_CXX_COMPILER_TARGET})\n"
      "  endif()\n"
      "  enable_language(ASM)\n"
      "  target_sources(" + library + " PRIVATE weights_embedded.S)\n"
      "  set_source_files_properties(weights_embedded.S PROPERTIES\n"
      "    COMPILE_DEFINITIONS \"LLM_WEIGHTS_FILE=\\\"${CMAKE_CURRENT_SOURCE_DIR}/weights.bin\\\"\"\n"
      "    OBJECT_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/weights.bin)\n"
      "else()\n"
      "  add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/weights_array.cpp\n"
      "    COMMAND ${CMAKE_COMMAND} -DWEIGHTS=${CMAKE_CURRENT_SOURCE_DIR}/weights.bin\n"
      "            -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/weights_array.cpp\n"
      "            -P ${CMAKE_CURRENT_SOURCE_DIR}/weights_array.cmake\n"
      "    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/weights.bin "
      "${CMAKE_CURRENT_SOURCE_DIR}/weights_array.cmake)\n"
      "  target_sources(" + library + " PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/weights_array.cpp)\n"
      "endif()\n",
      options.apiPrefix);
}

} // namespace llmc
