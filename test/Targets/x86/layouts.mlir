// RUN: llmc-opt %s | llmc-opt | FileCheck %s

// Tests that the x86 weight layouts print and parse back as `!llm.qweight` layouts.
// CHECK-LABEL: module
// CHECK: llm.weight @rows : !llm.qweight<q4_0, [32, 64], block = 32>
// CHECK: llm.weight @x4 : !llm.qweight<q4_k, [32, 256], block = 256, layout = #x86.interleave4>
// CHECK: llm.weight @p8 : !llm.qweight<q8_0, [32, 64], block = 32, layout = #x86.panel<8>>
// CHECK: llm.weight @p16 : !llm.qweight<q4_0, [32, 64], block = 32, layout = #x86.panel<16>>
module {
  llm.weight @rows : !llm.qweight<q4_0, [32, 64], block = 32>
  llm.weight @x4 : !llm.qweight<q4_k, [32, 256], block = 256, layout = #x86.interleave4>
  llm.weight @p8 : !llm.qweight<q8_0, [32, 64], block = 32, layout = #x86.panel<8>>
  llm.weight @p16 : !llm.qweight<q4_0, [32, 64], block = 32, layout = #x86.panel<16>>
}
