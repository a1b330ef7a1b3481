// RUN: llmc-opt %s -split-input-file -llm-plan-weights='mode=streamed budget=4096' -verify-diagnostics | FileCheck %s
// RUN: llmc-opt %s -split-input-file -llm-plan-weights | FileCheck %s --check-prefix=MAPPED
// RUN: llmc-opt %s -split-input-file -llm-plan-weights=mode=embedded | FileCheck %s --check-prefix=EMBEDDED
// RUN: not llmc-opt %s -split-input-file -llm-plan-weights=mode=flash 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not llmc-opt %s -split-input-file -llm-plan-weights=mode=streamed 2>&1 | FileCheck %s --check-prefix=NO-BUDGET
// RUN: not llmc-opt %s -split-input-file -llm-plan-weights='mode=streamed budget=9223372036854775808' 2>&1 | FileCheck %s --check-prefix=NO-BUDGET
// RUN: not llmc-opt %s -split-input-file -llm-plan-weights=budget=4096 2>&1 | FileCheck %s --check-prefix=BUDGET-MAPPED

// Tests the stream units: a unit starts at each layer's first tensor and at the first tensor an
// op reads, and holds the tensors the op reads together (the norm and q/k/v of layer 0: unit 0
// from table index 1, where the op that reads k_proj alone finds it too) and those no op reads
// (layers.0.unused rides with o_proj in unit 1). Each op that reads layer weights gets its unit;
// ops that read only tensors outside layers (embed, the final norm) or none get nothing. The
// other modes record only the mode.
// CHECK-LABEL: module attributes {llm.stream_units = array<i64: 1, 5, 7, 8>, llm.weights_budget = 4096 : i64, llm.weights_mode = "streamed"}
// MAPPED-LABEL: module attributes {llm.weights_mode = "mapped"}
// MAPPED-NOT: llm.stream_unit
// EMBEDDED-LABEL: module attributes {llm.weights_mode = "embedded"}
// EMBEDDED-NOT: llm.stream_unit
module {
  llm.weight @embed_tokens : tensor<32x16xf32>
  llm.weight @layers.0.input_norm : tensor<16xf32>
  llm.weight @layers.0.q_proj : tensor<16x16xf32>
  llm.weight @layers.0.k_proj : tensor<16x16xf32>
  llm.weight @layers.0.v_proj : tensor<16x16xf32>
  llm.weight @layers.0.o_proj : tensor<16x16xf32>
  llm.weight @layers.0.unused : tensor<16xf32>
  llm.weight @layers.0.down_proj : tensor<16x16xf32>
  llm.weight @layers.1.o_proj : tensor<16x16xf32>
  llm.weight @norm : tensor<16xf32>
  // CHECK-LABEL: func.func @decode
  func.func @decode(%tokens: tensor<1xi32>, %pos: index) -> tensor<1x16xf32> {
    // CHECK: llm.embed
    // CHECK-NOT: llm.stream_unit
    %h = llm.embed @embed_tokens[%tokens] : tensor<1xi32> -> tensor<1x16xf32>
    // CHECK: llm.linear_group {{.*}} {llm.stream_unit = 0 : i64}
    %q:3 = llm.linear_group %h, [@layers.0.q_proj, @layers.0.k_proj, @layers.0.v_proj] norm @layers.0.input_norm eps 1.0e-05 : tensor<1x16xf32> -> tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>
    // CHECK: llm.linear {{.*}}@layers.0.k_proj {llm.stream_unit = 0 : i64}
    %n = llm.linear %q#0, @layers.0.k_proj : tensor<1x16xf32> -> tensor<1x16xf32>
    // CHECK: llm.linear {{.*}}@layers.0.o_proj {llm.stream_unit = 1 : i64}
    %o = llm.linear %n, @layers.0.o_proj : tensor<1x16xf32> -> tensor<1x16xf32>
    // CHECK: llm.add
    // CHECK-NOT: llm.stream_unit
    %a = llm.add %o, %h : tensor<1x16xf32>
    // CHECK: llm.linear {{.*}} {llm.stream_unit = 2 : i64}
    %d = llm.linear %a, @layers.0.down_proj : tensor<1x16xf32> -> tensor<1x16xf32>
    // CHECK: llm.linear {{.*}} {llm.stream_unit = 3 : i64}
    %e = llm.linear %d, @layers.1.o_proj : tensor<1x16xf32> -> tensor<1x16xf32>
    // CHECK: llm.rms_norm
    // CHECK-NOT: llm.stream_unit
    %f = llm.rms_norm %e, @norm {eps = 1.0e-05 : f64} : tensor<1x16xf32>
    return %f : tensor<1x16xf32>
  }
}

// -----

// Tests that an op whose weights lie in two layers is refused: one unit is in memory per call.
module {
  llm.weight @layers.0.w : tensor<16x16xf32>
  llm.weight @layers.1.w : tensor<16x16xf32>
  func.func @decode(%x: tensor<1x16xf32>) -> (tensor<1x16xf32>, tensor<1x16xf32>) {
    // expected-error @+1 {{reads weight @layers.1.w of another layer than its other weights: streamed weights need each op's weights in one layer}}
    %q:2 = llm.linear_group %x, [@layers.0.w, @layers.1.w] : tensor<1x16xf32> -> tensor<1x16xf32>, tensor<1x16xf32>
    return %q#0, %q#1 : tensor<1x16xf32>, tensor<1x16xf32>
  }
}

// UNKNOWN: error: llm-plan-weights: unknown mode 'flash' (mapped, embedded, streamed)
// NO-BUDGET: error: llm-plan-weights: mode=streamed needs a budget of 1 to 2^63-1 bytes
// BUDGET-MAPPED: error: llm-plan-weights: a budget is for mode=streamed
