//===- LlamaToIR.cpp - build the llm module for an imported Llama --------===//
//
// The Llama decoder, written once in terms of llm ops:
//   h = embed(tokens)
//   per layer: h += o_proj(attention(rope(q), rope(k), v)) of rms_norm(h)
//              h += down_proj(swiglu(gate_proj(x), up_proj(x))), x = rms_norm(h)
//   logits = lm_head(rms_norm(h))
//
// Three functions: @decode (one token to its logits), @prefill (a batch of prompt tokens to
// their final hidden states, no logits) and @head (the final norm and classifier: hidden states
// to logits), so that a prompt pays for the vocabulary-sized projection of its last token only,
// unless the caller asks for every position's logits.
//
//===----------------------------------------------------------------------===//
#include "compiler/Importer/LlamaToIR.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

namespace llmc {
namespace {

llm::RopeScalingKind toScalingKind(RopeScaling::Kind kind) {
  switch (kind) {
  case RopeScaling::Kind::None:
    return llm::RopeScalingKind::none;
  case RopeScaling::Kind::Linear:
    return llm::RopeScalingKind::linear;
  case RopeScaling::Kind::Llama3:
    return llm::RopeScalingKind::llama3;
  }
  llvm_unreachable("unknown rope scaling");
}

/// Emits the body of one function; `tokens` rows per call.
class DecoderBuilder {
public:
  DecoderBuilder(OpBuilder &builder, const ModelConfig &config, const WeightStore &weights)
      : b(builder), config(config), weights(weights) {}

  /// @decode (`withLogits`) or @prefill (without): tokens and position to logits or hidden.
  void buildFunction(ModuleOp module, StringRef name, int64_t tokens, bool withLogits) {
    auto tokenType = RankedTensorType::get({tokens}, b.getI32Type());
    rows = tokens;
    Type resultType = activation(withLogits ? config.vocabSize : config.hiddenSize);
    Block *entry = startFunction(module, name, {tokenType, b.getIndexType()}, resultType);
    position = entry->getArgument(1);

    Value hidden = b.create<llm::EmbedOp>(loc("embed"), activation(config.hiddenSize),
                                          symbol("embed_tokens"), entry->getArgument(0));
    for (int64_t layer = 0; layer < config.numLayers; ++layer)
      hidden = buildLayer(hidden, layer);
    b.create<func::ReturnOp>(loc("return"), withLogits ? lmHead(hidden) : hidden);
  }

  /// @head: final hidden states (tokens, hidden) to logits (tokens, vocab).
  void buildHeadFunction(ModuleOp module, int64_t tokens) {
    rows = tokens;
    Block *entry = startFunction(module, "head", {activation(config.hiddenSize)},
                                 activation(config.vocabSize));
    b.create<func::ReturnOp>(loc("return"), lmHead(entry->getArgument(0)));
  }

private:
  Block *startFunction(ModuleOp module, StringRef name, ArrayRef<Type> arguments, Type result) {
    b.setInsertionPointToEnd(module.getBody());
    auto func = b.create<func::FuncOp>(NameLoc::get(b.getStringAttr(name)), name,
                                       b.getFunctionType(arguments, {result}));
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToStart(entry);
    return entry;
  }

  Value lmHead(Value hidden) {
    Value normed = rmsNorm(hidden, "norm", "norm");
    StringRef head = config.tieWordEmbeddings ? "embed_tokens" : "lm_head";
    return linear(normed, head, config.vocabSize, "logits");
  }

  Value buildLayer(Value hidden, int64_t layer) {
    std::string p = "layers." + std::to_string(layer) + ".";
    int64_t headDim = config.headDim;
    Value x = rmsNorm(hidden, p + "input_norm", p + "input_norm");
    Value q = linear(x, p + "q_proj", config.numHeads * headDim, p + "q_proj");
    Value k = linear(x, p + "k_proj", config.numKVHeads * headDim, p + "k_proj");
    Value v = linear(x, p + "v_proj", config.numKVHeads * headDim, p + "v_proj");
    q = rope(q, p + "q_rope");
    k = rope(k, p + "k_rope");
    Value attended = b.create<llm::AttentionOp>(
        loc(p + "attention"), activation(config.numHeads * headDim), q, k, v, position,
        b.getI64IntegerAttr(layer), b.getI64IntegerAttr(config.numHeads),
        b.getI64IntegerAttr(config.numKVHeads), b.getI64IntegerAttr(headDim));
    Value out = linear(attended, p + "o_proj", config.hiddenSize, p + "o_proj");
    hidden = b.create<llm::AddOp>(loc(p + "attention_residual"), hidden, out);

    x = rmsNorm(hidden, p + "post_attention_norm", p + "post_attention_norm");
    Value gate = linear(x, p + "gate_proj", config.intermediateSize, p + "gate_proj");
    Value up = linear(x, p + "up_proj", config.intermediateSize, p + "up_proj");
    Value act = b.create<llm::SwiGLUOp>(loc(p + "swiglu"), gate, up);
    Value down = linear(act, p + "down_proj", config.hiddenSize, p + "down_proj");
    return b.create<llm::AddOp>(loc(p + "mlp_residual"), hidden, down);
  }

