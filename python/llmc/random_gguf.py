"""A Llama GGUF of random q4_0 weights of any shape, written fast enough for a 7B shape.

    write_random_q4_0_gguf(path, LLAMA2_7B)   # about 3.8 GB in well under a minute

Every matrix (the token embedding and the classifier included) is Q4_0, the norms are F32 ones,
the tokenizer is the Llama 2 SentencePiece vocabulary of models/llama2-tokenizer (32000 tokens),
as llama.cpp and llmc both read it. The blocks are written as random bytes, not quantized from
floats: each block's 16 bytes of nibbles are uniform, so its weights are d * (q - 8) with q uniform
in 0..15, and its f16 scale d is chosen so that each weight's standard deviation is about `std`
(0.02, as in trained Llama matrices), which keeps the activations of a deep stack finite.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from llmc import driver

LLAMA2_7B = dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                 num_attention_heads=32, num_key_value_heads=32, vocab_size=32000,
                 max_position_embeddings=4096, rms_norm_eps=1e-5, rope_theta=10000.0)

LLAMA2_TOKENIZER = driver.REPO_ROOT / "models" / "llama2-tokenizer" / "tokenizer.model"

Q4_0_BLOCK = 32  # weights per block
Q4_0_BLOCK_BYTES = 18  # an f16 scale and 16 bytes of nibbles
Q4_0_NIBBLE_STD = float(np.sqrt((16 * 16 - 1) / 12))  # of a uniform 0..15: 4.61


def gguf_tensor_shapes(config: dict) -> list[tuple[str, tuple[int, ...]]]:
    """(GGUF name, numpy shape (rows, columns)) of a Llama model's tensors, in file order."""
    h, i, v = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    kv = config["num_key_value_heads"] * (h // config["num_attention_heads"])
    shapes = [("token_embd.weight", (v, h))]
    for layer in range(config["num_hidden_layers"]):
        p = f"blk.{layer}."
        shapes += [(p + "attn_norm.weight", (h,)), (p + "attn_q.weight", (h, h)),
                   (p + "attn_k.weight", (kv, h)), (p + "attn_v.weight", (kv, h)),
                   (p + "attn_output.weight", (h, h)), (p + "ffn_norm.weight", (h,)),
                   (p + "ffn_gate.weight", (i, h)), (p + "ffn_up.weight", (i, h)),
                   (p + "ffn_down.weight", (h, i))]
    return shapes + [("output_norm.weight", (h,)), ("output.weight", (v, h))]


def random_q4_0_blocks(rng: np.random.Generator, rows: int, columns: int,
                       std: float) -> np.ndarray:
    """(rows, columns / 32 * 18) bytes of Q4_0 blocks: random nibbles, scales near
    std / Q4_0_NIBBLE_STD (each within 25% of it, so that blocks differ)."""
    if columns % Q4_0_BLOCK:
        raise ValueError(f"a Q4_0 row needs a multiple of {Q4_0_BLOCK} columns, not {columns}")
    blocks = rows * columns // Q4_0_BLOCK
    data = rng.integers(0, 256, size=(blocks, Q4_0_BLOCK_BYTES), dtype=np.uint8)
    scales = (std / Q4_0_NIBBLE_STD) * rng.uniform(0.75, 1.25, size=blocks)
    data[:, :2] = scales.astype("<f2").view(np.uint8).reshape(blocks, 2)
    return data.reshape(rows, columns // Q4_0_BLOCK * Q4_0_BLOCK_BYTES)


def write_random_q4_0_gguf(path: Path, config: dict, seed: int = 0, std: float = 0.02,
                           tokenizer_model: Path = LLAMA2_TOKENIZER) -> Path:
    """Writes the GGUF (aside, then renamed, so an existing `path` is always whole); returns
    path. Memory stays near one tensor."""
    import gguf
    from llmc.bench_speed import llama_gguf_writer

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".gguf.tmp")
    writer = llama_gguf_writer(tmp, config, "llama-shaped-random-q4_0",
                               gguf.LlamaFileType.MOSTLY_Q4_0, tokenizer_model)
    shapes = gguf_tensor_shapes(config)
    q4_0 = gguf.GGMLQuantizationType.Q4_0
    for name, shape in shapes:
        if len(shape) == 1:
            writer.add_tensor_info(name, shape, np.dtype(np.float32), shape[0] * 4)
        else:
            rows, columns = shape
            byte_shape = (rows, columns // Q4_0_BLOCK * Q4_0_BLOCK_BYTES)
            writer.add_tensor_info(name, byte_shape, np.dtype(np.uint8),
                                   byte_shape[0] * byte_shape[1], raw_dtype=q4_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    rng = np.random.default_rng(seed)
    for name, shape in shapes:
        if len(shape) == 1:
            writer.write_tensor_data(np.ones(shape, dtype=np.float32))
        else:
            writer.write_tensor_data(random_q4_0_blocks(rng, *shape, std))
    writer.close()
    os.replace(tmp, path)
    return path
