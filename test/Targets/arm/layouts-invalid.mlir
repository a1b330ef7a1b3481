// RUN: llmc-opt %s -split-input-file -verify-diagnostics

// The ARM weight layouts as the llm dialect checks them through WeightLayoutAttrInterface.

// Tests that the rows4x4 layout needs whole groups of 4 rows.
// expected-error @+1 {{layout rows4x4 needs a multiple of 4 rows, got 30}}
llm.weight @w : !llm.qweight<q4_0, [30, 64], block = 32, layout = #arm.rows4x4>

// -----

// Tests that the rows2x8 layout needs whole pairs of rows.
// expected-error @+1 {{layout rows2x8 needs a multiple of 2 rows, got 7}}
llm.weight @w : !llm.qweight<q8_0, [7, 64], block = 32, layout = #arm.rows2x8>

// -----

// Tests that the rows4x4 layout holds only blocks of one fp16 scale and whole quant words.
// expected-error @+1 {{layout rows4x4 holds q8_0 or q4_0 blocks, not q4_1}}
llm.weight @w : !llm.qweight<q4_1, [16, 64], block = 32, layout = #arm.rows4x4>

// -----

// Tests that the rows2x8 layout holds only q8_0 and q4_0 blocks.
// expected-error @+1 {{layout rows2x8 holds q8_0 or q4_0 blocks, not q4_k}}
llm.weight @w : !llm.qweight<q4_k, [16, 256], block = 256, layout = #arm.rows2x8>

