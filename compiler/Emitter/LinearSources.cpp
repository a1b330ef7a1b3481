//===- LinearSources.cpp - the linear ops and attention in model.cpp ------===//
//
// A linear op is written as up to three steps:
//   prologue  the norm (llm-fuse-norm-into-linear), then, for quantized weights, the input
//             quantized once for every weight of the op (the fusions group weights whose
//             activations share a block format);
//   products  each weight's rows into its destination (a value in the arena, or the new rows
//             of the KV cache for llm.qkv_projection) by a row-range kernel of the kernel ABI
//             (targets/common/kernels_abi.h): the target's own, else the generic one;
//   epilogue  per part of rows: RoPE (whole heads), the residual add, or SwiGLU.
// On a threaded target the products and epilogues run as one llmrt_parallel_for over the parts
// the target's tiling pass chose; otherwise one call per weight over all its rows, then the
// epilogue over whole rows.
//
//===----------------------------------------------------------------------===//
#include "compiler/Emitter/CppText.h"
#include "compiler/Emitter/ModelCode.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace llmc {
namespace {

/// Who sets llm.row_parts, for messages.
constexpr const char *kTilingPass = "the target's tiling pass";

/// What happens to a part of a destination's rows once they are computed.
struct Epilogue {
  enum class Kind { None, Rope, Residual, SwiGLU } kind = Kind::None;
  std::string operand; ///< Rope: the frequency table; Residual: the residual; SwiGLU: up rows
  int64_t headDim = 0; ///< Rope
};

int64_t sumOf(ArrayRef<int64_t> values) {
  int64_t total = 0;
  for (int64_t v : values)
    total += v;
  return total;
}

/// llm.part_rows of `op` cut into its `tables` weights' rows per part.
FailureOr<SmallVector<ArrayRef<int64_t>>> staticPartRows(Operation &op, size_t tables) {
  auto rows = op.getAttrOfType<DenseI64ArrayAttr>(kPartRowsAttr);
  if (!rows || rows.empty() || rows.size() % int64_t(tables) != 0)
    return op.emitError() << "'" << kPartRowsAttr << "' needs rows for each of " << tables
                          << " weights";
  SmallVector<ArrayRef<int64_t>> out;
  size_t parts = size_t(rows.size()) / tables;
  for (size_t i = 0; i < tables; ++i)
    out.push_back(rows.asArrayRef().slice(i * parts, parts));
  return out;
}

/// `begin` and `end` of part `part` from a table of where each part starts: part i's rows (or
/// heads) are kBounds[i] .. kBounds[i + 1].
void writePartBounds(raw_ostream &os, ArrayRef<int64_t> rows, StringRef indent) {
  std::string opening = indent.str() + "static constexpr int kBounds[] = {";
  std::string line = opening + "0";
  int64_t bound = 0;
  for (int64_t r : rows) {
    std::string next = std::to_string(bound += r);
    if (line.size() + next.size() + 4 > 100) {
      os << line << ",\n";
      line = std::string(opening.size(), ' ') + next;
    } else {
      line += ", " + next;
    }
  }
  os << line << "};  // part i: kBounds[i] .. kBounds[i + 1]\n"
     << indent << "const int begin = kBounds[part], end = kBounds[part + 1];\n";
}

/// One weight of a linear op and where its rows go.
struct Product {
  FlatSymbolRefAttr weight;
  FlatSymbolRefAttr bias; ///< may be null
  int64_t rows = 0;
  std::string dest;       ///< (n, rows) floats
  Epilogue epilogue;
};

class LinearWriter {
public:
  LinearWriter(ModelCode &code, Operation &op) : code(code), op(op), os(code.os) {}

