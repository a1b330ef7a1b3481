// RUN: llmc-opt %s -split-input-file -verify-diagnostics

// Tests that a weight of an unsupported element type is rejected.
// expected-error @+1 {{element type must be f32, f16 or bf16, got 'i8'}}
llm.weight @w : tensor<4x4xi8>

// -----

// Tests that a quantized weight's block must be its scheme's.
// expected-error @+1 {{q4_k has blocks of 256 elements, not 32}}
llm.weight @w : !llm.qweight<q4_k, [4, 256], block = 32>

// -----

// Tests that embed rejects a table whose row size differs from the result's.
llm.weight @embed_tokens : tensor<32x8xf32>
func.func @embed_width(%t: tensor<4xi32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{table @embed_tokens has shape [32, 8] but this op needs [vocab, 16]}}
  %h = llm.embed @embed_tokens[%t] : tensor<4xi32> -> tensor<4x16xf32>
  return %h : tensor<4x16xf32>
}

// -----

// Tests that embed needs one result row per token.
llm.weight @embed_tokens : tensor<32x16xf32>
func.func @embed_rows(%t: tensor<4xi32>) -> tensor<3x16xf32> {
  // expected-error @+1 {{result must have one row per token}}
  %h = llm.embed @embed_tokens[%t] : tensor<4xi32> -> tensor<3x16xf32>
  return %h : tensor<3x16xf32>
}

// -----

// Tests that a symbol that is not an llm.weight is rejected.
func.func @missing(%t: tensor<4xi32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{table @nowhere does not name an llm.weight}}
  %h = llm.embed @nowhere[%t] : tensor<4xi32> -> tensor<4x16xf32>
  return %h : tensor<4x16xf32>
}

// -----

// Tests that rms_norm checks its weight's length.
llm.weight @norm : tensor<8xf32>
func.func @norm_shape(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{weight @norm has shape [8] but this op needs [16]}}
  %y = llm.rms_norm %x, @norm {eps = 1.0e-05 : f64} : tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Tests that rms_norm rejects a non-positive epsilon.
llm.weight @norm : tensor<16xf32>
func.func @norm_eps(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{eps must be positive}}
  %y = llm.rms_norm %x, @norm {eps = 0.0 : f64} : tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Tests that linear checks the weight against (out_features, in_features).
llm.weight @w : tensor<16x8xf32>
func.func @linear_shape(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{weight @w has shape [16, 8] but this op needs [8, 16]}}
  %y = llm.linear %x, @w : tensor<4x16xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Tests that linear checks its bias length.
llm.weight @w : tensor<8x16xf32>
llm.weight @b : tensor<16xf32>
func.func @linear_bias(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{bias @b has shape [16] but this op needs [8]}}
  %y = llm.linear %x, @w bias @b : tensor<4x16xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Tests that linear keeps the number of tokens.
llm.weight @w : tensor<8x16xf32>
func.func @linear_rows(%x: tensor<4x16xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{input and result must have the same number of tokens (rows)}}
  %y = llm.linear %x, @w : tensor<4x16xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Tests that rope needs an even head_dim.