  Value rmsNorm(Value x, StringRef weight, StringRef name) {
    return b.create<llm::RMSNormOp>(loc(name), x.getType(), x, symbol(weight),
                                    b.getF64FloatAttr(config.rmsNormEps));
  }

  Value linear(Value x, StringRef weight, int64_t outFeatures, StringRef name) {
    std::string biasName = (weight + ".bias").str();
    FlatSymbolRefAttr bias = weights.contains(biasName) ? symbol(biasName) : nullptr;
    return b.create<llm::LinearOp>(loc(name), activation(outFeatures), x, symbol(weight), bias);
  }

  Value rope(Value x, StringRef name) {
    const RopeScaling &s = config.ropeScaling;
    // Without scaling the other parameters mean nothing: leave them at their defaults.
    auto frequencies =
        s.kind == RopeScaling::Kind::None
            ? llm::RopeAttr::get(b.getContext(), config.ropeTheta, llm::RopeScalingKind::none,
                                 1.0, 1.0, 4.0, 0)
            : llm::RopeAttr::get(b.getContext(), config.ropeTheta, toScalingKind(s.kind),
                                 s.factor, s.lowFreqFactor, s.highFreqFactor,
                                 s.originalMaxPositions);
    return b.create<llm::RopeOp>(loc(name), x.getType(), x, position,
                                 b.getI64IntegerAttr(config.headDim), frequencies);
  }

  RankedTensorType activation(int64_t columns) {
    return RankedTensorType::get({rows, columns}, b.getF32Type());
  }
  FlatSymbolRefAttr symbol(StringRef name) { return FlatSymbolRefAttr::get(b.getContext(), name); }
  Location loc(StringRef name) { return NameLoc::get(b.getStringAttr(name)); }

  OpBuilder &b;
  const ModelConfig &config;
  const WeightStore &weights;
  int64_t rows = 0;
  Value position;
};

} // namespace

std::optional<llm::QuantScheme> quantSchemeOf(DType dtype) {
  // The quantized DTypes follow runtime/quant_schemes.def, as llm::QuantScheme does.
  if (!isQuantized(dtype))
    return std::nullopt;
  return llm::QuantScheme(int(dtype) - int(DType::Q8_0));
}

OwningOpRef<ModuleOp> buildLlamaModule(MLIRContext &context, const ModelConfig &config,
                                       const WeightStore &weights,
                                       const LlamaToIROptions &options) {
  context.loadDialect<llm::LLMDialect, func::FuncDialect>();
  OpBuilder b(&context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(NameLoc::get(b.getStringAttr("model")));
  int64_t contextLength = options.contextLength > 0 ? options.contextLength : config.maxPositions;
  (*module)->setAttr(kContextLengthAttr, b.getI64IntegerAttr(contextLength));

  // Every weight the store holds becomes a symbol, in table order; the blob follows that order.
  // Float sources are computed in float32: f16 and bf16 matrices stay stored as they are
  // (widened exactly as the kernels read them, at half the bytes), vectors and f32 matrices are
  // float32. A quantized source (GGUF) keeps its scheme. llm-quantize may change any of these.
  b.setInsertionPointToEnd(module->getBody());
  for (const WeightTensor &tensor : weights.tensors()) {
    bool matrix = tensor.shape.size() == 2;
    Type element = matrix && tensor.dtype == DType::F16    ? b.getF16Type()
                   : matrix && tensor.dtype == DType::BF16 ? b.getBF16Type()
                                                           : b.getF32Type();
    Type type = RankedTensorType::get(tensor.shape, element);
    if (std::optional<llm::QuantScheme> scheme = quantSchemeOf(tensor.dtype))
      type = llm::QWeightType::get(&context, *scheme, tensor.shape);
    b.create<llm::WeightOp>(NameLoc::get(b.getStringAttr(tensor.name)), tensor.name, type);
  }

  DecoderBuilder decoder(b, config, weights);
  int64_t prefillTokens = std::min(options.prefillTokens, contextLength);
  decoder.buildFunction(*module, "prefill", prefillTokens, /*withLogits=*/false);
  decoder.buildFunction(*module, "decode", 1, /*withLogits=*/true);
  decoder.buildHeadFunction(*module, prefillTokens);
  return module;
}

} // namespace llmc
