//===- llmc.cpp - the llmc command line -----------------------------------===//
//
//   llmc compile MODEL -o OUT [--target generic] [--quant q4_0] [--tokenizer FILE] [--quiet]
//                [--api-prefix NAME] [--chat-template NAME]
//                [--weights-mode mapped|embedded|streamed] [--weights-budget SIZE]
//                [--memory-budget SIZE]
//   llmc inspect MODEL [--quant q8_0,q4_0] [--ram [--target T] [--threads N]]
//
// Reads the model, builds the llm module, runs the pipeline for the target and writes OUT/
// through a staging folder (OutputFolder), so a failure leaves no OUT/ behind and an earlier
// OUT/ is replaced only by a complete one.
//
//===----------------------------------------------------------------------===//
#include "compiler/Emitter/CppText.h"
#include "compiler/Emitter/Emitter.h"
#include "compiler/Emitter/OutputFolder.h"
#include "compiler/Emitter/TokenizerBlob.h"
#include "compiler/Importer/ChatTemplate.h"
#include "compiler/Importer/Importer.h"
#include "compiler/Importer/LlamaToIR.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Weights/WeightCheck.h"
#include "compiler/tools/Inspect.h"
#include "compiler/tools/InspectRam.h"
#include "compiler/tools/MemoryBudget.h"
#include "targets/Targets.h"
#include "targets/common/CoreDescription.h"
#include "dialects/llm/LLMDialect.h"
#include "runtime/blob_format.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {

cl::SubCommand compileCommand("compile", "Compile a model into a folder of standalone C++");
cl::SubCommand inspectCommand("inspect",
                              "Print a model's config and its size under each scheme");
cl::SubCommand targetsCommand("targets",
                              "List the targets and the CPU model each plans for");

cl::opt<std::string> modelPath(cl::Positional, cl::desc("MODEL"), cl::Required,
                               cl::sub(compileCommand), cl::sub(inspectCommand),
                               cl::value_desc("Hugging Face folder | GGUF file | llama2.c checkpoint"));
cl::opt<std::string> outputPath("o", cl::desc("Output folder (replaced if it is an llmc output)"),
                                cl::value_desc("folder"), cl::sub(compileCommand));
cl::opt<std::string> target("target",
                            cl::desc("Code generation target (main() lists the registry's)"),
                            cl::init("generic"), cl::sub(compileCommand), cl::sub(inspectCommand));
cl::opt<std::string> tokenizerPath(
    "tokenizer",
    cl::desc("Tokenizer: llama2.c tokenizer.bin for a llama2.c checkpoint (default: "
             "tokenizer.bin or tok<vocab size>.bin beside it); a tokenizer.json, "
             "or a SentencePiece or tiktoken tokenizer.model, to replace a HF folder's or GGUF "
             "file's own"),
    cl::value_desc("file"), cl::sub(compileCommand), cl::sub(inspectCommand));
cl::opt<bool> noTokenizer(
    "no-tokenizer",
    cl::desc("Compile without a tokenizer, for token ids in and out (llm-run --tokens): for a "
             "model whose tokenizer llmc cannot read (e.g. a WordPiece tokenizer.json)"),
    cl::sub(compileCommand));
cl::opt<std::string> chatTemplate(
    "chat-template",
    cl::desc("How the runtime formats a conversation: llama2, llama3, zephyr, or none (default: "
             "the model's own chat template, recognised from its metadata)"),
    cl::value_desc("name"), cl::sub(compileCommand));
cl::opt<bool> allowNonFinite("allow-nonfinite",
                             cl::desc("Keep NaN and infinite weights (an error otherwise)"),
                             cl::sub(compileCommand));
cl::opt<int64_t> contextLength(
    "context", cl::desc("KV-cache length in tokens (default: the model's maximum, at most 4096)"),
    cl::init(0), cl::sub(compileCommand), cl::sub(inspectCommand));
cl::opt<int64_t> prefillTokens("prefill-tokens",
                               cl::desc("Tokens per prefill call (default: 16)"), cl::init(16),
                               cl::sub(compileCommand), cl::sub(inspectCommand));
