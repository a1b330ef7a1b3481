//===- LLMAttrs.td - llm dialect attributes ----------------*- tablegen -*-===//
#ifndef LLM_ATTRS_TD
#define LLM_ATTRS_TD

include "dialects/llm/LLMDialect.td"
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

def LLM_RopeScalingKindAttr
    : EnumAttr<LLM_Dialect, LLM_RopeScalingKind, "rope_scaling">;

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
