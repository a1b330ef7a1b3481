// RUN: llmc-opt %s -split-input-file -llm-split-rows=cores=2 | FileCheck %s --check-prefix=TWO
// RUN: llmc-opt %s -split-input-file -llm-split-rows=cores=8 | FileCheck %s --check-prefix=EIGHT
// RUN: llmc-opt %s -split-input-file -llm-split-rows=cores=2 | FileCheck %s --check-prefix=X86
// RUN: llmc-opt %s -split-input-file -llm-split-rows="cores=2 row-tile=4" | FileCheck %s --check-prefix=ARM

// Tests the thread split of each op kind. About two parts per core, parts of at least 16 rows
// in multiples of 16 (the defaults of min-rows-per-part and row-tile); a QKV projection's parts are whole heads
// (multiples of head_dim 64) over its Q, K and V rows together (512 + 128 + 128 rows); an
// attention's parts are query heads.
module attributes {llm.context_length = 64 : i64} {
  llm.weight @w : tensor<1000x64xf32>
  llm.weight @small : tensor<10x64xf32>
  llm.weight @q : tensor<512x64xf32>
  llm.weight @kv : tensor<128x64xf32>
  func.func @f(%x: tensor<1x64xf32>, %pos: index) -> (tensor<1x1000xf32>, tensor<1x10xf32>, tensor<1x512xf32>, tensor<1x1000xf32>) {
    // 1000 rows / 4 parts = 250 -> 256: 4 parts. With 8 cores: 1000 / 16 = 63 -> 64: 16 parts.
    // TWO: llm.linear {{.*}} {llm.row_parts = 4 : i64, llm.rows_per_part = 256 : i64}
    // EIGHT: llm.linear {{.*}} {llm.row_parts = 16 : i64, llm.rows_per_part = 64 : i64}
    %a = llm.linear %x, @w : tensor<1x64xf32> -> tensor<1x1000xf32>
    // Fewer rows than a part: one part.
    // TWO: llm.linear {{.*}} {llm.row_parts = 1 : i64, llm.rows_per_part = 16 : i64}
    %b = llm.linear %x, @small : tensor<1x64xf32> -> tensor<1x10xf32>
    // 768 rows / 4 = 192 = 3 heads: Q 3 parts (192, 192, 128), K 1, V 1. With 8 cores:
    // 768 / 16 = 48 -> one head: 8 + 2 + 2 parts.
    // TWO: llm.qkv_projection {{.*}}llm.row_parts = 5 : i64, llm.rows_per_part = 192 : i64
    // EIGHT: llm.qkv_projection {{.*}}llm.row_parts = 12 : i64, llm.rows_per_part = 64 : i64
    %q = llm.qkv_projection %x, @q, @kv, @kv at %pos {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 2 : i64, head_dim = 64 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<1x64xf32> -> tensor<1x512xf32>
    // 8 heads: 2 per part with 2 cores, 1 per part with 8.
    // TWO: llm.cached_attention {{.*}}llm.row_parts = 4 : i64, llm.rows_per_part = 2 : i64
    // EIGHT: llm.cached_attention {{.*}}llm.row_parts = 8 : i64, llm.rows_per_part = 1 : i64
    %c = llm.cached_attention %q at %pos {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 2 : i64, head_dim = 64 : i64} : tensor<1x512xf32>
    // A group splits every weight with one part size: (1000 + 10) / 4 = 253 -> 256: 4 + 1 parts.
    // TWO: llm.linear_group {{.*}}llm.row_parts = 5 : i64, llm.rows_per_part = 256 : i64
    %g:2 = llm.linear_group %x, [@w, @small] : tensor<1x64xf32> -> tensor<1x1000xf32>, tensor<1x10xf32>
    // SwiGLU splits its gate and up rows alike.
    // TWO: llm.swiglu_linear {{.*}}llm.row_parts = 4 : i64, llm.rows_per_part = 256 : i64
    %s = llm.swiglu_linear %x, @w, @w : tensor<1x64xf32> -> tensor<1x1000xf32>
    return %a, %b, %c, %s : tensor<1x1000xf32>, tensor<1x10xf32>, tensor<1x512xf32>, tensor<1x1000xf32>
  }
}

// -----

// Tests the static split for cores of unequal speed (llm.cores, from llmc compile --cores
// 4x2.0,4x1.0): one part per core, rows in proportion to speed in whole row tiles, whatever
// `cores` says. x86's tile of 16: 2048 rows are 128 tiles, 21.3 for each fast core and 10.7 for
// each slow one; rounded down (21, 10) and the 4 tiles left to the cores that lost most by
// rounding (the slow ones). ARM's tile of 4: 512 tiles, 85.3 and 42.7: 85 and 43.
module attributes {llm.context_length = 64 : i64, llm.cores = array<f64: 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0>} {
  llm.weight @w : tensor<2048x64xf32>
  llm.weight @q : tensor<512x64xf32>
  llm.weight @kv : tensor<128x64xf32>
  func.func @g(%x: tensor<1x64xf32>, %pos: index) -> (tensor<1x2048xf32>, tensor<1x512xf32>) {
    // X86: llm.linear {{.*}}llm.part_rows = array<i64: 336, 336, 336, 336, 176, 176, 176, 176>, llm.row_parts = 8 : i64
    // ARM: llm.linear {{.*}}llm.part_rows = array<i64: 340, 340, 340, 340, 172, 172, 172, 172>, llm.row_parts = 8 : i64
    %a = llm.linear %x, @w : tensor<1x64xf32> -> tensor<1x2048xf32>
    // Q, K and V laid end to end in whole heads (64 rows): 12 heads, 2 per fast core, 1 per slow
    // one. The fast cores compute Q's 8 heads, cores 4-5 the K heads, cores 6-7 the V heads.
    // X86: llm.qkv_projection {{.*}}llm.part_rows = array<i64: 128, 128, 128, 128, 0, 0, 0, 0, 0, 0, 0, 0, 64, 64, 0, 0, 0, 0, 0, 0, 0, 0, 64, 64>, llm.row_parts = 8 : i64
    %q = llm.qkv_projection %x, @q, @kv, @kv at %pos {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 2 : i64, head_dim = 64 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<1x64xf32> -> tensor<1x512xf32>
    // 8 heads: 1.33 per fast core, 0.67 per slow one: one each.
    // X86: llm.cached_attention {{.*}}llm.part_rows = array<i64: 1, 1, 1, 1, 1, 1, 1, 1>, llm.row_parts = 8 : i64
    %c = llm.cached_attention %q at %pos {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 2 : i64, head_dim = 64 : i64} : tensor<1x512xf32>
    return %a, %c : tensor<1x2048xf32>, tensor<1x512xf32>
  }
}
