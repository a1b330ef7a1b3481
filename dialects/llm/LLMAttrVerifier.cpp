//===- LLMAttrVerifier.cpp - checks of the discardable llm.* attributes ---===//
//
// The pipeline records its decisions as discardable attributes: the context length (importer),
// the thread split (a target's tiling pass), the kernels (llm-select-kernels), the memory
// plan (llm-plan-memory) and how the weights are held (llm-plan-weights). The emitter trusts
// them, so the dialect checks each one wherever it appears, and refuses `llm.*` names it does
// not know (a misspelt attribute would otherwise be silently ignored).
//
//===----------------------------------------------------------------------===//
#include "dialects/llm/LLMDialect.h"
#include "dialects/llm/LLMOps.h"

#include "runtime/stream_plan.h"

#include "mlir/IR/BuiltinOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::llm;

namespace {

/// An i64 attribute of at least `min`, or an error naming it.
FailureOr<int64_t> integerAtLeast(Operation *op, NamedAttribute attr, int64_t min) {
  auto value = dyn_cast<IntegerAttr>(attr.getValue());
  if (!value || !value.getType().isInteger(64))
    return op->emitError() << "'" << attr.getName() << "' must be an i64, got "
                           << attr.getValue();
  if (value.getInt() < min)
    return op->emitError() << "'" << attr.getName() << "' must be at least " << min << ", got "
                           << value.getInt();
  return value.getInt();
}

/// The arena size of the module around `op`, if the memory plan has set it.
std::optional<int64_t> arenaBytesAround(Operation *op) {
  auto module = op->getParentOfType<ModuleOp>();
  auto bytes = module ? module->getAttrOfType<IntegerAttr>(llmc::kArenaBytesAttr) : nullptr;
  return bytes ? std::optional<int64_t>(bytes.getInt()) : std::nullopt;
}

/// An offset of the memory plan: aligned, and with `bytes` behind it inside the arena.
LogicalResult verifyOffset(Operation *op, StringRef name, int64_t offset, int64_t bytes) {
  if (offset < 0 || offset % llmc::kArenaAlignment != 0)
    return op->emitError() << "'" << name << "' must be a non-negative multiple of "
                           << llmc::kArenaAlignment << ", got " << offset;
  std::optional<int64_t> arena = arenaBytesAround(op);
  if (arena && offset + bytes > *arena)
    return op->emitError() << "'" << name << "' places " << bytes << " bytes at " << offset
                           << ", past the arena's " << *arena;
  return success();
}

/// The bytes of a (tokens, columns) float result.
int64_t resultBytes(Value result) {
  auto type = dyn_cast<RankedTensorType>(result.getType());
  return type && type.hasStaticShape() ? type.getNumElements() * int64_t(sizeof(float)) : 0;
}

LogicalResult verifyKernelName(Operation *op, StringRef name, Attribute value) {
  auto kernel = dyn_cast<StringAttr>(value);
  if (!kernel || !kernel.getValue().starts_with("llmk_"))
    return op->emitError() << "'" << name << "' must name a kernel (llmk_...), got " << value;
  return success();
}

/// llm.kernels on a linear op: norm and quantize (if any), one row kernel per matrix weight,
/// and an epilogue.
LogicalResult verifyLinearKernels(Operation *op, Attribute value) {
  auto linear = dyn_cast<LinearOpInterface>(op);
  auto kernels = dyn_cast<DictionaryAttr>(value);
  if (!linear || !kernels)
    return op->emitError() << "'" << llmc::kKernelsAttr
                           << "' is a dictionary on the linear ops only";
  for (NamedAttribute entry : kernels) {
    StringRef key = entry.getName().getValue();
    if (key == llmc::kKernelRows) {
      auto rows = dyn_cast<ArrayAttr>(entry.getValue());
      if (!rows || rows.size() != linear.getMatrixWeights().size())
        return op->emitError() << "'" << llmc::kKernelsAttr << "' needs one row kernel per weight ("
                               << linear.getMatrixWeights().size() << ")";
      for (Attribute row : rows)
        if (failed(verifyKernelName(op, llmc::kKernelsAttr, row)))
          return failure();
    } else if (key == llmc::kKernelNorm || key == llmc::kKernelQuantize ||
               key == llmc::kKernelEpilogue) {
      if (failed(verifyKernelName(op, llmc::kKernelsAttr, entry.getValue())))
        return failure();
    } else {
      return op->emitError() << "'" << llmc::kKernelsAttr << "' has no entry '" << key << "'";
    }
  }
  if (!kernels.get(llmc::kKernelRows))
    return op->emitError() << "'" << llmc::kKernelsAttr << "' lacks its row kernels";
  return success();
}

/// llm.part_rows: each weight's rows per part, `llm.row_parts` entries per weight.
LogicalResult verifyPartRows(Operation *op, NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto rows = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
  auto parts = op->getAttrOfType<IntegerAttr>(llmc::kRowPartsAttr);
  if (!rows || !parts || parts.getInt() < 1 || rows.empty() ||
      rows.size() % parts.getInt() != 0)
    return op->emitError() << "'" << name << "' must be an array<i64> of '"
                           << llmc::kRowPartsAttr << "' entries per weight";
  if (llvm::any_of(rows.asArrayRef(), [](int64_t r) { return r < 0; }))
    return op->emitError() << "'" << name << "' must not be negative";
  return success();
}

/// llm.cores on the module: one positive, finite speed per core.
LogicalResult verifyCores(Operation *op, NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (!isa<ModuleOp>(op))
    return op->emitError() << "'" << name << "' belongs on the module";
  auto speeds = dyn_cast<DenseF64ArrayAttr>(attr.getValue());
  if (!speeds || speeds.empty() || speeds.size() > llmc::kMaxCores)
    return op->emitError() << "'" << name << "' must be an array<f64> of 1 to "
                           << llmc::kMaxCores << " core speeds";
  for (auto [core, speed] : llvm::enumerate(speeds.asArrayRef()))
    if (!(speed > 0) || !std::isfinite(speed))
      return op->emitError() << "'" << name << "': core " << core
                             << "'s speed must be finite and above 0";
  return success();
}

LogicalResult verifyTarget(Operation *op, NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (!isa<ModuleOp>(op))
    return op->emitError() << "'" << name << "' belongs on the module";
  auto description = dyn_cast<DictionaryAttr>(attr.getValue());
  if (!description || !description.getAs<StringAttr>("name"))
    return op->emitError() << "'" << name
                           << "' must be a dictionary with the target's name (name = \"...\")";
  return success();
}

/// llm.stream_units: ascending indices into the table of the module's llm.weight ops, of
/// tensors in layers, among them each layer's first (as the runtime checks at llm_open).
LogicalResult verifyStreamUnits(ModuleOp module, NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto starts = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
  if (!starts)
    return module.emitError() << "'" << name << "' must be an array<i64> of table indices";
  int64_t next = 0, index = 0, lastLayer = -1;
  for (auto weight : module.getOps<WeightOp>()) {
    int64_t layer = llmrt_stream_layer_of(weight.getSymName().str().c_str());
    bool starting = next < int64_t(starts.size()) && starts[next] == index;
    next += starting;
    if (layer < 0 && starting)
      return module.emitError() << "'" << name << "': tensor " << index << " ("
                                << weight.getSymName() << ") is outside layers";
    if (layer >= 0 && layer != lastLayer && !starting)
      return module.emitError() << "'" << name << "': tensor " << index << " ("
                                << weight.getSymName() << ") begins layer " << layer
                                << " but no unit";
    if (layer >= 0)
      lastLayer = layer;
    ++index;
  }
  if (next != int64_t(starts.size()))
    return module.emitError() << "'" << name << "' must hold ascending indices of the module's "
                              << index << " tensors";
  return success();
}

/// The weights attributes: the mode on the module, the budget and the unit table only beside
/// "streamed", each op's unit an index into that table.
LogicalResult verifyWeightsAttr(Operation *op, NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == llmc::kStreamUnitAttr) {
    auto module = op->getParentOfType<ModuleOp>();
    auto units = module ? module->getAttrOfType<DenseI64ArrayAttr>(llmc::kStreamUnitsAttr)
                        : nullptr;
    if (!units)
      return op->emitError() << "'" << name << "' needs '" << llmc::kStreamUnitsAttr
                             << "' on the module";
    FailureOr<int64_t> unit = integerAtLeast(op, attr, 0);
    if (failed(unit))
      return failure();
    if (*unit >= int64_t(units.size()))
      return op->emitError() << "'" << name << "' is " << *unit << ", but the module has "
                             << units.size() << " stream units";
    return success();
  }
  if (!isa<ModuleOp>(op))
    return op->emitError() << "'" << name << "' belongs on the module";
  if (name == llmc::kWeightsModeAttr) {
    auto mode = dyn_cast<StringAttr>(attr.getValue());
    if (!mode || !llmc::parseWeightsMode(mode.getValue()))
      return op->emitError() << "'" << name
                             << "' must be \"mapped\", \"embedded\" or \"streamed\", got "
                             << attr.getValue();
    return success();
  }
  auto mode = op->getAttrOfType<StringAttr>(llmc::kWeightsModeAttr);
  if (!mode || mode.getValue() != llmc::weightsModeName(llmc::WeightsMode::Streamed))
    return op->emitError() << "'" << name << "' needs '" << llmc::kWeightsModeAttr
                           << " = \"streamed\"' beside it";
  if (name == llmc::kWeightsBudgetAttr)
    return integerAtLeast(op, attr, 1);
  return verifyStreamUnits(cast<ModuleOp>(op), attr);
}

} // namespace