cl::opt<std::string> emit("emit",
                          cl::desc("What to produce: out (default), mlir (the imported module), "
                                   "mlir-planned (after the pipeline)"),
                          cl::init("out"), cl::sub(compileCommand));
cl::opt<std::string> cores(
    "cores",
    cl::desc("Cores the work split is planned for: N equal cores (default: the target's; "
             "llm-run --threads picks how many run), or unequal ones in CPU order, "
             "COUNTxSPEED,... (4x1.0,4x2.0: four cores, then four twice as fast), split in "
             "proportion to speed"),
    cl::value_desc("N|COUNTxSPEED,..."), cl::sub(compileCommand),
    cl::sub(inspectCommand));
cl::opt<bool> noFusion("no-fusion",
                       cl::desc("Skip the fusion passes (one kernel call per op; for comparing)"),
                       cl::sub(compileCommand), cl::sub(inspectCommand));
cl::opt<cl::boolOrDefault> packWeights(
    "pack-weights",
    cl::desc("Store quantized weights of every scheme in the target's own layouts where its "
             "kernels read them; default: the schemes the target measured faster so "
             "(docs/targets.md), =false keeps all row after row"),
    cl::sub(compileCommand), cl::sub(inspectCommand));
cl::opt<bool> quiet("quiet", cl::desc("No progress or summary on stderr"),
                    cl::sub(compileCommand));
cl::opt<std::string> quant("quant",
                           cl::desc("Weight scheme: f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, "
                                    "q6_k (default: as imported; f16 and bf16 matrices stay "
                                    "as they are, vectors become f32)"),
                           cl::value_desc("scheme"), cl::sub(compileCommand),
                           cl::sub(inspectCommand));
cl::list<std::string> quantOverrides(
    "quant-override",
    cl::desc("PATTERN=SCHEME for the weights whose names match (repeatable, first match wins; "
             "'output' and 'embed' name the output projection and the token embedding)"),
    cl::value_desc("pattern=scheme"), cl::sub(compileCommand), cl::sub(inspectCommand));

cl::opt<std::string> apiPrefix(
    "api-prefix",
    cl::desc("What the generated C API's names start with: NAME_open, NAME_model, NAME_OK, "
             "target NAME_model (default: llm). Folders compiled with different prefixes link "
             "into one program"),
    cl::value_desc("NAME"), cl::init("llm"), cl::sub(compileCommand));

cl::opt<bool> inspectRam(
    "ram",
    cl::desc("Print the RAM the compiled program will use for each scheme and context length "
             "512, 2048 and 4096, and the device classes it fits (with --target, --threads)"),
    cl::sub(inspectCommand));
cl::opt<int64_t> inspectThreads("threads",
                                cl::desc("Kernel threads the program runs on, for --ram "
                                         "(default: 1)"),
                                cl::init(1), cl::sub(inspectCommand));

cl::opt<std::string> weightsMode(
    "weights-mode",
    cl::desc("How the program holds its weights: mapped (weights.bin opened at run time, mapped "
             "read-only; the default), embedded (weights.bin part of the program, in a section "
             "of its own that can be placed in flash) or streamed (weights.bin read op by op "
             "into a buffer of --weights-budget while the model runs)"),
    cl::value_desc("mode"), cl::init("mapped"), cl::sub(compileCommand));

cl::opt<std::string> weightsBudget(
    "weights-budget",
    cl::desc("--weights-mode streamed: the bytes of the weight buffer (e.g. 256M, 1G, 300000000; "
             "K, M, G are powers of 1024); llm_open_options.weights_budget overrides it at run "
             "time"),
    cl::value_desc("size"), cl::sub(compileCommand));

cl::opt<std::string> memoryBudget(
    "memory-budget",
    cl::desc("The RAM the program may use (e.g. 512M, 1G): picks the weights mode (mapped, else "
             "streamed with as many layers resident as fit), then, unless --context is given, a "
             "shorter KV cache (down to 512 positions); an error with a table of what would fit "
             "when nothing does"),
    cl::value_desc("size"), cl::sub(compileCommand));

