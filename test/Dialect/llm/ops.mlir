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
  // CHECK: %[[QR:.+]] = llm.rope %[[Q]] at %[[POS]] {head_dim = 4 : i64, rope = #llm.rope<theta = 1.000000e+04>} : tensor<4x16xf32>
  %qr = llm.rope %q at %pos {head_dim = 4 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<4x16xf32>
  // CHECK: %[[KR:.+]] = llm.rope %[[K]] at %[[POS]] {head_dim = 4 : i64, rope = #llm.rope<theta = 5.000000e+05, scaling = llama3, factor = 8.000000e+00, original_max_positions = 64>} : tensor<4x8xf32>
  %kr = llm.rope %k at %pos {head_dim = 4 : i64, rope = #llm.rope<theta = 5.0e+05, scaling = llama3, factor = 8.0, original_max_positions = 64>} : tensor<4x8xf32>
  // CHECK: %[[A:.+]] = llm.attention %[[QR]], %[[KR]], %[[K]] at %[[POS]] {head_dim = 4 : i64, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<4x16xf32>, tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x16xf32>
  %a = llm.attention %qr, %kr, %k at %pos {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64} : tensor<4x16xf32>, tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x16xf32>
  // CHECK: %[[S:.+]] = llm.swiglu %[[A]], %[[X]] : tensor<4x16xf32>
  %s = llm.swiglu %a, %x : tensor<4x16xf32>
  // CHECK: %[[R:.+]] = llm.add %[[H]], %[[S]] : tensor<4x16xf32>
  %r = llm.add %h, %s : tensor<4x16xf32>
  // CHECK: return %[[R]]
  return %r : tensor<4x16xf32>
}

// The fused ops that the llm-fuse-* passes produce.
// CHECK-LABEL: func.func @fused
// CHECK-SAME: (%[[H:.+]]: tensor<4x16xf32>, %[[POS:.+]]: index)
func.func @fused(%h: tensor<4x16xf32>, %pos: index) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x8xf32>) {
  // CHECK: %[[Q:.+]] = llm.qkv_projection %[[H]], @q_proj, @k_proj, @k_proj at %[[POS]] norm @norm eps 1.000000e-05 {head_dim = 4 : i64, layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, rope = #llm.rope<theta = 1.000000e+04>} : tensor<4x16xf32> -> tensor<4x16xf32>
  %q = llm.qkv_projection %h, @q_proj, @k_proj, @k_proj at %pos norm @norm eps 1.0e-05 {layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<4x16xf32> -> tensor<4x16xf32>
  // CHECK: %[[A:.+]] = llm.cached_attention %[[Q]] at %[[POS]] {head_dim = 4 : i64, layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<4x16xf32>
  %a = llm.cached_attention %q at %pos {layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64} : tensor<4x16xf32>
  // CHECK: %[[R:.+]] = llm.linear %[[A]], @q_proj residual %[[H]] : tensor<4x16xf32> -> tensor<4x16xf32>
  %r = llm.linear %a, @q_proj residual %h : tensor<4x16xf32> -> tensor<4x16xf32>
  // CHECK: %[[S:.+]] = llm.swiglu_linear %[[R]], @k_proj, @k_proj norm @norm eps 1.000000e-05 : tensor<4x16xf32> -> tensor<4x8xf32>
  %s = llm.swiglu_linear %r, @k_proj, @k_proj norm @norm eps 1.0e-05 : tensor<4x16xf32> -> tensor<4x8xf32>
  // CHECK: %[[G:.+]]:2 = llm.linear_group %[[R]], [@q_proj, @k_proj] : tensor<4x16xf32> -> tensor<4x16xf32>, tensor<4x8xf32>
  %g:2 = llm.linear_group %r, [@q_proj, @k_proj] : tensor<4x16xf32> -> tensor<4x16xf32>, tensor<4x8xf32>
  // CHECK: return %[[G]]#0, %[[R]], %[[S]]
  return %g#0, %r, %s : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x8xf32>
}
