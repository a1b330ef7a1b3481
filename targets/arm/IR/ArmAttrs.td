//===- ArmAttrs.td - the ARM targets' weight layouts -------*- tablegen -*-===//
//
// The arm dialect holds no ops: only the weight layouts that llm-arm-pack-weights writes into
// `!llm.qweight` types and that the ARM kernels read. The llm dialect sees them through
// WeightLayoutAttrInterface.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_ARM_IR_ARMATTRS_TD
#define LLMC_TARGETS_ARM_IR_ARMATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"
include "dialects/llm/LLMInterfaces.td"

def Arm_Dialect : Dialect {
  let name = "arm";
  let cppNamespace = "::llmc::arm";
  let summary = "the weight layouts of the arm-dotprod and arm-i8mm targets";
  let description = [{
    Attributes that the ARM targets' passes put into the IR; only the ARM kernels read weights
    stored in these layouts.
  }];
  let useDefaultAttributePrinterParser = 1;
}

class Arm_LayoutAttr<string name, string attrMnemonic>
    : AttrDef<Arm_Dialect, name,
              [DeclareAttrInterfaceMethods<LLM_WeightLayoutAttrInterface>]> {
  let mnemonic = attrMnemonic;
}

def Arm_Rows4x4Attr : Arm_LayoutAttr<"Rows4x4", "rows4x4"> {
  let summary = "groups of 4 rows, quants interleaved in 4-byte words";
  let description = [{
    Block b of the rows 4g..4g+3 stored together: the 4 rows' fp16 scales, then for each
    4-byte word of the quants the 4 rows' words (`weight_layouts.h`, `packRows4x4`; ggml's
    q4_0_4x4 and q8_0_4x4, made at compile time). One 16-byte load holds a word of each of 4
    rows, which `sdot` by lane multiplies with one word of the activations broadcast: 4 rows'
    dot products in the lanes of one register. q8_0 and q4_0 (its quant bytes xor 0x88, each
    nibble q + 8 stored as q in 4-bit two's complement, as ggml's repacking does); rows a
    multiple of 4. Read by the
    `r4x4` kernels of arm-dotprod (`llmk_dotprod_linear_q4_0r4x4_rows`).

    ```mlir
    llm.weight @w : !llm.qweight<q4_0, [64, 64], block = 32, layout = #arm.rows4x4>
    ```
  }];
}

def Arm_Rows2x8Attr : Arm_LayoutAttr<"Rows2x8", "rows2x8"> {
  let summary = "pairs of rows interleaved in 8-byte words, the 2x8 int8 operands of smmla";
  let description = [{
    Block b of the rows 2g, 2g+1 stored together: the 2 rows' fp16 scales, then for each
    8-byte word of the quants the 2 rows' words (`weight_layouts.h`, `packRows2x8`; ggml's
    q4_0_4x8 made at compile time, on pairs of rows). Each 16 bytes are a 2x8 int8 matrix that
    `smmla` multiplies with 8 values of 2 tokens into a 2x2 int32 tile (q4_0: values 8j.. in
    the low nibbles, 16+8j.. in the high ones, each flipped as in `#arm.rows4x4`: xor 0x88).
    q8_0 and q4_0; rows a multiple of 2. Read by the `r2x8` kernels of arm-i8mm
    (`llmk_i8mm_linear_q4_0r2x8_rows`).

    ```mlir
    llm.weight @w : !llm.qweight<q8_0, [64, 64], block = 32, layout = #arm.rows2x8>
    ```
  }];
}

#endif // LLMC_TARGETS_ARM_IR_ARMATTRS_TD