func.func @rope_odd(%x: tensor<4x15xf32>, %p: index) -> tensor<4x15xf32> {
  // expected-error @+1 {{head_dim must be positive and even, got 5}}
  %y = llm.rope %x at %p {head_dim = 5 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<4x15xf32>
  return %y : tensor<4x15xf32>
}

// -----

// Tests that rope rows must hold whole heads.
func.func @rope_rows(%x: tensor<4x12xf32>, %p: index) -> tensor<4x12xf32> {
  // expected-error @+1 {{row size 12 is not a multiple of head_dim 8}}
  %y = llm.rope %x at %p {head_dim = 8 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<4x12xf32>
  return %y : tensor<4x12xf32>
}

// -----

// Tests that llama3 scaling needs its original context length.
func.func @rope_llama3(%x: tensor<4x16xf32>, %p: index) -> tensor<4x16xf32> {
  // expected-error @+1 {{llama3 scaling needs original_max_positions > 0}}
  %y = llm.rope %x at %p {head_dim = 8 : i64, rope = #llm.rope<theta = 1.0e+04, scaling = llama3, factor = 8.0>} : tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Tests that attention needs num_heads to be a multiple of num_kv_heads.
func.func @gqa_ratio(%q: tensor<4x24xf32>, %kv: tensor<4x16xf32>, %p: index) -> tensor<4x24xf32> {
  // expected-error @+1 {{num_heads 3 is not a multiple of num_kv_heads 2}}
  %a = llm.attention %q, %kv, %kv at %p {layer = 0 : i64, num_heads = 3 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64} : tensor<4x24xf32>, tensor<4x16xf32>, tensor<4x16xf32> -> tensor<4x24xf32>
  return %a : tensor<4x24xf32>
}

// -----

// Tests that attention checks the query row size.
func.func @query_size(%q: tensor<4x16xf32>, %kv: tensor<4x16xf32>, %p: index) -> tensor<4x16xf32> {
  // expected-error @+1 {{query rows have 16 elements but num_heads * head_dim = 32}}
  %a = llm.attention %q, %kv, %kv at %p {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64} : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32> -> tensor<4x16xf32>
  return %a : tensor<4x16xf32>
}

// -----

// Tests that attention checks the key/value row size.
func.func @kv_size(%q: tensor<4x32xf32>, %kv: tensor<4x8xf32>, %p: index) -> tensor<4x32xf32> {
  // expected-error @+1 {{key/value rows have 8 elements but num_kv_heads * head_dim = 16}}
  %a = llm.attention %q, %kv, %kv at %p {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64} : tensor<4x32xf32>, tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x32xf32>
  return %a : tensor<4x32xf32>
}

// -----

// Tests that attention needs as many key rows as query rows.
func.func @kv_rows(%q: tensor<4x32xf32>, %kv: tensor<2x16xf32>, %p: index) -> tensor<4x32xf32> {
  // expected-error @+1 {{query, key and value must have the same number of tokens (rows)}}
  %a = llm.attention %q, %kv, %kv at %p {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64} : tensor<4x32xf32>, tensor<2x16xf32>, tensor<2x16xf32> -> tensor<4x32xf32>
  return %a : tensor<4x32xf32>
}

// -----

// Tests that activations must have static shapes.
func.func @dynamic(%a: tensor<?x16xf32>, %p: index) -> tensor<?x16xf32> {
  // expected-error @+1 {{needs static shapes}}
  %y = llm.rope %a at %p {head_dim = 8 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Tests that a norm prologue needs its eps, and a positive one.
llm.weight @w : tensor<8x16xf32>
llm.weight @n : tensor<16xf32>
func.func @norm_eps(%x: tensor<2x16xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{norm_eps must be positive}}
  %y = llm.linear %x, @w norm @n eps 0.0 : tensor<2x16xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Tests that the norm prologue's weight has the input's row size.
llm.weight @w : tensor<8x16xf32>
llm.weight @n : tensor<8xf32>
func.func @norm_shape(%x: tensor<2x16xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{norm @n has shape [8] but this op needs [16]}}
  %y = llm.swiglu_linear %x, @w, @w norm @n eps 1.0e-05 : tensor<2x16xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Tests that a linear group has one result per weight.
llm.weight @w : tensor<8x16xf32>
func.func @group_arity(%x: tensor<2x16xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{needs one result per weight and at least one weight, got 2 weights and 1 results}}
  %y = llm.linear_group %x, [@w, @w] : tensor<2x16xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Tests that each weight of a group matches its result's width.
llm.weight @w : tensor<8x16xf32>
func.func @group_shape(%x: tensor<2x16xf32>) -> (tensor<2x8xf32>, tensor<2x4xf32>) {
  // expected-error @+1 {{weight @w has shape [8, 16] but this op needs [4, 16]}}
  %y:2 = llm.linear_group %x, [@w, @w] : tensor<2x16xf32> -> tensor<2x8xf32>, tensor<2x4xf32>
  return %y#0, %y#1 : tensor<2x8xf32>, tensor<2x4xf32>
}

// -----

// Tests that the residual of a linear has the result's type.
llm.weight @w : tensor<8x16xf32>
// expected-note @+1 {{prior use here}}
func.func @residual_type(%x: tensor<2x16xf32>, %h: tensor<2x16xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{use of value '%h' expects different type than prior uses: 'tensor<2x8xf32>' vs 'tensor<2x16xf32>'}}
  %y = llm.linear %x, @w residual %h : tensor<2x16xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Tests that the key and value weights of a QKV projection have num_kv_heads * head_dim rows.
llm.weight @q : tensor<16x16xf32>
llm.weight @kv : tensor<16x16xf32>
func.func @qkv_shape(%x: tensor<2x16xf32>, %pos: index) -> tensor<2x16xf32> {
  // expected-error @+1 {{key @kv has shape [16, 16] but this op needs [8, 16]}}
  %q = llm.qkv_projection %x, @q, @kv, @kv at %pos {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, rope = #llm.rope<theta = 1.0e+04>} : tensor<2x16xf32> -> tensor<2x16xf32>
  return %q : tensor<2x16xf32>
}

// -----

// Tests that the rotary parameters of a QKV projection are checked as llm.rope's are.
llm.weight @q : tensor<16x16xf32>
llm.weight @kv : tensor<8x16xf32>
func.func @qkv_rope(%x: tensor<2x16xf32>, %pos: index) -> tensor<2x16xf32> {
  // expected-error @+1 {{theta must be positive}}
  %q = llm.qkv_projection %x, @q, @kv, @kv at %pos {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, rope = #llm.rope<theta = 0.0>} : tensor<2x16xf32> -> tensor<2x16xf32>
  return %q : tensor<2x16xf32>
}

// -----

// Tests that cached attention checks its heads against the query width.
func.func @cached_heads(%q: tensor<2x16xf32>, %pos: index) -> tensor<2x16xf32> {
  // expected-error @+1 {{num_heads 4 is not a multiple of num_kv_heads 3}}
  %a = llm.cached_attention %q at %pos {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 3 : i64, head_dim = 4 : i64} : tensor<2x16xf32>
  return %a : tensor<2x16xf32>
}

// -----

// Tests that the memory plan's offsets are aligned (the kernels' vectors, a cache line).
func.func @misaligned(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'llm.arena_offset' must be a non-negative multiple of 64, got 96}}
  %y = llm.add %x, %x {llm.arena_offset = 96 : i64} : tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// Tests that a planned result lies inside the module's arena (2 x 16 floats = 128 bytes).
module attributes {llm.arena_bytes = 128 : i64} {
  func.func @past_arena(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
    // expected-error @+1 {{'llm.arena_offset' places 128 bytes at 64, past the arena's 128}}
    %y = llm.add %x, %x {llm.arena_offset = 64 : i64} : tensor<2x16xf32>
    return %y : tensor<2x16xf32>
  }
}

// -----

// Tests that an op with several results gets one offset per result.
llm.weight @a : tensor<16x16xf32>
func.func @offsets(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'llm.arena_offsets' needs one offset per result (2)}}
  %p:2 = llm.linear_group %x, [@a, @a] {llm.arena_offsets = array<i64: 0>} : tensor<2x16xf32> -> tensor<2x16xf32>, tensor<2x16xf32>
  return %p#0 : tensor<2x16xf32>
}

// -----

// Tests that the thread split comes as a pair.
llm.weight @w : tensor<16x16xf32>
func.func @split(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'llm.row_parts' needs one of 'llm.rows_per_part' and 'llm.part_rows' beside it}}
  %y = llm.linear %x, @w {llm.row_parts = 2 : i64} : tensor<2x16xf32> -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// Tests that the static split has rows for every part of every weight.
llm.weight @w : tensor<16x16xf32>
func.func @part_rows(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'llm.part_rows' must be an array<i64> of 'llm.row_parts' entries per weight}}
  %y = llm.linear %x, @w {llm.row_parts = 2 : i64, llm.part_rows = array<i64: 16, 0, 0>} : tensor<2x16xf32> -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// Tests that the core speeds are positive.
// expected-error @+1 {{'llm.cores': core 1's speed must be finite and above 0}}
module attributes {llm.cores = array<f64: 2.0, 0.0>} {
}

// -----

// Tests that the core speeds belong on the module.
func.func @cores(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'llm.cores' belongs on the module}}
  %y = llm.add %x, %x {llm.cores = array<f64: 1.0>} : tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// Tests that the target description names its target.
// expected-error @+1 {{'llm.target' must be a dictionary with the target's name (name = "...")}}
module attributes {llm.target = {row_tile = 4 : i64}} {
}

// -----

// Tests that the target description belongs on the module.
func.func @target(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'llm.target' belongs on the module}}
  %y = llm.add %x, %x {llm.target = {name = "generic"}} : tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// Tests that a linear's kernels name one row kernel per weight.
llm.weight @g : tensor<16x16xf32>
llm.weight @u : tensor<16x16xf32>
func.func @kernels(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'llm.kernels' needs one row kernel per weight (2)}}
  %y = llm.swiglu_linear %x, @g, @u {llm.kernels = {rows = ["llmk_generic_linear_f32_rows"]}} : tensor<2x16xf32> -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// Tests that the context length belongs on the module.
