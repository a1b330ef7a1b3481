"""Reference logits from Hugging Face transformers, in float32.

The model is always loaded as float32 (f16/bf16 files are widened exactly) with eager attention,
so the reference is the plain textbook computation.
"""

from __future__ import annotations

import functools
import os
from typing import Sequence

import numpy as np


@functools.lru_cache(maxsize=4)
def load_hf_model(folder: str):
    """LlamaForCausalLM from `folder` in float32, eval mode; cached per folder."""
    import torch
    import transformers
    from transformers import LlamaForCausalLM
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                             attn_implementation="eager")
    return model.eval()


def hf_logits(folder: str | os.PathLike, tokens: Sequence[int]) -> np.ndarray:
    """float32 logits, shape (len(tokens), vocab): row i predicts the token after tokens[i]."""
    import torch
    model = load_hf_model(os.fspath(folder))
    with torch.no_grad():
        out = model(torch.tensor([list(tokens)], dtype=torch.long), use_cache=False)
    return out.logits[0].float().numpy()


def hf_greedy(folder: str | os.PathLike, prompt: Sequence[int], steps: int) -> list[int]:
    """`steps` greedy tokens after `prompt` (recomputes the whole sequence each step; tiny models)."""
    seq = list(prompt)
    for _ in range(steps):
        seq.append(int(hf_logits(folder, seq)[-1].argmax()))
    return seq[len(prompt):]
