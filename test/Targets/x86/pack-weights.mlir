// RUN: llmc-opt %s -llm-x86-pack-weights | FileCheck %s
// RUN: llmc-opt %s -llm-split-rows=cores=2 -llm-x86-pack-weights | FileCheck %s --check-prefix=TILED
// RUN: llmc-opt %s -llm-split-rows=cores=2 '-llm-x86-pack-weights=schemes=q4_0,q6_k' | FileCheck %s --check-prefix=ONLY
// RUN: not llmc-opt %s -llm-split-rows=cores=2 '-llm-x86-pack-weights=schemes=q4_0,q9' 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: llmc-opt %s -llm-split-rows=cores=2 '-llm-x86-pack-weights=schemes=q8_0,q4_0 panel-schemes=q8_0,q4_0' | FileCheck %s --check-prefix=PANEL
// RUN: not llmc-opt %s -llm-split-rows=cores=2 '-llm-x86-pack-weights=panel-schemes=q4_k' 2>&1 | FileCheck %s --check-prefix=BADPANEL
// RUN: llmc-opt %s -llm-split-rows=cores=2 '-llm-x86-pack-weights=schemes=q4_0 panel-schemes=q8_0,q4_0 panel-rows=16' | FileCheck %s --check-prefix=PANEL16
// RUN: not llmc-opt %s -llm-split-rows=cores=2 '-llm-x86-pack-weights=panel-schemes=q4_0 panel-rows=4' 2>&1 | FileCheck %s --check-prefix=BADROWS

// Which weights llm-x86-pack-weights interleaves: quantized matrices with a multiple of 4 rows
// whose every reader is a linear op split into parts of a multiple of 4 rows. With
// panel-schemes (x86-avx2's default), q8_0 and q4_0 matrices with a multiple of 8 rows, split
// into parts of a multiple of 8, become 8-row panels instead.

// Without llm-split-rows no linear is split: nothing is packed.
// CHECK-NOT: interleave4

