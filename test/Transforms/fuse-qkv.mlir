// RUN: llmc-opt %s -llm-fuse-qkv -split-input-file -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s

// Tests that the Q, K and V projections of one input become one llm.linear_group in program
// order, at the first projection's place, keeping each projection's name in a fused location.
module {
  llm.weight @q : !llm.qweight<q4_0, [64, 64], block = 32>
  llm.weight @k : !llm.qweight<q8_0, [32, 64], block = 32>
  llm.weight @v : !llm.qweight<q4_0, [32, 64], block = 32>
  llm.weight @other : tensor<32x64xf32>
  // CHECK-LABEL: func.func @qkv
  // CHECK-SAME: (%[[X:.+]]: tensor<2x64xf32>
  func.func @qkv(%x: tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x32xf32>) {
    // CHECK-NEXT: %[[G:.+]]:3 = llm.linear_group %[[X]], [@q, @k, @v] : tensor<2x64xf32> -> tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x32xf32> loc(fused["layers.0.q_proj", "layers.0.k_proj", "layers.0.v_proj"])
    // A float weight reads float activations: not in the group of q8_0 readers.
    // CHECK-NEXT: %[[O:.+]] = llm.linear %[[X]], @other
    // CHECK-NEXT: return %[[G]]#0, %[[G]]#1, %[[G]]#2, %[[O]]
    %q = llm.linear %x, @q : tensor<2x64xf32> -> tensor<2x64xf32> loc("layers.0.q_proj")
    %k = llm.linear %x, @k : tensor<2x64xf32> -> tensor<2x32xf32> loc("layers.0.k_proj")
    %o = llm.linear %x, @other : tensor<2x64xf32> -> tensor<2x32xf32>
    %v = llm.linear %x, @v : tensor<2x64xf32> -> tensor<2x32xf32> loc("layers.0.v_proj")
    return %q, %k, %v, %o : tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x32xf32>
  }
}

// -----

// Tests that a linear with a bias stays out (the group has no biases) and that a lone linear
// is left alone.
module {
  llm.weight @q : tensor<64x64xf32>
  llm.weight @k : tensor<32x64xf32>
  llm.weight @k.bias : tensor<32xf32>
  // CHECK-LABEL: func.func @bias
  func.func @bias(%x: tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<2x32xf32>) {
    // CHECK-NOT: linear_group
    // CHECK: llm.linear %{{.*}}, @q :
    // CHECK: llm.linear %{{.*}}, @k bias @k.bias
    %q = llm.linear %x, @q : tensor<2x64xf32> -> tensor<2x64xf32>
    %k = llm.linear %x, @k bias @k.bias : tensor<2x64xf32> -> tensor<2x32xf32>
    return %q, %k : tensor<2x64xf32>, tensor<2x32xf32>
  }
}
