// RUN: llmc-opt %s -llm-plan-memory -split-input-file -verify-diagnostics | FileCheck %s

// Tests that a dead buffer is reused, that a result never overlaps its operands, and that the
// attention scores scratch is placed while its op runs. Sizes: (2, 16) f32 = 128 bytes;
// scores: 8 positions * 4 bytes rounded up to 64.
// CHECK-LABEL: module attributes {llm.arena_bytes = 320 : i64, llm.context_length = 8 : i64}
module attributes {llm.context_length = 8 : i64} {
  llm.weight @w : tensor<16x16xf32>
  // CHECK-LABEL: func.func @chain
  func.func @chain(%x: tensor<2x16xf32>, %pos: index) -> tensor<2x16xf32> {
    // CHECK: llm.linear {{.*}} {llm.arena_offset = 0 : i64}
    %a = llm.linear %x, @w : tensor<2x16xf32> -> tensor<2x16xf32>
    // CHECK: llm.linear {{.*}} {llm.arena_offset = 128 : i64}
    %b = llm.linear %a, @w : tensor<2x16xf32> -> tensor<2x16xf32>
    // CHECK: llm.linear {{.*}} {llm.arena_offset = 0 : i64}
    %c = llm.linear %b, @w : tensor<2x16xf32> -> tensor<2x16xf32>
    // CHECK: llm.attention {{.*}}llm.arena_offset = 192 : i64, llm.scores_offset = 128 : i64
    %d = llm.attention %c, %c, %c at %pos {layer = 0 : i64, num_heads = 2 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64} : tensor<2x16xf32>, tensor<2x16xf32>, tensor<2x16xf32> -> tensor<2x16xf32>
    return %d : tensor<2x16xf32>
  }
}

// -----

// Tests that each function is planned from offset 0 and the arena fits the largest plan.
// CHECK-LABEL: module attributes {llm.arena_bytes = 256 : i64
module attributes {llm.context_length = 8 : i64} {
  llm.weight @w : tensor<16x16xf32>
  // CHECK-LABEL: func.func @small
  func.func @small(%x: tensor<1x16xf32>, %pos: index) -> tensor<1x16xf32> {
    // CHECK: llm.linear {{.*}} {llm.arena_offset = 0 : i64}
    %a = llm.linear %x, @w : tensor<1x16xf32> -> tensor<1x16xf32>
    return %a : tensor<1x16xf32>
  }
  // CHECK-LABEL: func.func @large
  func.func @large(%x: tensor<2x16xf32>, %pos: index) -> tensor<2x16xf32> {
    // CHECK: llm.linear {{.*}} {llm.arena_offset = 0 : i64}
    %a = llm.linear %x, @w : tensor<2x16xf32> -> tensor<2x16xf32>
    // CHECK: llm.add {{.*}} {llm.arena_offset = 128 : i64}
    %b = llm.add %a, %a : tensor<2x16xf32>
    return %b : tensor<2x16xf32>
  }
}

// -----

// Tests that the pass refuses a module without a context length.
// expected-error @+1 {{llm-plan-memory needs a positive 'llm.context_length' on the module}}
module {
  func.func @f(%x: tensor<1x16xf32>) -> tensor<1x16xf32> {
    return %x : tensor<1x16xf32>
  }
}
