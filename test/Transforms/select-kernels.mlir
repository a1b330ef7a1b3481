// RUN: llmc-opt %s -llm-select-kernels | FileCheck %s --check-prefix=GENERIC
// RUN: llmc-opt %s '-llm-select-kernels=prefix=isa kernels=llmk_isa_quantize_q8_0,llmk_isa_linear_q4_0_rows,llmk_isa_add_f32' | FileCheck %s --check-prefix=ISA

// Tests that every op gets the generic kernel of its ABI entry when the target has none (GENERIC),
// and the target's own where its table lists it (ISA): linears record their norm prologue,
// activation quantizer, one row kernel per weight and their epilogue.
module {
  llm.weight @table : !llm.qweight<q8_0, [32, 64], block = 32>
  llm.weight @n : tensor<64xf32>
  llm.weight @q : !llm.qweight<q4_0, [64, 64], block = 32>
  llm.weight @k : !llm.qweight<q4_0, [32, 64], block = 32>
  llm.weight @f : tensor<64x64xf32>
  // GENERIC-LABEL: func.func @ops
  // ISA-LABEL: func.func @ops
  func.func @ops(%t: tensor<2xi32>, %h: tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x64xf32>) {
    // GENERIC: llm.embed {{.*}} {llm.kernel = "llmk_generic_embed_q8_0"}
    // ISA: llm.embed {{.*}} {llm.kernel = "llmk_generic_embed_q8_0"}
    %e = llm.embed @table[%t] : tensor<2xi32> -> tensor<2x64xf32>
    // GENERIC: llm.rms_norm {{.*}} {eps = {{.*}}, llm.kernel = "llmk_generic_rms_norm_f32"}
    // ISA: llm.rms_norm {{.*}} {eps = {{.*}}, llm.kernel = "llmk_generic_rms_norm_f32"}
    %r = llm.rms_norm %e, @n {eps = 1.0e-05 : f64} : tensor<2x64xf32>
    // GENERIC: llm.linear_group {{.*}} {llm.kernels = {norm = "llmk_generic_rms_norm_f32", quantize = "llmk_generic_quantize_q8_0", rows = ["llmk_generic_linear_q4_0_rows", "llmk_generic_linear_q4_0_rows"]}}
    // ISA: llm.linear_group {{.*}} {llm.kernels = {norm = "llmk_generic_rms_norm_f32", quantize = "llmk_isa_quantize_q8_0", rows = ["llmk_isa_linear_q4_0_rows", "llmk_isa_linear_q4_0_rows"]}}
    %g:2 = llm.linear_group %r, [@q, @k] norm @n eps 1.0e-05 : tensor<2x64xf32> -> tensor<2x64xf32>, tensor<2x32xf32>
    // GENERIC: llm.linear {{.*}} {llm.kernels = {epilogue = "llmk_generic_add_f32", rows = ["llmk_generic_linear_f32_rows"]}}
    // ISA: llm.linear {{.*}} {llm.kernels = {epilogue = "llmk_isa_add_f32", rows = ["llmk_generic_linear_f32_rows"]}}
    %o = llm.linear %g#0, @f residual %h : tensor<2x64xf32> -> tensor<2x64xf32>
    return %o, %g#1, %e : tensor<2x64xf32>, tensor<2x32xf32>, tensor<2x64xf32>
  }
}
