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

#endif // LLM_ATTRS_TD
