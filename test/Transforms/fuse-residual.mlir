// RUN: llmc-opt %s -llm-fuse-residual -split-input-file | FileCheck %s

// Tests that the residual add of the output and down projections becomes their epilogue, with
// the product on either side of the add (the fused linear takes the add's place).
module {
  llm.weight @o : tensor<64x64xf32>
  llm.weight @down : tensor<64x172xf32>
  // CHECK-LABEL: func.func @residuals
  // CHECK-SAME: (%[[H:.+]]: tensor<2x64xf32>, %[[A:.+]]: tensor<2x64xf32>, %[[S:.+]]: tensor<2x172xf32>)
  func.func @residuals(%h: tensor<2x64xf32>, %a: tensor<2x64xf32>, %s: tensor<2x172xf32>) -> tensor<2x64xf32> {
    // CHECK-NEXT: %[[H2:.+]] = llm.linear %[[A]], @o residual %[[H]] : tensor<2x64xf32> -> tensor<2x64xf32>
    // CHECK-NEXT: %[[H3:.+]] = llm.linear %[[S]], @down residual %[[H2]] : tensor<2x172xf32> -> tensor<2x64xf32>
    // CHECK-NEXT: return %[[H3]]
    %o = llm.linear %a, @o : tensor<2x64xf32> -> tensor<2x64xf32>
    %h2 = llm.add %h, %o : tensor<2x64xf32> loc("layers.0.attention_residual")
    %d = llm.linear %s, @down : tensor<2x172xf32> -> tensor<2x64xf32>
    %h3 = llm.add %d, %h2 : tensor<2x64xf32>
    return %h3 : tensor<2x64xf32>
  }
}

// -----

// Tests what stays: a product also used elsewhere, and a residual computed after the product
// (the linear cannot read it).
module {
  llm.weight @o : tensor<64x64xf32>
  // CHECK-LABEL: func.func @kept
  func.func @kept(%h: tensor<2x64xf32>, %a: tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<2x64xf32>, tensor<2x64xf32>) {
    // CHECK-NOT: residual
    %o = llm.linear %a, @o : tensor<2x64xf32> -> tensor<2x64xf32>
    %h2 = llm.add %h, %o : tensor<2x64xf32>
    %p = llm.linear %a, @o : tensor<2x64xf32> -> tensor<2x64xf32>
    %late = llm.add %h, %h : tensor<2x64xf32>
    %h3 = llm.add %p, %late : tensor<2x64xf32>
    return %h2, %o, %h3 : tensor<2x64xf32>, tensor<2x64xf32>, tensor<2x64xf32>
  }
}