  /// `products` run on one input; with `paired` (SwiGLU) the two products share their parts
  /// and the epilogue of the second combines both.
  LogicalResult write(Value input, SmallVector<Product> products, bool paired = false) {
    int64_t k = ModelCode::columns(input);
    FailureOr<std::string> in = writePrologue(input, k);
    FailureOr<SmallVector<std::string>> rowKernels = code.rowKernels(&op);
    FailureOr<std::string> epilogueKernel = code.kernelEntry(&op, kKernelEpilogue);
    if (failed(in) || failed(rowKernels) || failed(epilogueKernel))
      return failure();
    if (rowKernels->size() != products.size())
      return op.emitError() << "has " << rowKernels->size() << " row kernels for "
                            << products.size() << " weights";
    epilogue = *epilogueKernel;
    ArrayRef<std::string> kernels = *rowKernels;
    if (!code.target().threaded || !op.hasAttr(kRowPartsAttr))
      return writeWholeRows(*in, k, products, kernels);
    if (op.hasAttr(kPartRowsAttr))
      return writeStaticParts(*in, k, products, kernels, paired);
    FailureOr<int64_t> parts = code.requiredAttr(&op, kRowPartsAttr, kTilingPass);
    FailureOr<int64_t> perPart = code.requiredAttr(&op, kRowsPerPartAttr, kTilingPass);
    if (failed(parts) || failed(perPart))
      return failure();
    os << "  llmrt_parallel_for(m->pool, " << *parts << ", [&](int part) {  // " << *perPart
       << " rows each\n";
    if (paired || products.size() == 1) {
      writePart(*in, k, products, kernels, *perPart, "part", "    ");
    } else {
      int64_t first = 0;
      for (size_t i = 0; i < products.size(); ++i) {
        int64_t last = first + (products[i].rows + *perPart - 1) / *perPart;
        os << (i == 0 ? "    if (part < " + std::to_string(last) + ") {\n"
               : i + 1 < products.size() ? "    } else if (part < " + std::to_string(last) + ") {\n"
                                         : std::string("    } else {\n"));
        std::string index = first == 0 ? "part" : "(part - " + std::to_string(first) + ")";
        writePart(*in, k, {products[i]}, {kernels[i]}, *perPart, index, "      ");
        first = last;
      }
      os << "    }\n";
    }
    os << "  });\n";
    return success();
  }

private:
  /// Writes the norm and quantization of the input; returns the expression the products read.
  FailureOr<std::string> writePrologue(Value input, int64_t k) {
    std::string in = code.valueName(input);
    auto linear = cast<llm::LinearOpInterface>(op);
    FailureOr<std::string> normKernel = code.kernelEntry(&op, kKernelNorm);
    FailureOr<std::string> quantizeKernel = code.kernelEntry(&op, kKernelQuantize);
    if (failed(normKernel) || failed(quantizeKernel))
      return failure();
    if (FlatSymbolRefAttr norm = linear.getNormAttr()) {
      FailureOr<int64_t> offset = code.requiredAttr(&op, kNormOffsetAttr, "llm-plan-memory");
      if (failed(offset))
        return failure();
      std::string normed = code.freshName(norm.getValue());
      float eps = float(linear.getNormEpsAttr().getValueAsDouble());
      os << "  float* " << normed << " = reinterpret_cast<float*>(arena + " << *offset
         << ");  // (n, " << k << ") normalized input\n"
         << "  " << *normKernel << "(" << in << ", "
         << code.weightRef(norm) << ", n, " << k << ", " << formatFloat(eps) << ", " << normed
         << ");\n";
      in = normed;
    }
    if (quantizeKernel->empty())
      return in;
    FailureOr<int64_t> scratch = code.requiredAttr(&op, kScratchOffsetAttr, "llm-plan-memory");
    if (failed(scratch))
      return failure();
    os << "  " << *quantizeKernel << "(" << in << ", n, " << k << ", arena + " << *scratch
       << ");\n";
    return "arena + " + std::to_string(*scratch);
  }

  /// One call per weight over all its rows, then the epilogues over whole rows.
  LogicalResult writeWholeRows(StringRef in, int64_t k, ArrayRef<Product> products,
                               ArrayRef<std::string> kernels) {
    for (auto [product, kernel] : llvm::zip(products, kernels))
      os << "  " << kernel << "(" << in << ", " << code.weightRef(product.weight) << ", "
         << biasRef(product) << ", n, " << k << ", " << product.rows << ", 0, " << product.rows
         << ", " << product.dest << ");\n";
    for (const Product &product : products)
      writeEpilogue(product, "0", std::to_string(product.rows), "n", "  ");
    return success();
  }

