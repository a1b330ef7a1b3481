//===- ProjectFiles.cpp - CMakeLists.txt, sources, manifest.json ---------===//
#include "compiler/Emitter/CppText.h"
#include "compiler/Emitter/EmbeddedSources.h"
#include "compiler/Emitter/Emitter.h"
#include "runtime/blob_format.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace llmc {
namespace {

constexpr const char *kLlmcVersion = LLMC_VERSION;

/// Where an embedded source goes in out/: runtime/* keeps its folder, the target's kernel files
/// go to the top. Empty for files this target does not use (threads.cpp of single-threaded
/// targets among them) or this weights mode does not (stream.cpp outside streamed mode).
std::string destinationOf(llvm::StringRef source, const EmitOptions &options, WeightsMode mode) {
  const TargetDescription &target = *options.targetInfo;
  // The thread pool, and with it the need for a thread library, only where kernels use it.
  if (source == "runtime/threads.cpp" && !target.threaded)
    return "";
  if (source == "runtime/stream.cpp" && mode != WeightsMode::Streamed)
    return "";
  if (source.starts_with("runtime/"))
    return source.str();
  for (const std::string &file : target.kernelFiles)
    if (source == "targets/" + file)
      return llvm::sys::path::filename(file).str();
  return "";
}

/// Kernel threads or the streamed weights' reader thread.
bool needsThreads(const EmitOptions &options, WeightsMode mode) {
  return options.targetInfo->threaded || mode == WeightsMode::Streamed;
}

/// out/CMakeLists.txt: the model's library of `sources` and llm-run of `runSources`, files of
/// out/.
std::string cmakeLists(const EmitOptions &options, WeightsMode mode,
                       llvm::ArrayRef<std::string> sources,
                       llvm::ArrayRef<std::string> runSources) {
  const std::string library = options.apiPrefix + "_model", run = options.apiPrefix + "-run";
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "# " << options.modelName << " compiled by llmc " << kLlmcVersion << " for the "
     << options.target << " target.\n"
     << "#\n"
     << "# Standalone:          cmake -S . -B build && cmake --build build && build/" << run
     << "\n"
     << "# In a larger project: add_subdirectory(path/to/this/folder) and link `" << library
     << "`;\n"
     << "#                      model.h is the C API.\n"
     << "cmake_minimum_required(VERSION 3.16)\n"
     << "project(" << library << " LANGUAGES CXX)\n\n"
     << "if(CMAKE_SOURCE_DIR STREQUAL CMAKE_CURRENT_SOURCE_DIR AND NOT CMAKE_BUILD_TYPE)\n"
     << "  set(CMAKE_BUILD_TYPE Release CACHE STRING \"\" FORCE)\n"
     << "endif()\n\n"
     << (needsThreads(options, mode) ? "find_package(Threads REQUIRED)\n\n" : "")
     << "add_library(" << library << " STATIC\n";
  for (const std::string &source : sources)
    if (llvm::StringRef(source).ends_with(".cpp"))
      os << "  " << source << "\n";
  os << ")\n"
     << "target_include_directories(" << library << " PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})\n"
     << "target_compile_features(" << library << " PUBLIC cxx_std_17)\n";
  if (needsThreads(options, mode))
    os << "target_link_libraries(" << library << " PUBLIC Threads::Threads)\n";
  // The runtime's and kernels' C++ names go into a namespace of this API's own, so that
  // another model compiled with another prefix links into the same program.
  std::string internalNamespace;
  if (options.apiPrefix != "llm") {
    internalNamespace = "LLMRT_NAMESPACE=llmc_" + options.apiPrefix;
    os << "# The runtime's and kernels' C++ names live in namespace llmc_" << options.apiPrefix
       << " (runtime/namespace.h).\n"
       << "target_compile_definitions(" << library << " PRIVATE " << internalNamespace << ")\n";
  }
  const TargetDescription &target = *options.targetInfo;
  if (!target.compileFlags.empty()) {
    os << "# The " << target.name << " microkernels need these instruction sets.\n"
       << "if(CMAKE_CXX_COMPILER_ID MATCHES \"GNU|Clang\")\n"
       << "  set_source_files_properties(";
    for (const std::string &file : target.kernelFiles)
      if (llvm::StringRef(file).ends_with(".cpp") && !llvm::StringRef(file).starts_with("generic/"))
        os << llvm::sys::path::filename(file) << " ";
    os << "PROPERTIES\n    COMPILE_OPTIONS \"" << llvm::join(target.compileFlags, ";")
       << "\")\nendif()\n";
  }
  if (mode == WeightsMode::Embedded)
    os << embeddedWeightsCMake(options);
  os << "\n"
     << "add_executable(" << run << " " << llvm::join(runSources, " ") << ")\n"
     << "target_link_libraries(" << run << " PRIVATE " << library << ")\n"
     << "# " << run << " finds weights.bin and tokenizer.bin here unless --weights/--tokenizer say.\n"
     << "target_compile_definitions(" << run << " PRIVATE "
     << withApiPrefix("LLM_MODEL_DIR", options.apiPrefix) << "=\"${CMAKE_CURRENT_SOURCE_DIR}\""
     << (internalNamespace.empty() ? "" : " " + internalNamespace) << ")\n";
  return text;
}

std::string manifest(const ImportedModel &model, const EmitOptions &options,
                     const EmitSummary &summary) {
  const ModelConfig &c = model.config;
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::json::OStream json(os, 2);
  json.object([&] {
    json.attribute("llmc_version", kLlmcVersion);
    json.attribute("model", options.modelName);
    json.attribute("source_format", model.sourceDescription);
    json.attribute("model_hash", summary.modelHash);
    json.attribute("target", options.target);
    // What the target's passes planned for, as on the module's llm.target.
    json.attributeObject("cpu_model", [&] {
      json.attribute("tuned_for", options.targetInfo->cpu.tunedFor);
      for (auto [name, value] : cpuModelFields(options.targetInfo->cpu))
        json.attribute(name, value);
    });
    json.attribute("quant", options.quant);
    json.attribute("weights_mode", weightsModeName(summary.weightsMode));
    if (summary.weightsMode == WeightsMode::Streamed)
      json.attributeObject("streamed", [&] {
        json.attribute("weights_budget", int64_t(summary.weightsBudget));
        json.attribute("layers", summary.layers);
        json.attribute("resident_layers", summary.residentLayers);
        json.attributeArray("read_buffer_bytes", [&] {
          for (uint64_t bytes : summary.readBufferBytes)
            json.value(int64_t(bytes));
        });
      });
    json.attribute("context_length", summary.contextLength);
    if (options.memoryBudget)
      json.attributeObject("memory_budget", [&] {
        json.attribute("bytes", int64_t(options.memoryBudget));
        // The plan is the weights mode, streamed's resident layers, context_length and
        // ram_bytes above and below; this says when it shortened the KV cache.
        if (summary.contextLength < options.defaultContext)
          json.attribute("context_shortened_from", options.defaultContext);
      });
    if (!summary.coreSpeeds.empty())
      json.attributeArray("cores", [&] {
        for (double speed : summary.coreSpeeds)
          json.value(speed);
      });
    json.attributeObject("tensors_by_storage", [&] {
      for (const auto &[storage, count] : summary.tensorsByStorage)
        json.attribute(storage, count);
    });
    json.attribute("parameters", int64_t(summary.parameterCount));
    json.attribute("weight_bytes", int64_t(summary.weightBytes));
    json.attribute("arena_bytes", int64_t(summary.arenaBytes));
    json.attribute("kv_cache_bytes", int64_t(summary.kvCacheBytes));
    // llmc inspect --ram's figures for this compile, with one kernel thread.
    json.attributeObject("ram_bytes", [&] {
      json.attribute("weights", int64_t(summary.ram.weightsResident));
      json.attribute("kv_cache", int64_t(summary.ram.kvCache));
      json.attribute("arena", int64_t(summary.ram.arena));
      json.attribute("tokenizer", int64_t(summary.ram.tokenizer));
      json.attribute("runtime", int64_t(summary.ram.runtime));
      json.attribute("total", int64_t(summary.ram.total()));
    });
    json.attributeObject("config", [&] {
      json.attribute("hidden_size", c.hiddenSize);
      json.attribute("intermediate_size", c.intermediateSize);
      json.attribute("num_layers", c.numLayers);
      json.attribute("num_heads", c.numHeads);
      json.attribute("num_kv_heads", c.numKVHeads);
      json.attribute("head_dim", c.headDim);
      json.attribute("vocab_size", c.vocabSize);
      json.attribute("max_position_embeddings", c.maxPositions);
      json.attribute("rms_norm_eps", c.rmsNormEps);
      json.attribute("rope_theta", c.ropeTheta);
      json.attribute("tie_word_embeddings", c.tieWordEmbeddings);
    });
    json.attribute("tokenizer", model.vocabulary ? "from the model" : "placeholder pieces <N>");
    json.attribute("chat_template",
                   llmrt_chat_template_name(model.vocabulary ? model.vocabulary->chatTemplate
                                                             : LLMRT_CHAT_TEMPLATE_NONE));
  });
  os << "\n";
  return text;
}

} // namespace