/// The default cap keeps the KV cache of long-context models (Llama 3: 131072) reasonable on a
/// device; --context overrides it.
constexpr int64_t kDefaultContextCap = 4096;

/// "256M", "1G", "4096", "64K": bytes (K, M, G powers of 1024); nothing for anything else.
std::optional<uint64_t> parseByteSize(StringRef text) {
  uint64_t scale = 1;
  if (!text.empty()) {
    switch (toUpper(text.back())) {
    case 'K': scale = 1ull << 10; break;
    case 'M': scale = 1ull << 20; break;
    case 'G': scale = 1ull << 30; break;
    default: break;
    }
  }
  if (scale != 1)
    text = text.drop_back();
  uint64_t value = 0;
  if (text.empty() || text.getAsInteger(10, value) || value == 0 || value > UINT64_MAX / scale)
    return std::nullopt;
  return value * scale;
}

/// A SIZE flag's bytes (parseByteSize); nothing when it is not given.
Expected<std::optional<uint64_t>> sizeFlag(const cl::opt<std::string> &flag) {
  if (!flag.getNumOccurrences())
    return std::nullopt;
  if (std::optional<uint64_t> bytes = parseByteSize(flag))
    return bytes;
  return createStringError(inconvertibleErrorCode(),
                           "--" + flag.ArgStr + " '" + flag.getValue() +
                               "' is not a size (bytes, or a number with K, M or G)");
}

int fail(const Twine &message) {
  WithColor::error(errs(), "llmc") << message << "\n";
  return 1;
}

int fail(Error error) {
  std::string message = toString(std::move(error));
  return fail(message);
}