func.func @context(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'llm.context_length' belongs on the module}}
  %y = llm.add %x, %x {llm.context_length = 8 : i64} : tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// Tests that a misspelt llm attribute is refused rather than ignored.
func.func @typo(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{unknown llm dialect attribute 'llm.arena_ofset'}}
  %y = llm.add %x, %x {llm.arena_ofset = 0 : i64} : tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// Tests that the weights mode is one the emitter knows.
// expected-error @+1 {{'llm.weights_mode' must be "mapped", "embedded" or "streamed", got "flash"}}
module attributes {llm.weights_mode = "flash"} {
}

// -----

// Tests that the weights mode belongs on the module.
func.func @mode(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'llm.weights_mode' belongs on the module}}
  %y = llm.add %x, %x {llm.weights_mode = "mapped"} : tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// Tests that a weight budget is for streamed weights only.
// expected-error @+1 {{'llm.weights_budget' needs 'llm.weights_mode = "streamed"' beside it}}
module attributes {llm.weights_budget = 4096 : i64, llm.weights_mode = "mapped"} {
}

// -----

// Tests that the stream units start each layer's first tensor.
// expected-error @+1 {{'llm.stream_units': tensor 2 (layers.1.w) begins layer 1 but no unit}}
module attributes {llm.stream_units = array<i64: 0>, llm.weights_budget = 4096 : i64, llm.weights_mode = "streamed"} {
  llm.weight @layers.0.w : tensor<16x16xf32>
  llm.weight @layers.0.v : tensor<16x16xf32>
  llm.weight @layers.1.w : tensor<16x16xf32>
}

