//===- Quantize.cpp - choose each weight's storage scheme -----------------===//
//
// The pass only changes types; the data is converted when the blob writer streams it, so the
// same rules serve `llmc compile` and `llmc inspect` (which sizes every scheme without writing
// anything).
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/Passes.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/GlobPattern.h"

#include <optional>

namespace llmc {
#define GEN_PASS_DEF_LLMQUANTIZE
#include "compiler/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;
using mlir::llm::QuantScheme;

namespace {

/// What a weight is used for, which decides its default scheme.
struct WeightRoles {
  llvm::DenseSet<StringRef> embedding; ///< tables of llm.embed
  llvm::DenseSet<StringRef> output;    ///< weights of a linear whose result is returned
  llvm::DenseSet<StringRef> matrices;  ///< every weight a linear or embed reads
};

WeightRoles findRoles(ModuleOp module) {
  WeightRoles roles;
  module.walk([&](llm::EmbedOp op) {
    roles.embedding.insert(op.getTable());
    roles.matrices.insert(op.getTable());
  });
  module.walk([&](llm::LinearOp op) {
    roles.matrices.insert(op.getWeight());
    for (Operation *user : op.getResult().getUsers())
      if (isa<func::ReturnOp>(user))
        roles.output.insert(op.getWeight());
  });
  return roles;
}

/// How a weight is stored: float32, binary16, bfloat16 or a block-quantized scheme.
struct Storage {
  enum class Kind { f32, f16, bf16, quantized } kind = Kind::f32;
  QuantScheme scheme = QuantScheme::q8_0; ///< when quantized
};

const char *const kStorageNames = "f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q6_k";

std::optional<Storage> parseStorage(StringRef name) {
  if (name == "f32")
    return Storage{Storage::Kind::f32};
  if (name == "f16")
    return Storage{Storage::Kind::f16};
  if (name == "bf16")
    return Storage{Storage::Kind::bf16};
  if (std::optional<QuantScheme> scheme = llm::symbolizeQuantScheme(name))
    return Storage{Storage::Kind::quantized, *scheme};
  return std::nullopt;
}

/// A parsed `PATTERN=SCHEME`.
struct OverrideRule {
  std::string text;
  llvm::GlobPattern pattern;
  Storage storage;
};

bool isFourBit(QuantScheme scheme) {
  return scheme == QuantScheme::q4_0 || scheme == QuantScheme::q4_1 ||
         scheme == QuantScheme::q4_k;
}

/// Rows that are not whole blocks: such tensors (e.g. stories260K's down_proj, 172 wide) are
/// the ones llama.cpp keeps in f16. Zero-padded q8_0 keeps their accuracy at about half of
/// f16's bytes (docs/quantization.md). A k-quant also needs whole 256-element super-blocks to
/// pay off.
QuantScheme fallbackForShortRows(QuantScheme scheme, int64_t rowLength) {
  if (rowLength % 32 != 0)
    return QuantScheme::q8_0;
  if (rowLength % 256 == 0)
    return scheme;
  if (scheme == QuantScheme::q4_k)
    return QuantScheme::q4_1;
  if (scheme == QuantScheme::q6_k)
    return QuantScheme::q8_0;
  return scheme;
}

struct QuantizePass : llmc::impl::LLMQuantizeBase<QuantizePass> {
  using LLMQuantizeBase::LLMQuantizeBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<Storage> defaultStorage;
    if (!scheme.empty()) {
      defaultStorage = parseStorage(scheme);
      if (!defaultStorage) {
        module.emitError() << "unknown quantization scheme '" << scheme
                           << "' (supported: " << kStorageNames << ")";
        return signalPassFailure();
      }
    }
    std::vector<OverrideRule> rules;
    for (const std::string &text : overrides) {
      FailureOr<OverrideRule> rule = parseRule(module, text);
      if (failed(rule))
        return signalPassFailure();
      rules.push_back(std::move(*rule));
    }

    WeightRoles roles = findRoles(module);
    for (auto weight : module.getOps<llm::WeightOp>()) {
      StringRef name = weight.getSymName();
      if (!roles.matrices.contains(name))
        continue; // norms and biases stay float32
      bool isOutput = roles.output.contains(name);
      bool isEmbedding = roles.embedding.contains(name);
      std::optional<Storage> chosen;
      for (const OverrideRule &rule : rules)
        if (rule.pattern.match(name) || (isOutput && rule.pattern.match("output")) ||
            (isEmbedding && rule.pattern.match("embed"))) {
          chosen = rule.storage;
          break;
        }
      if (!chosen && defaultStorage) {
        chosen = defaultStorage;
        bool edge = isOutput || isEmbedding;
        if (edge && chosen->kind == Storage::Kind::quantized && isFourBit(chosen->scheme))
          chosen->scheme = QuantScheme::q6_k;
      }
      if (!chosen)
        continue; // no rule: keep the imported type
      setStorage(weight, *chosen);
    }
  }

  FailureOr<OverrideRule> parseRule(ModuleOp module, StringRef text) {
    auto [pattern, schemeName] = text.split('=');
    if (pattern.empty() || schemeName.empty()) {
      module.emitError() << "quantization override '" << text
                         << "' is not PATTERN=SCHEME (e.g. 'layers.0.*=q8_0')";
      return failure();
    }
    std::optional<Storage> parsed = parseStorage(schemeName);
    if (!parsed) {
      module.emitError() << "quantization override '" << text << "': unknown scheme '"
                         << schemeName << "' (supported: " << kStorageNames << ")";
      return failure();
    }
    llvm::Expected<llvm::GlobPattern> glob = llvm::GlobPattern::create(pattern);
    if (!glob) {
      module.emitError() << "quantization override '" << text
                         << "': bad pattern: " << llvm::toString(glob.takeError());
      return failure();
    }
    return OverrideRule{text.str(), std::move(*glob), *parsed};
  }

  /// Sets the weight's storage type.
  static void setStorage(llm::WeightOp weight, Storage target) {
    SmallVector<int64_t> shape(weight.getWeightShape());
    MLIRContext *context = weight.getContext();
    if (target.kind == Storage::Kind::f32) {
      weight.setType(RankedTensorType::get(shape, Float32Type::get(context)));
      return;
    }
    if (target.kind == Storage::Kind::f16) {
      weight.setType(RankedTensorType::get(shape, Float16Type::get(context)));
      return;
    }
    if (target.kind == Storage::Kind::bf16) {
      weight.setType(RankedTensorType::get(shape, BFloat16Type::get(context)));
      return;
    }
    QuantScheme scheme = fallbackForShortRows(target.scheme, shape.back());
    weight.setType(llm::QWeightType::get(context, scheme, shape));
  }
};

} // namespace
