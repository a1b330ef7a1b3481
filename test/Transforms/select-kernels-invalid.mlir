// RUN: llmc-opt %s -llm-select-kernels -verify-diagnostics

// Tests that a weight in a target's layout needs the target's kernel for it: there is no generic
// one, and this target (the default: no table) has none.
module {
  llm.weight @w : !llm.qweight<q8_0, [64, 64], block = 32, layout = #x86.interleave4>
  func.func @packed(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
    // expected-error @+1 {{weight @w is stored as q8_0x4, which no kernel of the target (prefix generic) reads}}
    %y = llm.linear %x, @w : tensor<2x64xf32> -> tensor<2x64xf32>
    return %y : tensor<2x64xf32>
  }
}