std::string humanBytes(uint64_t bytes) {
  const char *units[] = {"B", "KiB", "MiB", "GiB"};
  double value = double(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  std::string text;
  raw_string_ostream(text) << format(unit ? "%.1f %s" : "%.0f %s", value, units[unit]);
  return text;
}

/// The model's name for generated comments: the file or folder name, never a path.
std::string modelName(StringRef path) {
  SmallString<256> clean(path);
  sys::path::remove_dots(clean, true);
  while (clean.size() > 1 && sys::path::is_separator(clean.back()))
    clean.pop_back();
  StringRef name = sys::path::filename(clean);
  return sys::path::extension(name) == ".bin" ? sys::path::stem(name).str() : name.str();
}

/// The KV-cache length a compile uses: --context, else the model's, capped, and never longer
/// than a sliding window (attending over the whole context is exact only within it).
Expected<int64_t> chosenContext(const llmc::ModelConfig &config) {
  int64_t window = config.slidingWindow;
  if (contextLength > 0 && window > 0 && contextLength > window)
    return createStringError(inconvertibleErrorCode(),
                             modelPath + ": --context " + Twine(contextLength.getValue()) +
                                 " is longer than the model's sliding_window " + Twine(window) +
                                 " (llmc attends over the whole context, which is the model's "
                                 "attention only within the window)");
  if (contextLength > 0)
    return contextLength.getValue();
  int64_t context = std::min(config.maxPositions, kDefaultContextCap);
  return window > 0 ? std::min(context, window) : context;
}

/// What the importer says that is not an error.
void printWarnings(const llmc::ImportedModel &model) {
  for (const std::string &warning : model.warnings)
    WithColor::warning(errs(), "llmc") << warning << "\n";
}

/// The tokenizer the compile writes: the model's; none with --no-tokenizer; an error when the
/// source has one llmc cannot read, rather than a program that encodes text with the wrong
/// vocabulary.
Error chooseTokenizer(llmc::ImportedModel &model) {
  if (noTokenizer) {
    if (!tokenizerPath.empty())
      return createStringError(inconvertibleErrorCode(),
                               "--no-tokenizer and --tokenizer contradict each other");
    model.vocabulary.reset();
    return Error::success();
  }
  if (model.vocabulary || model.unreadTokenizer.empty())
    return Error::success();
  return createStringError(inconvertibleErrorCode(),
                           model.unreadTokenizer +
                               "; give a tokenizer llmc reads with --tokenizer, or compile with "
                               "--no-tokenizer for token ids in and out");
}

/// The chat template the compile writes into tokenizer.bin: --chat-template's, else the one the
/// model's metadata ships if llmc recognises it, else none. A template llmc does not know is an
/// error unless --chat-template says what to do, rather than a chat that prompts the model in a
/// format it was not trained on.
Error chooseChatTemplate(llmc::ImportedModel &model) {
  auto error = [](const Twine &message) {
    return createStringError(inconvertibleErrorCode(), message);
  };
  std::optional<uint32_t> chosen;
  if (!model.vocabulary) { // no text, so no chat: only an explicit template is a mistake
    if (!chatTemplate.empty() && chatTemplate != "none")
      return error("--chat-template " + chatTemplate +
                   " needs a tokenizer, and the model is compiled without one");
    return Error::success();
  }
  if (!chatTemplate.empty()) {
    chosen = llmc::chatTemplateNamed(chatTemplate);
    if (!chosen)
      return error("unknown --chat-template '" + chatTemplate + "' (supported: " +
                   llmc::chatTemplateNames() + ", none)");
  } else if (!model.chatTemplateText.empty()) {
    chosen = llmc::recogniseChatTemplate(model.chatTemplateText);
    if (!chosen)
      return error(model.chatTemplateSource + ": the chat template is not one llmc knows (" +
                   llmc::chatTemplateNames() + "; fingerprint " +
                   llmc::chatTemplateFingerprint(model.chatTemplateText) +
                   "): name the one it follows with --chat-template, or compile without one "
                   "with --chat-template none");
  }
  if (!chosen)
    return Error::success();
  if (Error missing = llmc::checkChatTemplateTokens(*model.vocabulary, *chosen))
    return error(modelPath + ": " + toString(std::move(missing)));
  model.vocabulary->chatTemplate = *chosen;
  return Error::success();
}

/// --cores: N equal cores (none given: the target's default), or unequal ones.
Expected<llmc::CoreDescription> parsedCores() {
  if (cores.empty())
    return llmc::CoreDescription();
  Expected<llmc::CoreDescription> parsed = llmc::parseCoreDescription(cores, llmc::kMaxCores);
  if (!parsed)
    return createStringError(inconvertibleErrorCode(), "--cores: " + toString(parsed.takeError()));
  return parsed;
}

/// The compile's pipeline for the flags, weight scheme `scheme` ("": as imported) and --cores
/// (equal cores: their count; unequal ones reach the split through the module's llm.cores).
llmc::PipelineOptions pipelineFor(StringRef scheme, const llmc::CoreDescription &cores) {
  llmc::PipelineOptions pipeline;
  pipeline.target = target;
  pipeline.cores = cores.speeds.empty() ? cores.count : 0;
  pipeline.fuse = !noFusion;
  if (packWeights != cl::BOU_UNSET)
    pipeline.packWeights = packWeights == cl::BOU_TRUE;
  // "f32" is spelled as an override so it also turns a quantized GGUF back into floats.
  if (scheme == "f32")
    pipeline.quantOverrides.push_back("*=f32");
  else
    pipeline.quant = scheme.str();
  pipeline.quantOverrides.insert(pipeline.quantOverrides.begin(), quantOverrides.begin(),
                                 quantOverrides.end());
  return pipeline;
}

/// Each target's name and summary, then its CPU model as llm.target and manifest.json name
/// the fields.
int listTargets() {
  for (const llmc::TargetBackend *backend : llmc::allTargets()) {
    const llmc::TargetDescription &d = backend->getDescription();
    outs() << d.name << ": " << d.summary << "\n  tuned_for = " << d.cpu.tunedFor;
    for (auto [name, value] : llmc::cpuModelFields(d.cpu))
      outs() << ", " << name << " = " << value;
    outs() << "\n";
  }
  return 0;
}

int inspect() {
  Expected<llmc::ImportedModel> model = llmc::importModel(modelPath, tokenizerPath, !noTokenizer);
  if (!model)
    return fail(model.takeError());
  if (Error error = llmc::verifyLlamaWeights(model->config, model->weights, modelPath))
    return fail(std::move(error));
  std::vector<std::string> schemes = {"f32",  "f16",  "bf16", "q8_0",
                                      "q6_k", "q4_k", "q4_1", "q4_0"};
  if (!quant.empty()) {
    schemes.clear();
    for (StringRef scheme : split(quant, ','))
      schemes.push_back(scheme.str());
  }
  printWarnings(*model);
  if (inspectRam) {
    if (!llmc::lookupTarget(target))
      return fail("unknown target '" + target + "' (supported: " + llmc::targetNames() + ")");
    if (inspectThreads < 1)
      return fail("--threads must be positive");
    if (Error error = chooseTokenizer(*model))
      return fail(std::move(error));
    if (prefillTokens <= 0)
      return fail("--prefill-tokens must be positive");
    Expected<llmc::CoreDescription> coreDescription = parsedCores();
    if (!coreDescription)
      return fail(coreDescription.takeError());
    auto pipeline = [&](StringRef scheme) { return pipelineFor(scheme, *coreDescription); };
    return llmc::runInspectRam(*model, schemes, pipeline, prefillTokens, inspectThreads,
                               outs());
  }
  Expected<int64_t> context = chosenContext(model->config);
  if (!context)
    return fail(context.takeError());
  return llmc::runInspect(*model, schemes, *context, outs());
}

/// The module `llmc compile` emits with a KV cache of `kvLength` positions: imported and checked,
/// and run through `pipeline` when there is one. Null after an error it reports.
mlir::OwningOpRef<mlir::ModuleOp>
compiledModule(mlir::MLIRContext &context, const llmc::ImportedModel &model, int64_t kvLength,
               const llmc::CoreDescription &cores, const llmc::TargetBackend &backend,
               const std::optional<llmc::PipelineOptions> &pipeline) {
  llmc::LlamaToIROptions importOptions;
  importOptions.contextLength = kvLength;
  importOptions.prefillTokens = prefillTokens;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      llmc::buildLlamaModule(context, model.config, model.weights, importOptions);
  if (!cores.speeds.empty())
    (*module)->setAttr(llmc::kCoresAttr, mlir::DenseF64ArrayAttr::get(&context, cores.speeds));
  if (failed(mlir::verify(*module))) {
    fail(modelPath + ": the imported model does not verify (see above)");
    return nullptr;
  }
  if (!pipeline)
    return module;
  // The imported module is the same for every target; from here on it is planned for one.
  (*module)->setAttr(llmc::kTargetAttr,
                     llmc::cpuModelAttr(&context, target, backend.getDescription().cpu));
  mlir::PassManager pm(&context);
  llmc::buildCompilePipeline(pm, *pipeline);
  if (failed(pm.run(*module))) {
    fail("the " + target + " pipeline failed (see above)");
    return nullptr;
  }
  return module;
}

/// --memory-budget: the first plan that fits `budget` bytes, trying --weights-mode's `mode` if
/// given (else mapped, then streamed) and the KV-cache length `kvLength`, then, without
/// --context, shorter ones (a note says so). Nothing after an error it reports: a module's, or
/// a budget nothing fits, with the table of what each plan needs.
std::optional<llmc::MemoryChoice> planForMemoryBudget(
    uint64_t budget, llmc::WeightsMode mode, int64_t kvLength, const llmc::ImportedModel &model,
    function_ref<mlir::OwningOpRef<mlir::ModuleOp>(int64_t)> plannedModule) {
  std::vector<llmc::WeightsMode> modes = {mode};
  if (!weightsMode.getNumOccurrences())
    modes = {llmc::WeightsMode::Mapped, llmc::WeightsMode::Streamed};
  std::vector<int64_t> contexts =
      llmc::budgetContexts(kvLength, contextLength.getNumOccurrences() > 0, prefillTokens);
  std::optional<llmc::MemoryBudgetPlan> plan = llmc::planMemoryBudget(
      budget, contexts, modes,
      llmc::modelTokenizerBlobBytes(model.vocabulary, model.config).size(), plannedModule);
  if (!plan)
    return std::nullopt;
  if (!plan->chosen) {
    uint64_t least = plan->leastBudget();
    fail("--memory-budget " + memoryBudget + " (" + Twine(budget) + " bytes) is too small for " +
         modelPath + ": the least plan needs " + humanBytes(least) + " (--memory-budget " +
         Twine(least) + ")");
    llmc::printMemoryBudgetTable(*plan, errs());
    return std::nullopt;
  }
  if (plan->chosen->context != kvLength)
    WithColor::note(errs(), "llmc")
        << "--memory-budget " << memoryBudget << ": the KV cache holds "
        << plan->chosen->context << " positions instead of " << kvLength
        << " to fit (--context N keeps a length, or fails)\n";
  return plan->chosen;
}

int compile() {
  bool progress = !quiet && sys::Process::StandardErrIsDisplayed();
  const llmc::TargetBackend *backend = llmc::lookupTarget(target);
  if (!backend)
    return fail("unknown target '" + target + "' (supported: " + llmc::targetNames() + ")");
  Expected<llmc::CoreDescription> coreDescription = parsedCores();
  if (!coreDescription)
    return fail(coreDescription.takeError());
  if (packWeights == cl::BOU_TRUE && !backend->hasWeightLayouts())
    return fail("--pack-weights needs a target with weight layouts of its own: " + target +
                "'s kernels read rows only");
  if (emit != "out" && emit != "mlir" && emit != "mlir-planned")
    return fail("unknown --emit '" + emit + "' (supported: out, mlir, mlir-planned)");
  if (prefillTokens <= 0)
    return fail("--prefill-tokens must be positive");
  if (contextLength < 0)
    return fail("--context must be positive");
  if (std::string why; !llmc::isValidApiPrefix(apiPrefix, why))
    return fail("--api-prefix '" + apiPrefix + "' " + why);
  std::optional<llmc::WeightsMode> mode = llmc::parseWeightsMode(weightsMode);
  if (!mode)
    return fail("unknown --weights-mode '" + weightsMode +
                "' (supported: mapped, embedded, streamed)");
  Expected<std::optional<uint64_t>> budget = sizeFlag(weightsBudget);
  if (!budget)
    return fail(budget.takeError());
  Expected<std::optional<uint64_t>> ramBudget = sizeFlag(memoryBudget);
  if (!ramBudget)
    return fail(ramBudget.takeError());
  if (*budget && *ramBudget)
    return fail("--weights-budget and --memory-budget contradict each other: --memory-budget "
                "sizes the weight buffer from what the rest of the program leaves; give one");
  if (*mode == llmc::WeightsMode::Streamed && !*budget && !*ramBudget)
    return fail("--weights-mode streamed needs --weights-budget SIZE (the weight buffer's bytes) "
                "or --memory-budget SIZE (the program's)");
  if (*mode != llmc::WeightsMode::Streamed && *budget)
    return fail("--weights-budget is for --weights-mode streamed");

  // Check the destination before the expensive work, so a bad -o fails at once.
  std::optional<llmc::OutputFolder> output;
  if (emit == "out") {
    if (outputPath.empty())
      return fail("missing -o OUTPUT folder");
    Expected<llmc::OutputFolder> folder = llmc::OutputFolder::create(outputPath);
    if (!folder)
      return fail(folder.takeError());
    output.emplace(std::move(*folder));
  }

  if (progress)
    errs() << "reading " << modelPath << "\n";
  Expected<llmc::ImportedModel> model = llmc::importModel(modelPath, tokenizerPath, !noTokenizer);
  if (!model)
    return fail(model.takeError());
  if (Error error = llmc::verifyLlamaWeights(model->config, model->weights, modelPath))
    return fail(std::move(error));
  if (Error error = llmc::checkWeightValues(model->weights, allowNonFinite, model->warnings))
    return fail(std::move(error));
  printWarnings(*model);
  if (Error error = chooseTokenizer(*model))
    return fail(std::move(error));
  if (Error error = chooseChatTemplate(*model))
    return fail(std::move(error));
  Expected<int64_t> kvLength = chosenContext(model->config);
  if (!kvLength)
    return fail(kvLength.takeError());

  mlir::DialectRegistry registry;
  llmc::registerTargetDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::ScopedDiagnosticHandler diagnostics(&context, [](mlir::Diagnostic &diag) {
    WithColor::error(errs(), "llmc") << diag.getLocation() << ": " << diag.str() << "\n";
    return mlir::success();
  });
  auto moduleFor = [&](int64_t kvPositions, const std::optional<llmc::PipelineOptions> &pipeline) {
    return compiledModule(context, *model, kvPositions, *coreDescription, *backend, pipeline);
  };

  std::optional<llmc::MemoryChoice> ramChoice;
  if (*ramBudget) {
    // Planned for mapped weights: the planner weighs each mode on the same module.
    auto planned = [&](int64_t kvPositions) {
      return moduleFor(kvPositions, pipelineFor(quant, *coreDescription));
    };
    ramChoice = planForMemoryBudget(**ramBudget, *mode, *kvLength, *model, planned);
    if (!ramChoice)
      return 1; // reported
    *mode = ramChoice->mode;
    *budget = ramChoice->weightsBudget ? std::optional<uint64_t>(ramChoice->weightsBudget)
                                       : std::nullopt;
  }

  std::optional<llmc::PipelineOptions> pipeline;
  if (emit != "mlir") {
    pipeline = pipelineFor(quant, *coreDescription);
    pipeline->weightsMode = *mode;
    pipeline->weightsBudget = budget->value_or(0);
  }
  mlir::OwningOpRef<mlir::ModuleOp> module =
      moduleFor(ramChoice ? ramChoice->context : *kvLength, pipeline);
  if (!module)
    return 1; // reported
  if (emit != "out") { // mlir, mlir-planned
    module->print(outs());
    return 0;
  }

  llmc::EmitOptions emitOptions;
  emitOptions.modelName = modelName(modelPath);
  emitOptions.sourceDescription = model->sourceDescription;
  emitOptions.target = target;
  emitOptions.targetInfo = &backend->getDescription();
  emitOptions.quant = quant.empty() ? "as imported" : quant.getValue();
  emitOptions.showProgress = progress;
  emitOptions.apiPrefix = apiPrefix;
  emitOptions.memoryBudget = ramBudget->value_or(0);
  emitOptions.defaultContext = *kvLength;
  llmc::EmitSummary summary;
  if (Error error = llmc::emitOutputFolder(*module, *model, emitOptions, output->stagingPath(),
                                           summary))
    return fail(output->namingDestination(std::move(error)));
  if (Error error = output->commit())
    return fail(std::move(error));
  if (!quiet && ramChoice)
    errs() << "llmc: --memory-budget " << memoryBudget << ": "
           << llmc::describeMemoryChoice(*ramChoice) << ", planned "
           << humanBytes(summary.ram.total()) << "\n";
  if (!quiet)
    errs() << "llmc: wrote " << outputPath << " (" << target << ", " << emitOptions.quant
           << "): weights "
           << humanBytes(summary.weightBytes) << ", arena " << humanBytes(summary.arenaBytes)
           << ", KV cache " << humanBytes(summary.kvCacheBytes) << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::SetVersionPrinter([](raw_ostream &os) { os << "llmc " << LLMC_VERSION << "\n"; });
  static const std::string targetHelp =
      "Code generation target: " + llmc::targetNames() + " (default: generic)";
  target.setDescription(targetHelp);
  cl::ParseCommandLineOptions(argc, argv,
                              "llmc: compile Llama-family models into standalone C++\n\n"
                              "  llmc compile MODEL -o OUT [--target generic] [--quant q4_0]\n"
                              "  llmc inspect MODEL [--quant q8_0,q4_0]\n"
                              "  llmc targets\n");
  if (compileCommand)
    return compile();
  if (inspectCommand)
    return inspect();
  if (targetsCommand)
    return listTargets();
  errs() << "llmc: no command given; try 'llmc compile --help'\n";
  return 2;
}
