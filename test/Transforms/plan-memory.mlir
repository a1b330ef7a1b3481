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

// -----

// Tests the scratch of the fused ops while they run: the normalized input of a norm prologue
// (2 x 32 floats = 256 bytes), the input quantized to q8_0 (2 rows x 1 block x 34 bytes,
// rounded to 128), SwiGLU's up rows (2 x 16 floats = 128); one offset per result of a group;
// and one context-long score row per part of an attention split in 2 (2 x 8 x 4 = 64 bytes).
// CHECK-LABEL: module attributes {llm.arena_bytes = 640 : i64
module attributes {llm.context_length = 8 : i64} {
  llm.weight @n : tensor<32xf32>
  llm.weight @g : !llm.qweight<q8_0, [16, 32], block = 32>
  llm.weight @u : !llm.qweight<q8_0, [16, 32], block = 32>
  llm.weight @a : tensor<16x32xf32>
  // CHECK-LABEL: func.func @fused
  func.func @fused(%x: tensor<2x32xf32>, %pos: index) -> (tensor<2x16xf32>, tensor<2x16xf32>, tensor<2x16xf32>) {
    // CHECK: llm.swiglu_linear {{.*}} {llm.arena_offset = 512 : i64, llm.norm_offset = 0 : i64, llm.product_offset = 384 : i64, llm.scratch_offset = 256 : i64}
    %s = llm.swiglu_linear %x, @g, @u norm @n eps 1.0e-05 : tensor<2x32xf32> -> tensor<2x16xf32>
    // CHECK: llm.linear_group {{.*}} {llm.arena_offsets = array<i64: 0, 128>}
    %p:2 = llm.linear_group %x, [@a, @a] : tensor<2x32xf32> -> tensor<2x16xf32>, tensor<2x16xf32>
    // CHECK: llm.cached_attention {{.*}}llm.arena_offset = 320 : i64, llm.row_parts = 2 : i64, llm.rows_per_part = 1 : i64, llm.scores_offset = 256 : i64
    %c = llm.cached_attention %p#0 at %pos {layer = 0 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 8 : i64, llm.row_parts = 2 : i64, llm.rows_per_part = 1 : i64} : tensor<2x16xf32>
    return %s, %p#1, %c : tensor<2x16xf32>, tensor<2x16xf32>, tensor<2x16xf32>
  }
}
