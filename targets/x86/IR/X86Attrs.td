//===- X86Attrs.td - the x86 targets' weight layouts -------*- tablegen -*-===//
//
// The x86 dialect holds no ops: only the weight layouts that llm-x86-pack-weights writes into
// `!llm.qweight` types and that the x86 kernels read. The llm dialect sees them through
// WeightLayoutAttrInterface.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TARGETS_X86_IR_X86ATTRS_TD
#define LLMC_TARGETS_X86_IR_X86ATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"
include "dialects/llm/LLMInterfaces.td"

def X86_Dialect : Dialect {
  let name = "x86";
  let cppNamespace = "::llmc::x86";
  let summary = "the weight layouts of the x86-avx2 and x86-avx512 targets";
  let description = [{
    Attributes that the x86 targets' passes put into the IR; only the x86 kernels read weights
    stored in these layouts.
  }];
  let useDefaultAttributePrinterParser = 1;
}

class X86_LayoutAttr<string name, string attrMnemonic>
    : AttrDef<X86_Dialect, name,
              [DeclareAttrInterfaceMethods<LLM_WeightLayoutAttrInterface>]> {
  let mnemonic = attrMnemonic;
}

def X86_Interleave4Attr : X86_LayoutAttr<"Interleave4", "interleave4"> {
  let summary = "blocks of 4 consecutive rows interleaved";
  let description = [{
    Block b of the rows 4g..4g+3 stored together (`weight_layouts.h`, `interleaveRows4`), so
    that a kernel computing 4 rows at once, and a thread's row range (a multiple of 4), reads
    one contiguous run of memory. Any scheme; rows a multiple of 4. Read by the `x4` kernels
    (`llmk_avx2_linear_q4_0x4_rows`).

    ```mlir
    llm.weight @w : !llm.qweight<q4_0, [64, 64], block = 32, layout = #x86.interleave4>
    ```
  }];
}

def X86_PanelAttr : X86_LayoutAttr<"Panel", "panel"> {
  let summary = "panels of 8 or 16 rows, transposed in 4-byte words";
  let description = [{
    Groups of `rows` rows (8: the AVX2 kernels, 16: the AVX-512 ones) stored block column by
    block column: the rows' fp16 scales, then their quants transposed in 4-byte words, one
    32-bit lane per row (`weight_layouts.h`, `packPanels`). The kernels read the panels in
    place, with no reduction across lanes per block. q8_0 and q4_0 only (one fp16 scale, then a
    multiple of 4 quant bytes); rows a multiple of `rows`. Read by the `p8` and `p16` kernels
    (`llmk_avx512_linear_q4_0p16_rows`).

    ```mlir
    llm.weight @w : !llm.qweight<q8_0, [64, 64], block = 32, layout = #x86.panel<16>>
    ```
  }];
  let parameters = (ins "int64_t":$rows);
  let assemblyFormat = "`<` $rows `>`";
  let genVerifyDecl = 1;
}

#endif // LLMC_TARGETS_X86_IR_X86ATTRS_TD
