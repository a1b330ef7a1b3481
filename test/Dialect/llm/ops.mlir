// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// Tests that every llm op and the weight declaration print and parse back unchanged.

// CHECK: llm.weight @embed_tokens : tensor<32x16xf32>
// CHECK: llm.weight @norm : tensor<16xf32>
// CHECK: llm.weight @q_proj : tensor<16x16xf32>
// CHECK: llm.weight @k_proj : tensor<8x16xf32>
// CHECK: llm.weight @k_proj.bias : tensor<8xf32>
// CHECK: llm.weight @half : tensor<4x4xf16>
llm.weight @embed_tokens : tensor<32x16xf32>
llm.weight @norm : tensor<16xf32>
llm.weight @q_proj : tensor<16x16xf32>
llm.weight @k_proj : tensor<8x16xf32>
llm.weight @k_proj.bias : tensor<8xf32>
llm.weight @half : tensor<4x4xf16>

// CHECK-LABEL: func.func @block
// CHECK-SAME: (%[[TOKENS:.+]]: tensor<4xi32>, %[[POS:.+]]: index)
func.func @block(%tokens: tensor<4xi32>, %pos: index) -> tensor<4x16xf32> {
  // CHECK: %[[H:.+]] = llm.embed @embed_tokens[%[[TOKENS]]] : tensor<4xi32> -> tensor<4x16xf32>
  %h = llm.embed @embed_tokens[%tokens] : tensor<4xi32> -> tensor<4x16xf32>
  // CHECK: %[[X:.+]] = llm.rms_norm %[[H]], @norm {eps = 1.000000e-05 : f64} : tensor<4x16xf32>
  %x = llm.rms_norm %h, @norm {eps = 1.0e-05 : f64} : tensor<4x16xf32>
  // CHECK: %[[Q:.+]] = llm.linear %[[X]], @q_proj : tensor<4x16xf32> -> tensor<4x16xf32>
  %q = llm.linear %x, @q_proj : tensor<4x16xf32> -> tensor<4x16xf32>
  // CHECK: %[[K:.+]] = llm.linear %[[X]], @k_proj bias @k_proj.bias : tensor<4x16xf32> -> tensor<4x8xf32>
  %k = llm.linear %x, @k_proj bias @k_proj.bias : tensor<4x16xf32> -> tensor<4x8xf32>
  // CHECK: %[[QR:.+]] = llm.rope %[[Q]] at %[[POS]] {head_dim = 4 : i64, theta = 1.000000e+04 : f64} : tensor<4x16xf32>
  %qr = llm.rope %q at %pos {head_dim = 4 : i64, theta = 1.0e+04 : f64} : tensor<4x16xf32>
  // CHECK: %[[KR:.+]] = llm.rope %[[K]] at %[[POS]] {factor = 8.000000e+00 : f64, head_dim = 4 : i64, original_max_positions = 64 : i64, scaling = #llm<rope_scaling llama3>, theta = 5.000000e+05 : f64} : tensor<4x8xf32>
  %kr = llm.rope %k at %pos {head_dim = 4 : i64, theta = 5.0e+05 : f64, scaling = #llm<rope_scaling llama3>, factor = 8.0 : f64, original_max_positions = 64 : i64} : tensor<4x8xf32>
  // CHECK: %[[A:.+]] = llm.attention %[[QR]], %[[KR]], %[[K]] at %[[POS]] {head_dim = 4 : i64, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<4x16xf32>, tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x16xf32>
  %a = llm.attention %qr, %kr, %k at %pos {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64} : tensor<4x16xf32>, tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x16xf32>
  // CHECK: %[[S:.+]] = llm.swiglu %[[A]], %[[X]] : tensor<4x16xf32>
  %s = llm.swiglu %a, %x : tensor<4x16xf32>
  // CHECK: %[[R:.+]] = llm.add %[[H]], %[[S]] : tensor<4x16xf32>
  %r = llm.add %h, %s : tensor<4x16xf32>
  // CHECK: return %[[R]]
  return %r : tensor<4x16xf32>
}