llvm::Error writeProjectFiles(const ImportedModel &model, const EmitOptions &options,
                              llvm::StringRef directory, const EmitSummary &summary) {
  std::vector<std::string> librarySources, runSources;
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    std::string destination = destinationOf(kEmbeddedFiles[i].path, options, summary.weightsMode);
    if (destination.empty())
      continue;
    llvm::SmallString<256> path(directory);
    llvm::sys::path::append(path, destination);
    if (std::error_code ec =
            llvm::sys::fs::create_directories(llvm::sys::path::parent_path(path)))
      return llvm::createStringError(ec, path + ": " + ec.message());
    // The sources name the C API as llm_*; the folder's own prefix replaces it.
    if (llvm::Error error =
            writeFile(path, withApiPrefix(kEmbeddedFiles[i].contents, options.apiPrefix)))
      return error;
    (kEmbeddedFiles[i].llmRun ? runSources : librarySources).push_back(destination);
  }
  size_t kernelSources = llvm::count_if(librarySources, [](const std::string &file) {
    return !llvm::StringRef(file).starts_with("runtime/");
  });
  if (kernelSources != options.targetInfo->kernelFiles.size())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "this llmc was built without all of the " + options.target +
                                       " kernel sources");
  librarySources.push_back("model.cpp");
  if (summary.weightsMode == WeightsMode::Embedded)
    librarySources.push_back("weights_embedded.cpp");
  llvm::sort(librarySources);

  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, "CMakeLists.txt");
  if (llvm::Error error = writeFile(
          path, cmakeLists(options, summary.weightsMode, librarySources, runSources)))
    return error;
  path = directory;
  llvm::sys::path::append(path, "manifest.json");
  return writeFile(path, manifest(model, options, summary));
}

} // namespace llmc