LogicalResult LLMDialect::verifyOperationAttribute(Operation *op, NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == llmc::kContextLengthAttr || name == llmc::kArenaBytesAttr) {
    if (!isa<ModuleOp>(op))
      return op->emitError() << "'" << name << "' belongs on the module";
    FailureOr<int64_t> value = integerAtLeast(op, attr, name == llmc::kContextLengthAttr ? 1 : 0);
    if (failed(value))
      return failure();
    if (name == llmc::kArenaBytesAttr && *value % llmc::kArenaAlignment != 0)
      return op->emitError() << "'" << name << "' must be a multiple of "
                             << llmc::kArenaAlignment << ", got " << *value;
    return success();
  }
  if (name == llmc::kArenaOffsetAttr) {
    FailureOr<int64_t> offset = integerAtLeast(op, attr, 0);
    if (failed(offset))
      return failure();
    if (op->getNumResults() != 1)
      return op->emitError() << "'" << name << "' is for ops with one result; use '"
                             << llmc::kArenaOffsetsAttr << "'";
    return verifyOffset(op, name, *offset, resultBytes(op->getResult(0)));
  }
  if (name == llmc::kArenaOffsetsAttr) {
    auto offsets = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
    if (!offsets || offsets.size() != int64_t(op->getNumResults()))
      return op->emitError() << "'" << name << "' needs one offset per result ("
                             << op->getNumResults() << ")";
    for (auto [offset, result] : llvm::zip(offsets.asArrayRef(), op->getResults()))
      if (failed(verifyOffset(op, name, offset, resultBytes(result))))
        return failure();
    return success();
  }
  if (name == llmc::kScoresOffsetAttr || name == llmc::kScratchOffsetAttr ||
      name == llmc::kNormOffsetAttr || name == llmc::kProductOffsetAttr) {
    FailureOr<int64_t> offset = integerAtLeast(op, attr, 0);
    return failed(offset) ? failure() : verifyOffset(op, name, *offset, 0);
  }
  if (name == llmc::kRowPartsAttr) {
    if (op->hasAttr(llmc::kRowsPerPartAttr) == op->hasAttr(llmc::kPartRowsAttr))
      return op->emitError() << "'" << name << "' needs one of '" << llmc::kRowsPerPartAttr
                             << "' and '" << llmc::kPartRowsAttr << "' beside it";
    return integerAtLeast(op, attr, 1);
  }
  if (name == llmc::kRowsPerPartAttr || name == llmc::kPartRowsAttr) {
    if (!op->hasAttr(llmc::kRowPartsAttr))
      return op->emitError() << "'" << name << "' needs '" << llmc::kRowPartsAttr
                             << "' beside it";
    if (name == llmc::kRowsPerPartAttr)
      return integerAtLeast(op, attr, 1);
    return verifyPartRows(op, attr);
  }
  if (name == llmc::kCoresAttr)
    return verifyCores(op, attr);
  if (name == llmc::kTargetAttr)
    return verifyTarget(op, attr);
  if (name == llmc::kWeightsModeAttr || name == llmc::kWeightsBudgetAttr ||
      name == llmc::kStreamUnitsAttr || name == llmc::kStreamUnitAttr)
    return verifyWeightsAttr(op, attr);
  if (name == llmc::kKernelAttr)
    return verifyKernelName(op, name, attr.getValue());
  if (name == llmc::kKernelsAttr)
    return verifyLinearKernels(op, attr.getValue());
  return op->emitError() << "unknown llm dialect attribute '" << name << "'";
}
