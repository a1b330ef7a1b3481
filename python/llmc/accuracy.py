"""Accuracy of a compiled model on a fixed text: teacher-forced logits, perplexity, top-1 agreement.

    tokens = accuracy.story_tokens()                       # BOS + STORY, stories260K's tokenizer
    logits = accuracy.model_logits(build_dir, out, tokens)  # (len(tokens), vocab) float32
    accuracy.perplexity(logits, tokens)                     # exp(mean NLL of tokens[1:])
    accuracy.top1_agreement(logits, f32_logits)             # fraction of rows with equal argmax

The logits come from the generated llm-run (`--tokens ... --steps 1 --dump-logits`), which
prefills the whole sequence: row i is the model's distribution after tokens[0..i], so the
sequence must fit in the compiled context. STORY is ~350 tokens with stories260K's 512-token
vocabulary (context 512).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from llmc import driver, llama2c

STORIES_TOKENIZER = driver.REPO_ROOT / "models" / "stories260K" / "tok512.bin"

# A short children's story in the style of TinyStories, written for these measurements (one
# paragraph: the text is fed verbatim, without newlines). 350 tokens after BOS with tok512.bin.
STORY = (
    "Once upon a time, there was a little girl named Mia. She had a red ball that she loved very "
    "much. Every day, she played with her ball in the park with her friend Tom. One sunny day, "
    "Tom threw the ball too high, and it went over the fence into the garden of an old man. Mia "
    "was sad. \"I want my ball back,\" she said. Tom said, \"Let's go and ask him.\" Mia was a "
    "little scared, but she was brave. They knocked on the door. The old man had a kind smile "
    "and a long white beard. \"Hello, children. What do you need?\" he asked. Mia said, \"Our "
    "ball went into your garden. Can we have it back, please?\" The old man laughed and said, "
    "\"Of course!\" He gave them the ball and a cookie, too. Mia and Tom said thank you and went "
    "home happy. From that day on, they were all good friends."
)


def story_tokens(tokenizer: str | os.PathLike = STORIES_TOKENIZER, vocab_size: int = 512,
                 text: str = STORY) -> list[int]:
    """BOS (1) + `text` encoded with a llama2.c tokenizer.bin as run.c (and llm-run) encode it."""
    pieces, scores = llama2c.read_tokenizer(tokenizer, vocab_size)
    return [1] + llama2c.encode(pieces, scores, text)


def model_logits(build_dir, out, tokens: Sequence[int]) -> np.ndarray:
    """Teacher-forced logits of the compiled folder `out` (built in `build_dir`) on `tokens`:
    float32 (len(tokens), vocab), row i after tokens[0..i]."""
    _, logits = driver.run(build_dir, list(tokens), steps=1, out=out)
    if logits.shape[0] != len(tokens):
        raise RuntimeError(f"llm-run gave {logits.shape[0]} logit rows for {len(tokens)} tokens")
    return logits


def token_nll(logits: np.ndarray, tokens: Sequence[int]) -> np.ndarray:
    """Negative log-likelihood (nats, float64) of tokens[1:], each under the row before it."""
    tokens = np.asarray(tokens, np.int64)
    logits = np.asarray(logits, np.float64)
    if logits.ndim != 2 or logits.shape[0] < len(tokens) - 1 or len(tokens) < 2:
        raise ValueError(f"logits {logits.shape} do not cover {len(tokens)} tokens")
    rows = logits[: len(tokens) - 1]
    top = rows.max(axis=1, keepdims=True)
    log_z = top[:, 0] + np.log(np.exp(rows - top).sum(axis=1))
    return log_z - rows[np.arange(len(tokens) - 1), tokens[1:]]


def perplexity(logits: np.ndarray, tokens: Sequence[int]) -> float:
    """exp(mean NLL of each next token): tokens[i + 1] under logits row i, i < len(tokens) - 1.
    The same definition as llama.cpp's perplexity over one chunk, scoring every position."""
    return float(np.exp(token_nll(logits, tokens).mean()))


def top2_margin(logits: np.ndarray) -> np.ndarray:
    """Per row, the largest logit minus the second largest (0 for a tie)."""
    top2 = np.sort(np.asarray(logits, np.float64), axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def top1_agreement(a: np.ndarray, ref: np.ndarray, min_margin: float = 0.0) -> float:
    """Fraction of rows where the argmax of `a` equals that of `ref` (same shape).

    With min_margin > 0 only the rows where ref's top-2 margin is at least min_margin count:
    a near-tie in the reference flips under any perturbation, however small.
    """
    a, ref = np.asarray(a), np.asarray(ref)
    if a.shape != ref.shape:
        raise ValueError(f"logit shapes differ: {a.shape} vs {ref.shape}")
    rows = top2_margin(ref) >= min_margin
    if not rows.any():
        raise ValueError(f"no row of the reference has a top-2 margin >= {min_margin}")
    return float((a[rows].argmax(axis=1) == ref[rows].argmax(axis=1)).mean())


def weights_bytes(out) -> int:
    """Size of the compiled folder's weights.bin."""
    return (Path(out) / "weights.bin").stat().st_size
