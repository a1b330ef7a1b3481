// RUN: llmc-opt %s -llm-arm-pack-weights | FileCheck %s
// RUN: llmc-opt %s '-llm-split-rows=cores=2 row-tile=4' -llm-arm-pack-weights | FileCheck %s --check-prefix=R4X4
// RUN: llmc-opt %s '-llm-split-rows=cores=2 row-tile=4' -llm-arm-pack-weights=layout=rows2x8 | FileCheck %s --check-prefix=R2X8
// RUN: llmc-opt %s '-llm-split-rows=cores=3 row-tile=2' -llm-arm-pack-weights | FileCheck %s --check-prefix=PAIRS
// RUN: not llmc-opt %s '-llm-split-rows=cores=2 row-tile=4' -llm-arm-pack-weights=layout=rows8x8 2>&1 | FileCheck %s --check-prefix=BAD

// Which weights llm-arm-pack-weights packs: q8_0 and q4_0 matrices with whole groups of rows (4
// for rows4x4, 2 for rows2x8) whose every reader is a linear op split into parts of whole
// groups, or llm.embed, which has a kernel for each layout.

// Without llm-split-rows no linear is split: nothing is packed.
// CHECK-NOT: #arm.

module attributes {llm.context_length = 64 : i64} {
  // R4X4: llm.weight @embed : !llm.qweight<q8_0, [256, 64], block = 32, layout = #arm.rows4x4>
  // R4X4: llm.weight @table : !llm.qweight<q8_0, [256, 64], block = 32>
  // R4X4: llm.weight @w : !llm.qweight<q4_0, [128, 64], block = 32, layout = #arm.rows4x4>
  // R4X4: llm.weight @odd : !llm.qweight<q4_0, [30, 64], block = 32>
  // R4X4: llm.weight @gate : !llm.qweight<q4_k, [512, 256], block = 256>
  // R4X4: llm.weight @up : !llm.qweight<q8_0, [512, 256], block = 32, layout = #arm.rows4x4>
  // R4X4: llm.weight @float : tensor<64x64xf32>
  // R4X4: llm.weight @q : !llm.qweight<q8_0, [512, 64], block = 32, layout = #arm.rows4x4>
  // R4X4: llm.weight @kv : !llm.qweight<q4_1, [128, 64], block = 32>
  // R4X4: llm.weight @norm : tensor<64xf32>
  // arm-i8mm's layout: 30 rows are whole pairs.
  // R2X8: llm.weight @embed : !llm.qweight<q8_0, [256, 64], block = 32, layout = #arm.rows2x8>
  // R2X8: llm.weight @table : !llm.qweight<q8_0, [256, 64], block = 32>
  // R2X8: llm.weight @w : !llm.qweight<q4_0, [128, 64], block = 32, layout = #arm.rows2x8>
  // R2X8: llm.weight @odd : !llm.qweight<q4_0, [30, 64], block = 32, layout = #arm.rows2x8>
  // R2X8: llm.weight @gate : !llm.qweight<q4_k, [512, 256], block = 256>
  // R2X8: llm.weight @q : !llm.qweight<q8_0, [512, 64], block = 32, layout = #arm.rows2x8>
  // R2X8: llm.weight @kv : !llm.qweight<q4_1, [128, 64], block = 32>
  // Parts of 22 rows (a multiple of 2, not of 4) would start inside groups of 4.
  // PAIRS: llm.weight @w : !llm.qweight<q4_0, [128, 64], block = 32>
  // BAD: llm-arm-pack-weights: unknown layout 'rows8x8' (rows4x4 or rows2x8)
  llm.weight @embed : !llm.qweight<q8_0, [256, 64], block = 32>
  llm.weight @table : !llm.qweight<q8_0, [256, 64], block = 32>
  llm.weight @w : !llm.qweight<q4_0, [128, 64], block = 32>
  llm.weight @odd : !llm.qweight<q4_0, [30, 64], block = 32>
  llm.weight @gate : !llm.qweight<q4_k, [512, 256], block = 256>
  llm.weight @up : !llm.qweight<q8_0, [512, 256], block = 32>
  llm.weight @float : tensor<64x64xf32>
  llm.weight @q : !llm.qweight<q8_0, [512, 64], block = 32>
  llm.weight @kv : !llm.qweight<q4_1, [128, 64], block = 32>
  llm.weight @norm : tensor<64xf32>
  func.func @f(%tokens: tensor<1xi32>, %x: tensor<1x64xf32>, %x256: tensor<1x256xf32>, %pos: index) -> (tensor<1x256xf32>, tensor<1x128xf32>, tensor<1x30xf32>, tensor<1x512xf32>, tensor<1x64xf32>, tensor<1x512xf32>) {
    // Tied embeddings: the classifier packs, and llm.embed reads the packed table.
    %e = llm.embed @embed[%tokens] : tensor<1xi32> -> tensor<1x64xf32>
    // A table only llm.embed reads gains nothing: it stays in rows.
    %t = llm.embed @table[%tokens] : tensor<1xi32> -> tensor<1x64xf32>
    %logits = llm.linear %x, @embed : tensor<1x64xf32> -> tensor<1x256xf32>
    // A norm prologue is not a matrix operand; the weight still packs.
    %a = llm.linear %x, @w norm @norm eps 1.0e-05 : tensor<1x64xf32> -> tensor<1x128xf32>
    // 30 rows: whole pairs, not whole groups of 4.
    %b = llm.linear %x, @odd : tensor<1x64xf32> -> tensor<1x30xf32>
    // q4_k has no packed ARM kernel; its partner q8_0 packs on its own.
    %s = llm.swiglu_linear %x256, @gate, @up : tensor<1x256xf32> -> tensor<1x512xf32>
    // Float weights have their own kernels and stay as they are.
    %c = llm.linear %x, @float : tensor<1x64xf32> -> tensor<1x64xf32>
    %q = llm.qkv_projection %x, @q, @kv, @kv at %pos {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 2 : i64, head_dim = 64 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<1x64xf32> -> tensor<1x512xf32>
    return %logits, %a, %b, %s, %c, %q : tensor<1x256xf32>, tensor<1x128xf32>, tensor<1x30xf32>, tensor<1x512xf32>, tensor<1x64xf32>, tensor<1x512xf32>
  }
}
