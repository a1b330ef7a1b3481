// RUN: llmc-opt %s | llmc-opt | FileCheck %s

// Tests that the ARM weight layouts print and parse back as `!llm.qweight` layouts.
// CHECK-LABEL: module
// CHECK: llm.weight @rows : !llm.qweight<q4_0, [32, 64], block = 32>
// CHECK: llm.weight @r4x4 : !llm.qweight<q4_0, [32, 64], block = 32, layout = #arm.rows4x4>
// CHECK: llm.weight @r4x4q8 : !llm.qweight<q8_0, [8, 96], block = 32, layout = #arm.rows4x4>
// CHECK: llm.weight @r2x8 : !llm.qweight<q8_0, [6, 64], block = 32, layout = #arm.rows2x8>
// CHECK: llm.weight @r2x8q4 : !llm.qweight<q4_0, [2, 40], block = 32, layout = #arm.rows2x8>
module {
  llm.weight @rows : !llm.qweight<q4_0, [32, 64], block = 32>
  llm.weight @r4x4 : !llm.qweight<q4_0, [32, 64], block = 32, layout = #arm.rows4x4>
  llm.weight @r4x4q8 : !llm.qweight<q8_0, [8, 96], block = 32, layout = #arm.rows4x4>
  llm.weight @r2x8 : !llm.qweight<q8_0, [6, 64], block = 32, layout = #arm.rows2x8>
  llm.weight @r2x8q4 : !llm.qweight<q4_0, [2, 40], block = 32, layout = #arm.rows2x8>
}
