//===- LLMAttrs.td - llm dialect attributes ----------------*- tablegen -*-===//
#ifndef LLM_ATTRS_TD
#define LLM_ATTRS_TD

include "dialects/llm/LLMDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def LLM_RopeScalingNone : I32EnumAttrCase<"none", 0>;
def LLM_RopeScalingLinear : I32EnumAttrCase<"linear", 1>;
def LLM_RopeScalingLlama3 : I32EnumAttrCase<"llama3", 2>;

def LLM_RopeScalingKind : I32EnumAttr<"RopeScalingKind",
    "how rotary frequencies are rescaled for long contexts",
    [LLM_RopeScalingNone, LLM_RopeScalingLinear, LLM_RopeScalingLlama3]> {
  let cppNamespace = "::mlir::llm";
  let genSpecializedAttr = 0;
}

/// A float parameter that struct() formats leave out at its default.
class LLM_DefaultedF64Parameter<string value> : APFloatParameter<""> {
  let defaultValue = "::llvm::APFloat(" # value # ")";
}

def LLM_RopeAttr : AttrDef<LLM_Dialect, "Rope"> {
  let mnemonic = "rope";
  let summary = "the rotary frequencies of a model";
  let description = [{
    What llm.rope and llm.qkv_projection turn rows by: `inv_freq[j] = theta^(-2j/head_dim)`,
    rescaled as `scaling` says (`linear`: divided by `factor`; `llama3`: Llama 3.1's smooth
    interpolation between low and high frequencies around `original_max_positions`). Parameters
    at their defaults are not printed.

    ```mlir
    #llm.rope<theta = 5.000000e+05, scaling = llama3, factor = 8.000000e+00,
              original_max_positions = 8192>
    ```
  }];
  let parameters = (ins
    APFloatParameter<"">:$theta,
    DefaultValuedParameter<"::mlir::llm::RopeScalingKind",
                           "::mlir::llm::RopeScalingKind::none">:$scaling,
    LLM_DefaultedF64Parameter<"1.0">:$factor,
    LLM_DefaultedF64Parameter<"1.0">:$low_freq_factor,
    LLM_DefaultedF64Parameter<"4.0">:$high_freq_factor,
    DefaultValuedParameter<"int64_t", "0">:$original_max_positions);
  let assemblyFormat = "`<` struct(params) `>`";
  let builders = [
    AttrBuilder<(ins "double":$theta, "::mlir::llm::RopeScalingKind":$scaling, "double":$factor,
                     "double":$lowFreqFactor, "double":$highFreqFactor,
                     "int64_t":$originalMaxPositions), [{
      return $_get($_ctxt, ::llvm::APFloat(theta), scaling, ::llvm::APFloat(factor),
                   ::llvm::APFloat(lowFreqFactor), ::llvm::APFloat(highFreqFactor),
                   originalMaxPositions);
    }]>
  ];
}

def LLM_QuantQ8_0 : I32EnumAttrCase<"q8_0", 0>;
def LLM_QuantQ4_0 : I32EnumAttrCase<"q4_0", 1>;
def LLM_QuantQ4_1 : I32EnumAttrCase<"q4_1", 2>;
def LLM_QuantQ4_K : I32EnumAttrCase<"q4_k", 3>;
def LLM_QuantQ6_K : I32EnumAttrCase<"q6_k", 4>;

def LLM_QuantScheme : I32EnumAttr<"QuantScheme",
    "block quantization scheme, bit-compatible with the GGUF type of the same name",
    [LLM_QuantQ8_0, LLM_QuantQ4_0, LLM_QuantQ4_1, LLM_QuantQ4_K, LLM_QuantQ6_K]> {
  let cppNamespace = "::mlir::llm";
  let genSpecializedAttr = 0;
}

#endif // LLM_ATTRS_TD
