// RUN: llmc-opt %s -split-input-file -verify-diagnostics -llm-quantize="scheme=q4_0" | FileCheck %s
// RUN: llmc-opt %s -split-input-file -llm-quantize="scheme=q8_0 overrides=layers.0.*=f32,output=q4_1" | FileCheck %s --check-prefix=OVERRIDE
// RUN: llmc-opt %s -split-input-file -llm-quantize | FileCheck %s --check-prefix=KEEP
// RUN: llmc-opt %s -split-input-file -llm-quantize="scheme=q4_k" | FileCheck %s --check-prefix=KQUANT
// RUN: llmc-opt %s -split-input-file -llm-quantize="scheme=f16 overrides=lm_head=q8_0" | FileCheck %s --check-prefix=F16
// RUN: llmc-opt %s -split-input-file -llm-quantize="scheme=q8_0 overrides=layers.1.*=bf16,embed=bf16" | FileCheck %s --check-prefix=BF16
// RUN: not llmc-opt %s -split-input-file -llm-quantize="scheme=q3_k" 2>&1 | FileCheck %s --check-prefix=BADSCHEME
// RUN: not llmc-opt %s -split-input-file -llm-quantize="overrides=output" 2>&1 | FileCheck %s --check-prefix=BADRULE
// BADSCHEME: unknown quantization scheme 'q3_k' (supported: f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q6_k)
// BADRULE: quantization override 'output' is not PATTERN=SCHEME

// Tests the default rules: matrices take the scheme, the embedding and the output projection
// take q6_k under a 4-bit scheme (here falling back to q8_0 since their rows of 64 are not a
// multiple of 256), vectors stay f32. With overrides, the first matching rule wins and `output`
// names the weight whose linear is returned. Without a scheme nothing changes.
// CHECK: llm.weight @embed_tokens : !llm.qweight<q8_0, [32, 64], block = 32>
// CHECK: llm.weight @norm : tensor<64xf32>
// CHECK: llm.weight @layers.0.q_proj : !llm.qweight<q4_0, [64, 64], block = 32>
// CHECK: llm.weight @layers.0.q_proj.bias : tensor<64xf32>
// CHECK: llm.weight @layers.1.q_proj : !llm.qweight<q4_0, [64, 64], block = 32>
// CHECK: llm.weight @lm_head : !llm.qweight<q8_0, [32, 64], block = 32>
// OVERRIDE: llm.weight @embed_tokens : !llm.qweight<q8_0, [32, 64], block = 32>
// OVERRIDE: llm.weight @layers.0.q_proj : tensor<64x64xf32>
// OVERRIDE: llm.weight @layers.1.q_proj : !llm.qweight<q8_0, [64, 64], block = 32>
// OVERRIDE: llm.weight @lm_head : !llm.qweight<q4_1, [32, 64], block = 32>
// F16 (binary16 storage: every matrix, the edges too, rows of any length; vectors stay f32):
// F16: llm.weight @embed_tokens : tensor<32x64xf16>
// F16: llm.weight @norm : tensor<64xf32>
// F16: llm.weight @layers.0.q_proj : tensor<64x64xf16>
// F16: llm.weight @layers.0.q_proj.bias : tensor<64xf32>
// F16: llm.weight @layers.1.q_proj : tensor<64x64xf16>
// F16: llm.weight @lm_head : !llm.qweight<q8_0, [32, 64], block = 32>
// BF16 (bfloat16 storage, by rule; vectors stay f32):
// BF16: llm.weight @embed_tokens : tensor<32x64xbf16>
// BF16: llm.weight @norm : tensor<64xf32>
// BF16: llm.weight @layers.0.q_proj : !llm.qweight<q8_0, [64, 64], block = 32>
// BF16: llm.weight @layers.0.q_proj.bias : tensor<64xf32>
// BF16: llm.weight @layers.1.q_proj : tensor<64x64xbf16>
// BF16: llm.weight @lm_head : !llm.qweight<q8_0, [32, 64], block = 32>
// KEEP: llm.weight @layers.0.q_proj : tensor<64x64xf32>
// KEEP: llm.weight @lm_head : tensor<32x64xf32>
llm.weight @embed_tokens : tensor<32x64xf32>
llm.weight @norm : tensor<64xf32>
llm.weight @layers.0.q_proj : tensor<64x64xf32>
llm.weight @layers.0.q_proj.bias : tensor<64xf32>
llm.weight @layers.1.q_proj : tensor<64x64xf32>
llm.weight @lm_head : tensor<32x64xf32>
func.func @decode(%tokens: tensor<1xi32>, %pos: index) -> tensor<1x32xf32> {
  %h = llm.embed @embed_tokens[%tokens] : tensor<1xi32> -> tensor<1x64xf32>
  %a = llm.linear %h, @layers.0.q_proj bias @layers.0.q_proj.bias : tensor<1x64xf32> -> tensor<1x64xf32>
  %b = llm.linear %a, @layers.1.q_proj : tensor<1x64xf32> -> tensor<1x64xf32>
  %x = llm.rms_norm %b, @norm {eps = 1.0e-05 : f64} : tensor<1x64xf32>
  %logits = llm.linear %x, @lm_head : tensor<1x64xf32> -> tensor<1x32xf32>
  return %logits : tensor<1x32xf32>
}

// -----

// Tests that a k-quant keeps its scheme for rows of whole 256-element super-blocks and falls
// back (q4_k -> q4_1) for shorter rows.
// KQUANT: llm.weight @layers.0.q_proj : !llm.qweight<q4_1, [64, 64], block = 32>
// KQUANT: llm.weight @wide : !llm.qweight<q4_k, [8, 512], block = 256>
// CHECK: llm.weight @wide : !llm.qweight<q4_0, [8, 512], block = 32>
// Rows of 172 (not whole 32-element blocks) take q8_0 under every block scheme; f16 has no
// blocks.
// F16: llm.weight @ragged : tensor<8x172xf16>
// KQUANT: llm.weight @ragged : !llm.qweight<q8_0, [8, 172], block = 32>
// CHECK: llm.weight @ragged : !llm.qweight<q8_0, [8, 172], block = 32>
llm.weight @wide : tensor<8x512xf32>
llm.weight @ragged : tensor<8x172xf32>
func.func @f(%x: tensor<1x512xf32>, %r: tensor<1x172xf32>) -> tensor<1x8xf32> {
  %y = llm.linear %x, @wide : tensor<1x512xf32> -> tensor<1x8xf32>
  %w = llm.linear %r, @ragged : tensor<1x172xf32> -> tensor<1x8xf32>
  %z = llm.add %y, %w : tensor<1x8xf32>
  return %z : tensor<1x8xf32>
}
