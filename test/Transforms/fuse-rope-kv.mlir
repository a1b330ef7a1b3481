// RUN: llmc-opt %s -llm-fuse-rope-kv -split-input-file | FileCheck %s

// Tests that projection, RoPE of Q and K, and the cache write of the attention become one
// llm.qkv_projection (rope attributes carried over, norm prologue kept) followed by an
// llm.cached_attention.
module attributes {llm.context_length = 32 : i64} {
  llm.weight @norm : tensor<64xf32>
  llm.weight @q : tensor<64x64xf32>
  llm.weight @k : tensor<32x64xf32>
  llm.weight @v : tensor<32x64xf32>
  // CHECK-LABEL: func.func @layer
  // CHECK-SAME: (%[[X:.+]]: tensor<2x64xf32>, %[[POS:.+]]: index)
  func.func @layer(%x: tensor<2x64xf32>, %pos: index) -> tensor<2x64xf32> {
    // CHECK-NEXT: %[[Q:.+]] = llm.qkv_projection %[[X]], @q, @k, @v at %[[POS]] norm @norm eps 1.000000e-05 {head_dim = 8 : i64, layer = 3 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, rope = #llm.rope<theta = 5.000000e+05, scaling = llama3, factor = 8.000000e+00, original_max_positions = 8192>} : tensor<2x64xf32> -> tensor<2x64xf32>
    // CHECK-NEXT: %[[A:.+]] = llm.cached_attention %[[Q]] at %[[POS]] {head_dim = 8 : i64, layer = 3 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64} : tensor<2x64xf32>
    // CHECK-NEXT: return %[[A]]
    %q, %k, %v = llm.linear_group %x, [@q, @k, @v] norm @norm eps 1.0e-05 : tensor<2x64xf32> -> tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x32xf32>
    %qr = llm.rope %q at %pos {head_dim = 8 : i64, rope = #llm.rope<theta = 5.0e+05, scaling = llama3, factor = 8.0, original_max_positions = 8192>} : tensor<2x64xf32>
    %kr = llm.rope %k at %pos {head_dim = 8 : i64, rope = #llm.rope<theta = 5.0e+05, scaling = llama3, factor = 8.0, original_max_positions = 8192>} : tensor<2x32xf32>
    %a = llm.attention %qr, %kr, %v at %pos {layer = 3 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64} : tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x32xf32> -> tensor<2x64xf32>
    return %a : tensor<2x64xf32>
  }
}

// -----

// Tests what stays: K with a different rotary base than Q, and a rotated K used elsewhere
// (the fused op does not produce it as a tensor).
module attributes {llm.context_length = 32 : i64} {
  llm.weight @q : tensor<64x64xf32>
  llm.weight @k : tensor<32x64xf32>
  llm.weight @v : tensor<32x64xf32>
  // CHECK-LABEL: func.func @kept
  func.func @kept(%x: tensor<2x64xf32>, %pos: index) -> (tensor<2x64xf32>, tensor<2x64xf32>, tensor<2x32xf32>) {
    // CHECK-NOT: qkv_projection
    // CHECK-NOT: cached_attention
    %q, %k, %v = llm.linear_group %x, [@q, @k, @v] : tensor<2x64xf32> -> tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x32xf32>
    %qr = llm.rope %q at %pos {head_dim = 8 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<2x64xf32>
    %kr = llm.rope %k at %pos {head_dim = 8 : i64, rope = #llm.rope<theta = 2.0e+04>} : tensor<2x32xf32>
    %a = llm.attention %qr, %kr, %v at %pos {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64} : tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x32xf32> -> tensor<2x64xf32>
    %q2, %k2, %v2 = llm.linear_group %x, [@q, @k, @v] : tensor<2x64xf32> -> tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x32xf32>
    %qr2 = llm.rope %q2 at %pos {head_dim = 8 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<2x64xf32>
    %kr2 = llm.rope %k2 at %pos {head_dim = 8 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<2x32xf32>
    %a2 = llm.attention %qr2, %kr2, %v2 at %pos {layer = 1 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64} : tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x32xf32> -> tensor<2x64xf32>
    return %a, %a2, %kr2 : tensor<2x64xf32>, tensor<2x64xf32>, tensor<2x32xf32>
  }
}