  /// The static split (llm.part_rows): part i on thread i, each weight's rows of part i in a
  /// table (with `paired`, one table for both weights).
  LogicalResult writeStaticParts(StringRef in, int64_t k, ArrayRef<Product> products,
                                 ArrayRef<std::string> kernels, bool paired) {
    FailureOr<SmallVector<ArrayRef<int64_t>>> tables =
        staticPartRows(op, paired ? 1 : products.size());
    if (failed(tables))
      return failure();
    os << "  llmrt_parallel_for_static(m->pool, " << tables->front().size()
       << ", [&](int part) {  // part i on thread i, rows in proportion to its core's speed\n";
    for (auto [i, rows] : llvm::enumerate(*tables)) {
      if (sumOf(rows) != products[i].rows)
        return op.emitError() << "'" << kPartRowsAttr << "' splits " << sumOf(rows)
                              << " rows of a weight of " << products[i].rows;
      bool block = tables->size() > 1;
      std::string indent = block ? "      " : "    ";
      if (block)
        os << "    {\n";
      writePartBounds(os, rows, indent);
      os << indent << "if (begin < end) {\n";
      size_t count = paired ? products.size() : 1;
      writePartBody(in, k, products.slice(i, count), kernels.slice(i, count), indent + "  ");
      os << indent << "}\n";
      if (block)
        os << "    }\n";
    }
    os << "  });\n";
    return success();
  }

  /// One part's products and epilogue; `index` is the part's number among this destination's.
  void writePart(StringRef in, int64_t k, ArrayRef<Product> products,
                 ArrayRef<std::string> kernels, int64_t perPart, StringRef index,
                 StringRef indent) {
    int64_t rows = products.front().rows;
    os << indent << "const int begin = " << index << " * " << perPart
       << ", end = std::min(begin + " << perPart << ", " << rows << ");\n";
    writePartBody(in, k, products, kernels, indent);
  }

  /// The products and epilogue of rows [begin, end).
  void writePartBody(StringRef in, int64_t k, ArrayRef<Product> products,
                     ArrayRef<std::string> kernels, StringRef indent) {
    for (auto [product, kernel] : llvm::zip(products, kernels))
      os << indent << kernel << "(" << in << ", " << code.weightRef(product.weight) << ", "
         << biasRef(product) << ", n, " << k << ", " << product.rows << ", begin, end, "
         << product.dest << ");\n";
    writeEpilogue(products.front(), "begin", "end", "n", indent);
  }

  /// The epilogue over columns [begin, end) of each of the n rows of product.dest.
  void writeEpilogue(const Product &product, StringRef begin, StringRef end, StringRef n,
                     StringRef indent) {
    const Epilogue &e = product.epilogue;
    if (e.kind == Epilogue::Kind::None)
      return;
    bool whole = begin == "0";
    std::string count = whole ? "n * " + std::to_string(product.rows) : "end - begin";
    if (e.kind == Epilogue::Kind::Rope) {
      // One row at a time: a row's position is pos + t. The generic RoPE kernel (sin and cos
      // per pair) serves every target; it is a small share of a token's time.
      if (whole) {
        os << indent << epilogue << "(" << product.dest << ", n, "
           << product.rows / e.headDim
           << ", " << e.headDim << ", pos, " << e.operand << ", " << product.dest << ");\n";
        return;
      }
      os << indent << "for (int t = 0; t < " << n << "; ++t) {\n"
         << indent << "  float* row = " << product.dest << " + t * " << product.rows
         << " + begin;\n"
         << indent << "  " << epilogue << "(row, 1, (end - begin) / "
         << e.headDim << ", "
         << e.headDim << ", pos + t, " << e.operand << ", row);\n"
         << indent << "}\n";
      return;
    }
    const std::string &kernel = epilogue;
    if (whole) {
      os << indent << kernel << "(" << product.dest << ", " << e.operand << ", " << count
         << ", " << product.dest << ");\n";
      return;
    }
    os << indent << "for (int t = 0; t < " << n << "; ++t) {\n"
       << indent << "  const size_t row = size_t(t) * " << product.rows << " + begin;\n"
       << indent << "  " << kernel << "(" << product.dest << " + row, " << e.operand
       << " + row, end - begin, " << product.dest << " + row);\n"
       << indent << "}\n";
  }

