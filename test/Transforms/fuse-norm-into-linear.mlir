// RUN: llmc-opt %s -llm-fuse-norm-into-linear -split-input-file | FileCheck %s

// Tests that an RMSNorm read only as the input of linear ops becomes their prologue, on each
// kind of linear op.
module {
  llm.weight @n : tensor<64xf32>
  llm.weight @w : tensor<32x64xf32>
  llm.weight @g : tensor<32x64xf32>
  // CHECK-LABEL: func.func @prologue
  // CHECK-SAME: (%[[H:.+]]: tensor<2x64xf32>)
  func.func @prologue(%h: tensor<2x64xf32>) -> (tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x32xf32>) {
    // CHECK-NEXT: llm.linear %[[H]], @w norm @n eps 1.000000e-05 : tensor<2x64xf32> -> tensor<2x32xf32>
    // CHECK-NEXT: llm.swiglu_linear %[[H]], @g, @w norm @n eps 1.000000e-05 : tensor<2x64xf32> -> tensor<2x32xf32>
    // CHECK-NEXT: llm.linear_group %[[H]], [@w] norm @n eps 1.000000e-05 : tensor<2x64xf32> -> tensor<2x32xf32>
    // CHECK-NEXT: return
    %x = llm.rms_norm %h, @n {eps = 1.0e-05 : f64} : tensor<2x64xf32>
    %a = llm.linear %x, @w : tensor<2x64xf32> -> tensor<2x32xf32>
    %b = llm.swiglu_linear %x, @g, @w : tensor<2x64xf32> -> tensor<2x32xf32>
    %c = llm.linear_group %x, [@w] : tensor<2x64xf32> -> tensor<2x32xf32>
    return %a, %b, %c : tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x32xf32>
  }
}

// -----

// Tests that a norm stays when its output is needed as a tensor: returned, used as a residual,
// or read by an op that has no prologue.
module {
  llm.weight @n : tensor<64xf32>
  llm.weight @w : tensor<64x64xf32>
  // CHECK-LABEL: func.func @kept
  func.func @kept(%h: tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<2x64xf32>, tensor<2x64xf32>) {
    // CHECK-COUNT-3: llm.rms_norm
    %x = llm.rms_norm %h, @n {eps = 1.0e-05 : f64} : tensor<2x64xf32>
    %a = llm.linear %x, @w : tensor<2x64xf32> -> tensor<2x64xf32>
    %y = llm.rms_norm %h, @n {eps = 1.0e-05 : f64} : tensor<2x64xf32>
    %b = llm.linear %h, @w residual %y : tensor<2x64xf32> -> tensor<2x64xf32>
    %z = llm.rms_norm %h, @n {eps = 1.0e-05 : f64} : tensor<2x64xf32>
    %c = llm.add %z, %a : tensor<2x64xf32>
    return %x, %b, %c : tensor<2x64xf32>, tensor<2x64xf32>, tensor<2x64xf32>
  }
}
