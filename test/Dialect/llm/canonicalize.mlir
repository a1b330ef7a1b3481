// RUN: llmc-opt %s -canonicalize | FileCheck %s

// Tests that unused pure ops are erased while attention, which writes the KV cache, is kept.
llm.weight @w : tensor<16x16xf32>
// CHECK-LABEL: func.func @dead_code
// CHECK-SAME: (%[[X:.+]]: tensor<2x16xf32>, %[[POS:.+]]: index)
func.func @dead_code(%x: tensor<2x16xf32>, %pos: index) -> tensor<2x16xf32> {
  // CHECK-NOT: llm.linear
  // CHECK-NOT: llm.rope
  %unused = llm.linear %x, @w : tensor<2x16xf32> -> tensor<2x16xf32>
  %r = llm.rope %unused at %pos {head_dim = 8 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<2x16xf32>
  // CHECK: llm.attention %[[X]], %[[X]], %[[X]] at %[[POS]]
  %a = llm.attention %x, %x, %x at %pos {layer = 0 : i64, num_heads = 2 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64} : tensor<2x16xf32>, tensor<2x16xf32>, tensor<2x16xf32> -> tensor<2x16xf32>
  // CHECK: return %[[X]]
  return %x : tensor<2x16xf32>
}
