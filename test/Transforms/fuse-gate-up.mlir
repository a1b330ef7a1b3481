// RUN: llmc-opt %s -llm-fuse-gate-up -split-input-file | FileCheck %s

// Tests that silu(gate) * up over two linears of one input becomes one llm.swiglu_linear at the
// SwiGLU's place.
module {
  llm.weight @gate : tensor<172x64xf32>
  llm.weight @up : tensor<172x64xf32>
  // CHECK-LABEL: func.func @mlp
  // CHECK-SAME: (%[[X:.+]]: tensor<2x64xf32>)
  func.func @mlp(%x: tensor<2x64xf32>) -> tensor<2x172xf32> {
    // CHECK-NEXT: %[[S:.+]] = llm.swiglu_linear %[[X]], @gate, @up : tensor<2x64xf32> -> tensor<2x172xf32>
    // CHECK-NEXT: return %[[S]]
    %g = llm.linear %x, @gate : tensor<2x64xf32> -> tensor<2x172xf32>
    %u = llm.linear %x, @up : tensor<2x64xf32> -> tensor<2x172xf32>
    %s = llm.swiglu %g, %u : tensor<2x172xf32> loc("layers.0.swiglu")
    return %s : tensor<2x172xf32>
  }
}

// -----

// Tests what stays apart: a projection used elsewhere too, projections of different inputs,
// and weights whose inputs would be quantized differently (q4_1 reads q8_1, q4_0 reads q8_0).
module {
  llm.weight @gate : tensor<172x64xf32>
  llm.weight @up : tensor<172x64xf32>
  llm.weight @gate4 : !llm.qweight<q4_1, [172, 64], block = 32>
  llm.weight @up4 : !llm.qweight<q4_0, [172, 64], block = 32>
  // CHECK-LABEL: func.func @kept
  func.func @kept(%x: tensor<2x64xf32>, %y: tensor<2x64xf32>) -> (tensor<2x172xf32>, tensor<2x172xf32>, tensor<2x172xf32>, tensor<2x172xf32>) {
    // CHECK-NOT: swiglu_linear
    %g = llm.linear %x, @gate : tensor<2x64xf32> -> tensor<2x172xf32>
    %u = llm.linear %x, @up : tensor<2x64xf32> -> tensor<2x172xf32>
    %s = llm.swiglu %g, %u : tensor<2x172xf32>
    %u2 = llm.linear %y, @up : tensor<2x64xf32> -> tensor<2x172xf32>
    %s2 = llm.swiglu %g, %u2 : tensor<2x172xf32>
    %g4 = llm.linear %x, @gate4 : tensor<2x64xf32> -> tensor<2x172xf32>
    %u4 = llm.linear %x, @up4 : tensor<2x64xf32> -> tensor<2x172xf32>
    %s4 = llm.swiglu %g4, %u4 : tensor<2x172xf32>
    return %s, %s2, %s4, %g : tensor<2x172xf32>, tensor<2x172xf32>, tensor<2x172xf32>, tensor<2x172xf32>
  }
}
