"""llm-run's sampling flags on stories260K: a seed reproduces the text with every step on, and the
repetition penalty changes greedy output, each token the argmax of transformers' penalised logits
over the prompt and the tokens before it. The distributions themselves are compared with
transformers' logits processors in test/runtime/test_sampler_reference.py."""

import numpy as np
import pytest

from llmc import driver

pytestmark = pytest.mark.llmc

PROMPT = [1, 403, 407, 261, 378]  # BOS "Once upon a time" in stories260K's vocabulary
EVERY_STEP = ["--top-k", "40", "--min-p", "0.05", "--repeat-penalty", "1.3",
              "--presence-penalty", "0.2", "--frequency-penalty", "0.1", "--penalty-window", "32"]


def generate(workspace, steps, **kwargs):
    return driver.run(workspace.built("stories_bin"), PROMPT, steps,
                      out=workspace.compiled("stories_bin"), **kwargs)


def test_seed_reproduces_the_text_with_every_step_on(workspace):
    sampled = dict(temperature=0.9, top_p=0.95, extra=EVERY_STEP)
    first, _ = generate(workspace, 48, seed=7, **sampled)
    again, _ = generate(workspace, 48, seed=7, **sampled)
    other, _ = generate(workspace, 48, seed=8, **sampled)
    assert len(first) == 48
    assert again == first
    assert other != first


def test_repeat_penalty_changes_greedy_output(workspace):
    plain, _ = generate(workspace, 64)
    off, _ = generate(workspace, 64, extra=["--repeat-penalty", "1"])
    assert off == plain
    penalty = 1.5
    ids, logits = generate(workspace, 64, extra=["--repeat-penalty", str(penalty)])
    assert ids != plain
    # Each token is the argmax of the logits it was picked from, with every token of the prompt
    # and of the text so far penalised once (RepetitionPenaltyLogitsProcessor's rule).
    for i, token in enumerate(ids):
        row = logits[len(PROMPT) - 1 + i].copy()
        seen = np.unique(PROMPT + ids[:i])
        row[seen] = np.where(row[seen] < 0, row[seen] * penalty, row[seen] / penalty)
        assert token == int(np.argmax(row)), f"token {i}"