module attributes {llm.context_length = 64 : i64} {
  // TILED: llm.weight @embed : !llm.qweight<q8_0, [256, 64], block = 32>
  // TILED: llm.weight @w : !llm.qweight<q4_0, [128, 64], block = 32, layout = #x86.interleave4>
  // TILED: llm.weight @odd : !llm.qweight<q4_0, [30, 64], block = 32>
  // TILED: llm.weight @gate : !llm.qweight<q4_k, [512, 256], block = 256, layout = #x86.interleave4>
  // TILED: llm.weight @up : !llm.qweight<q6_k, [512, 256], block = 256, layout = #x86.interleave4>
  // TILED: llm.weight @float : tensor<64x64xf32>
  // TILED: llm.weight @q : !llm.qweight<q8_0, [512, 64], block = 32, layout = #x86.interleave4>
  // TILED: llm.weight @kv : !llm.qweight<q4_1, [128, 64], block = 32, layout = #x86.interleave4>
  // TILED: llm.weight @norm : tensor<64xf32>
  // `schemes` leaves the others in rows (x86-avx512's default leaves out q8_0).
  // ONLY: llm.weight @w : !llm.qweight<q4_0, [128, 64], block = 32, layout = #x86.interleave4>
  // ONLY: llm.weight @gate : !llm.qweight<q4_k, [512, 256], block = 256>
  // ONLY: llm.weight @up : !llm.qweight<q6_k, [512, 256], block = 256, layout = #x86.interleave4>
  // ONLY: llm.weight @q : !llm.qweight<q8_0, [512, 64], block = 32>
  // ONLY: llm.weight @kv : !llm.qweight<q4_1, [128, 64], block = 32>
  // BAD: llm-x86-pack-weights: unknown scheme 'q9'
  // PANEL: llm.weight @embed : !llm.qweight<q8_0, [256, 64], block = 32>
  // PANEL: llm.weight @w : !llm.qweight<q4_0, [128, 64], block = 32, layout = #x86.panel<8>>
  // PANEL: llm.weight @odd : !llm.qweight<q4_0, [30, 64], block = 32>
  // PANEL: llm.weight @gate : !llm.qweight<q4_k, [512, 256], block = 256>
  // PANEL: llm.weight @q : !llm.qweight<q8_0, [512, 64], block = 32, layout = #x86.panel<8>>
  // 12 rows: not whole panels, but whole groups of 4.
  // PANEL: llm.weight @twelve : !llm.qweight<q4_0, [12, 64], block = 32, layout = #x86.interleave4>
  // BADPANEL: llm-x86-pack-weights: layout panel8 holds q8_0 or q4_0 blocks, not q4_k
  // x86-avx512's panels: 16 rows (parts are cut at multiples of 16).
  // PANEL16: llm.weight @embed : !llm.qweight<q8_0, [256, 64], block = 32>
  // PANEL16: llm.weight @w : !llm.qweight<q4_0, [128, 64], block = 32, layout = #x86.panel<16>>
  // PANEL16: llm.weight @q : !llm.qweight<q8_0, [512, 64], block = 32, layout = #x86.panel<16>>
  // PANEL16: llm.weight @twelve : !llm.qweight<q4_0, [12, 64], block = 32, layout = #x86.interleave4>
  // BADROWS: llm-x86-pack-weights: panels have 8 (AVX2) or 16 (AVX-512) rows, not 4
  llm.weight @embed : !llm.qweight<q8_0, [256, 64], block = 32>
  llm.weight @w : !llm.qweight<q4_0, [128, 64], block = 32>
  llm.weight @odd : !llm.qweight<q4_0, [30, 64], block = 32>
  llm.weight @gate : !llm.qweight<q4_k, [512, 256], block = 256>
  llm.weight @up : !llm.qweight<q6_k, [512, 256], block = 256>
  llm.weight @float : tensor<64x64xf32>
  llm.weight @q : !llm.qweight<q8_0, [512, 64], block = 32>
  llm.weight @kv : !llm.qweight<q4_1, [128, 64], block = 32>
  llm.weight @norm : tensor<64xf32>
  llm.weight @twelve : !llm.qweight<q4_0, [12, 64], block = 32>
  func.func @f(%tokens: tensor<1xi32>, %x: tensor<1x64xf32>, %x256: tensor<1x256xf32>, %pos: index) -> (tensor<1x256xf32>, tensor<1x128xf32>, tensor<1x30xf32>, tensor<1x512xf32>, tensor<1x64xf32>, tensor<1x512xf32>, tensor<1x12xf32>) {
    // Tied embeddings: llm.embed reads the table row by row, so it keeps the row layout.
    %e = llm.embed @embed[%tokens] : tensor<1xi32> -> tensor<1x64xf32>
    %logits = llm.linear %x, @embed : tensor<1x64xf32> -> tensor<1x256xf32>
    // A norm prologue is not a matrix operand; the weight still packs.
    %a = llm.linear %x, @w norm @norm eps 1.0e-05 : tensor<1x64xf32> -> tensor<1x128xf32>
    // 30 rows: not a multiple of 4.
    %b = llm.linear %x, @odd : tensor<1x64xf32> -> tensor<1x30xf32>
    %s = llm.swiglu_linear %x256, @gate, @up : tensor<1x256xf32> -> tensor<1x512xf32>
    // Float weights have their own kernels and stay as they are.
    %c = llm.linear %x, @float : tensor<1x64xf32> -> tensor<1x64xf32>
    %q = llm.qkv_projection %x, @q, @kv, @kv at %pos {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 2 : i64, head_dim = 64 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<1x64xf32> -> tensor<1x512xf32>
    %t = llm.linear %x, @twelve : tensor<1x64xf32> -> tensor<1x12xf32>
    return %logits, %a, %b, %s, %c, %q, %t : tensor<1x256xf32>, tensor<1x128xf32>, tensor<1x30xf32>, tensor<1x512xf32>, tensor<1x64xf32>, tensor<1x512xf32>, tensor<1x12xf32>
  }
}