  std::string biasRef(const Product &product) {
    return product.bias ? code.weightRef(product.bias) : "nullptr";
  }

  ModelCode &code;
  Operation &op;
  raw_ostream &os;
  std::string epilogue; ///< the epilogue's kernel (RoPE, add or SwiGLU), if any
};

/// The first rows of this call in a layer's key or value cache, declared as a named pointer.
std::string declareCacheRows(ModelCode &code, int64_t layer, StringRef which) {
  std::string name = code.freshName("layers." + std::to_string(layer) + ".new_" + which.str());
  int64_t kvDim = code.kv.layerKVDim.at(layer);
  code.os << "  float* " << name << " = m->" << which.drop_back() << "_cache + "
          << code.kv.layerOffset.at(layer) << " + size_t(pos) * " << kvDim << ";  // (n, "
          << kvDim << ") in layer " << layer << "'s " << which.drop_back() << " cache\n";
  return name;
}

LogicalResult writeCachedAttention(ModelCode &code, llm::CachedAttentionOp attention) {
  Operation *op = attention.getOperation();
  FailureOr<int64_t> scores = code.requiredAttr(op, kScoresOffsetAttr, "llm-plan-memory");
  if (failed(scores))
    return failure();
  int64_t layer = attention.getLayer(), cache = code.kv.layerOffset.at(layer);
  int64_t heads = attention.getNumHeads();
  std::string args = llvm::formatv("{0}, n, pos, {1}, {2}, {3}, m->key_cache + {4}, "
                                   "m->value_cache + {4},",
                                   code.valueName(attention.getQuery()), heads,
                                   attention.getNumKvHeads(), attention.getHeadDim(), cache);
  FailureOr<std::string> kernel = code.kernelOf(op);
  if (failed(kernel))
    return failure();
  std::string out = code.valueName(attention.getResult());
  std::string scoresRef = "reinterpret_cast<float*>(arena + " + std::to_string(*scores) + ")";
  if (!code.target().threaded || !op->hasAttr(kRowPartsAttr)) {
    code.os << "  " << *kernel << "(" << args << "\n"
            << std::string(kernel->size() + 3, ' ') << "0, " << heads << ", " << scoresRef << ", "
            << out << ");\n";
    return success();
  }
  if (op->hasAttr(kPartRowsAttr)) {
    FailureOr<SmallVector<ArrayRef<int64_t>>> tables = staticPartRows(*op, 1);
    if (failed(tables))
      return failure();
    if (sumOf(tables->front()) != heads)
      return op->emitError() << "'" << kPartRowsAttr << "' splits " << sumOf(tables->front())
                             << " heads of " << heads;
    code.os << "  llmrt_parallel_for_static(m->pool, " << tables->front().size()
            << ", [&](int part) {  // part i on thread i, heads in proportion to its core's "
               "speed\n";
    writePartBounds(code.os, tables->front(), "    ");
    code.os << "    if (begin < end) {\n"
            << "      " << *kernel << "(" << args << "\n"
            << "          begin, end, " << scoresRef << " + size_t(part) * kContextLength, "
            << out << ");\n"
            << "    }\n"
            << "  });\n";
    return success();
  }
  FailureOr<int64_t> parts = code.requiredAttr(op, kRowPartsAttr, kTilingPass);
  FailureOr<int64_t> perPart = code.requiredAttr(op, kRowsPerPartAttr, kTilingPass);
  if (failed(parts) || failed(perPart))
    return failure();
  code.os << "  llmrt_parallel_for(m->pool, " << *parts << ", [&](int part) {  // " << *perPart
          << " heads each, scores of kContextLength floats each\n"
          << "    const int begin = part * " << *perPart << ", end = std::min(begin + "
          << *perPart << ", " << heads << ");\n"
          << "    " << *kernel << "(" << args << "\n"
          << "        begin, end, " << scoresRef << " + size_t(part) * kContextLength, " << out
          << ");\n"
          << "  });\n";
  return success();
}

LogicalResult writeAttention(ModelCode &code, llm::AttentionOp attention) {
  FailureOr<int64_t> scores =
      code.requiredAttr(attention, kScoresOffsetAttr, "llm-plan-memory");
  if (failed(scores))
    return failure();
  int64_t cache = code.kv.layerOffset.at(attention.getLayer());
  FailureOr<std::string> kernel = code.kernelOf(attention);
  if (failed(kernel))
    return failure();
  std::string indent(kernel->size() + 3, ' ');
  code.os << "  " << *kernel << "(" << code.valueName(attention.getQuery()) << ", "
          << code.valueName(attention.getKey()) << ", " << code.valueName(attention.getValue())
          << ", n, pos, " << attention.getNumHeads() << ", " << attention.getNumKvHeads()
          << ", " << attention.getHeadDim() << ",\n"
          << indent << "m->key_cache + " << cache << ", m->value_cache + " << cache << ",\n"
          << indent << "reinterpret_cast<float*>(arena + " << *scores << "), "
          << code.valueName(attention.getResult()) << ");\n";
  return success();
}

} // namespace

