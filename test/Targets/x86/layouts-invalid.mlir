// RUN: llmc-opt %s -split-input-file -verify-diagnostics

// The x86 weight layouts as the llm dialect checks them through WeightLayoutAttrInterface.

// Tests that the interleave4 layout needs whole groups of 4 rows.
// expected-error @+1 {{layout interleave4 needs a multiple of 4 rows, got 30}}
llm.weight @w : !llm.qweight<q4_0, [30, 64], block = 32, layout = #x86.interleave4>

// -----

// Tests that the panel8 layout needs whole panels of 8 rows.
// expected-error @+1 {{layout panel8 needs a multiple of 8 rows, got 12}}
llm.weight @w : !llm.qweight<q4_0, [12, 64], block = 32, layout = #x86.panel<8>>

// -----

// Tests that the panel8 layout holds only blocks of one fp16 scale and whole quant words.
// expected-error @+1 {{layout panel8 holds q8_0 or q4_0 blocks, not q4_1}}
llm.weight @w : !llm.qweight<q4_1, [16, 64], block = 32, layout = #x86.panel<8>>

// -----

// Tests that panels are 8 or 16 rows tall.
// expected-error @+2 {{panels have 8 (AVX2) or 16 (AVX-512) rows, not 12}}
// expected-error @+1 {{failed to parse LLM_QWeightType parameter 'layout'}}
llm.weight @w : !llm.qweight<q4_0, [48, 64], block = 32, layout = #x86.panel<12>>
