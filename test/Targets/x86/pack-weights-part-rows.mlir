// RUN: llmc-opt %s '-llm-x86-pack-weights=schemes=q4_0 panel-schemes=q4_0' | FileCheck %s

// Tests that llm-x86-pack-weights reads the static split of unequal cores (llm.part_rows, from
// llm-split-rows on a module with llm.cores) as it reads rows_per_part: a weight becomes 8-row
// panels when every part starts at a multiple of 8, 4-row groups when at a multiple of 4, and
// stays in rows otherwise. Empty parts start where the previous part ends.
module attributes {llm.context_length = 64 : i64} {
  // CHECK: llm.weight @panels : !llm.qweight<q4_0, [32, 64], block = 32, layout = #x86.panel<8>>
  llm.weight @panels : !llm.qweight<q4_0, [32, 64], block = 32>
  // CHECK: llm.weight @groups : !llm.qweight<q4_0, [32, 64], block = 32, layout = #x86.interleave4>
  llm.weight @groups : !llm.qweight<q4_0, [32, 64], block = 32>
  // CHECK: llm.weight @rows : !llm.qweight<q4_0, [32, 64], block = 32>{{$}}
  llm.weight @rows : !llm.qweight<q4_0, [32, 64], block = 32>
  func.func @f(%x: tensor<1x64xf32>) -> (tensor<1x32xf32>, tensor<1x32xf32>, tensor<1x32xf32>) {
    %a = llm.linear %x, @panels {llm.row_parts = 4 : i64, llm.part_rows = array<i64: 16, 0, 8, 8>} : tensor<1x64xf32> -> tensor<1x32xf32>
    %b = llm.linear %x, @groups {llm.row_parts = 3 : i64, llm.part_rows = array<i64: 12, 12, 8>} : tensor<1x64xf32> -> tensor<1x32xf32>
    %c = llm.linear %x, @rows {llm.row_parts = 2 : i64, llm.part_rows = array<i64: 6, 26>} : tensor<1x64xf32> -> tensor<1x32xf32>
    return %a, %b, %c : tensor<1x32xf32>, tensor<1x32xf32>, tensor<1x32xf32>
  }
}