// -----

// Tests that no stream unit starts outside layers.
// expected-error @+1 {{'llm.stream_units': tensor 0 (norm) is outside layers}}
module attributes {llm.stream_units = array<i64: 0, 1>, llm.weights_budget = 4096 : i64, llm.weights_mode = "streamed"} {
  llm.weight @norm : tensor<16xf32>
  llm.weight @layers.0.w : tensor<16x16xf32>
}

// -----

// Tests that the stream units are ascending indices of the module's tensors.
// expected-error @+1 {{'llm.stream_units' must hold ascending indices of the module's 2 tensors}}
module attributes {llm.stream_units = array<i64: 0, 1, 1>, llm.weights_budget = 4096 : i64, llm.weights_mode = "streamed"} {
  llm.weight @layers.0.v : tensor<16x16xf32>
  llm.weight @layers.0.w : tensor<16x16xf32>
}

// -----

// Tests that an op's stream unit is one of the module's.
module attributes {llm.stream_units = array<i64: 0>, llm.weights_budget = 4096 : i64, llm.weights_mode = "streamed"} {
  llm.weight @layers.0.w : tensor<16x16xf32>
  func.func @unit(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
    // expected-error @+1 {{'llm.stream_unit' is 1, but the module has 1 stream units}}
    %y = llm.linear %x, @layers.0.w {llm.stream_unit = 1 : i64} : tensor<2x16xf32> -> tensor<2x16xf32>
    return %y : tensor<2x16xf32>
  }
}