std::optional<LogicalResult> writeLinearOrAttention(ModelCode &code, Operation &op) {
  LinearWriter writer(code, op);
  if (auto linear = dyn_cast<llm::LinearOp>(op)) {
    Product product{linear.getWeightAttr(), linear.getBiasAttr(),
                    ModelCode::columns(linear.getResult()), code.valueName(linear.getResult()),
                    Epilogue()};
    if (Value residual = linear.getResidual())
      product.epilogue = {Epilogue::Kind::Residual, code.valueName(residual), 0};
    return writer.write(linear.getInput(), {product});
  }
  if (auto group = dyn_cast<llm::LinearGroupOp>(op)) {
    SmallVector<Product> products;
    for (auto [weight, result] : llvm::zip(group.getWeights(), group.getResults()))
      products.push_back({cast<FlatSymbolRefAttr>(weight), nullptr,
                          ModelCode::columns(result), code.valueName(result), Epilogue()});
    return writer.write(group.getInput(), products);
  }
  if (auto swiglu = dyn_cast<llm::SwiGLULinearOp>(op)) {
    FailureOr<int64_t> product = code.requiredAttr(&op, kProductOffsetAttr, "llm-plan-memory");
    if (failed(product))
      return failure();
    int64_t rows = ModelCode::columns(swiglu.getResult());
    std::string up = code.freshName(swiglu.getUp());
    code.os << "  float* " << up << " = reinterpret_cast<float*>(arena + " << *product
            << ");  // (n, " << rows << ") up projection\n";
    Product gateRows{swiglu.getGateAttr(), nullptr, rows, code.valueName(swiglu.getResult()),
                     {Epilogue::Kind::SwiGLU, up, 0}};
    Product upRows{swiglu.getUpAttr(), nullptr, rows, up, Epilogue()};
    return writer.write(swiglu.getInput(), {gateRows, upRows}, /*paired=*/true);
  }
  if (auto qkv = dyn_cast<llm::QKVProjectionOp>(op)) {
    int64_t headDim = qkv.getHeadDim(), layer = qkv.getLayer();
    int64_t kvRows = qkv.getNumKvHeads() * headDim;
    std::string keys = declareCacheRows(code, layer, "keys");
    std::string values = declareCacheRows(code, layer, "values");
    Epilogue rope{Epilogue::Kind::Rope, code.ropeTableOf.lookup(&op), headDim};
    return writer.write(
        qkv.getInput(),
        {{qkv.getQueryAttr(), nullptr, ModelCode::columns(qkv.getResult()),
          code.valueName(qkv.getResult()), rope},
         {qkv.getKeyAttr(), nullptr, kvRows, keys, rope},
         {qkv.getValueAttr(), nullptr, kvRows, values, Epilogue()}});
  }
  if (auto attention = dyn_cast<llm::CachedAttentionOp>(op))
    return writeCachedAttention(code, attention);
  if (auto attention = dyn_cast<llm::AttentionOp>(op))
    return writeAttention(code, attention);
  return std::nullopt;
}

} // namespace llmc
