"""The runtime's sampling distribution against transformers' logits processors (python3 -m pytest
test/runtime/test_sampler_reference.py).

build/bin/llmc-sampler-probs prints the distribution the runtime draws from, for given logits,
recent tokens and llm_sampler_params. The reference applies, in generate's order,
RepetitionPenaltyLogitsProcessor, the OpenAI presence/frequency penalties (numpy: transformers has
none), TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper and MinPLogitsWarper, then a
softmax; temperature 0 is the argmax of the penalised logits. On seeded random logits: each step
alone, all of them together, ties at the top-k boundary, and penalty windows.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field

import numpy as np
import pytest

from llmc.testing import built_tool

# make test-asan runs it again with the tool built with AddressSanitizer and UBSan.
pytestmark = pytest.mark.asan

torch = pytest.importorskip("torch")
logits_process = pytest.importorskip("transformers.generation.logits_process")

# Probabilities agree to float32 rounding: both sides compute in float32 (the runtime sums in
# double, torch its own way).
ATOL = 2e-6
RTOL = 1e-4
# A token whose keep-or-drop test lands this close to its threshold could go either way in
# float32 on either side; a case with one is drawn again.
MARGIN = 1e-5


@dataclass
class Case:
    logits: np.ndarray  # float32 (vocab)
    recent: list = field(default_factory=list)  # oldest first
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    min_p: float = 0.0
    repetition_penalty: float = 0.0
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    penalty_window: int = 0

    def text(self) -> str:
        params = (f"{self.temperature!r} {self.top_p!r} {self.top_k} {self.min_p!r} "
                  f"{self.repetition_penalty!r} {self.presence_penalty!r} "
                  f"{self.frequency_penalty!r} {self.penalty_window}")
        recent = " ".join(str(t) for t in self.recent)
        logits = " ".join(f"{float(x):.9g}" for x in self.logits)
        return f"{params}\n{len(self.recent)} {recent}\n{len(self.logits)} {logits}\n"


def runtime_distributions(cases: list[Case]) -> list[np.ndarray]:
    tool = built_tool("llmc-sampler-probs", "LLMC_SAMPLER_PROBS")
    proc = subprocess.run([str(tool)], input="".join(c.text() for c in cases),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(cases)
    for line in lines:
        assert not line.startswith("error"), line
    return [np.array([float(x) for x in line.split()], dtype=np.float64) for line in lines]


def window_of(case: Case) -> list:
    if case.penalty_window == 0:
        return list(case.recent)
    return list(case.recent[-case.penalty_window:])


def penalised(case: Case) -> torch.Tensor:
    scores = torch.tensor(case.logits, dtype=torch.float32).unsqueeze(0)
    window = window_of(case)
    if window and case.repetition_penalty not in (0.0, 1.0):
        ids = torch.tensor([window], dtype=torch.long)
        processor = logits_process.RepetitionPenaltyLogitsProcessor(float(case.repetition_penalty))
        scores = processor(ids, scores)
    if window and (case.presence_penalty or case.frequency_penalty):
        # OpenAI: logit - count * frequency_penalty - (count > 0) * presence_penalty.
        counts = np.bincount(window, minlength=len(case.logits)).astype(np.float32)
        penalty = (counts * np.float32(case.frequency_penalty) +
                   (counts > 0) * np.float32(case.presence_penalty)).astype(np.float32)
        scores = scores - torch.from_numpy(penalty).unsqueeze(0)
    return scores


def reference(case: Case) -> tuple[np.ndarray, bool]:
    """(the distribution, whether a keep-or-drop test sat within MARGIN of its threshold)."""
    scores = penalised(case)
    if case.temperature == 0:
        probs = np.zeros(len(case.logits))
        probs[int(torch.argmax(scores[0]))] = 1.0
        return probs, False
    ids = torch.zeros((1, 1), dtype=torch.long)  # the warpers ignore them
    borderline = False
    if case.temperature != 1.0:
        scores = logits_process.TemperatureLogitsWarper(float(case.temperature))(ids, scores)
    if case.top_k:
        scores = logits_process.TopKLogitsWarper(case.top_k)(ids, scores)
    if case.top_p < 1.0:
        ascending = torch.sort(scores[0]).values.softmax(-1).cumsum(-1).double().numpy()
        borderline |= bool(np.any(np.abs(ascending - (1 - case.top_p)) < MARGIN))
        scores = logits_process.TopPLogitsWarper(float(case.top_p))(ids, scores)
    if case.min_p > 0:
        probs = scores[0].softmax(-1).double().numpy()
        floor = case.min_p * probs.max()
        borderline |= bool(np.any((probs > 0) & (np.abs(probs - floor) < MARGIN * probs.max())))
        scores = logits_process.MinPLogitsWarper(float(case.min_p))(ids, scores)
    return scores[0].softmax(-1).double().numpy(), borderline


def draw_cases(rng: np.random.Generator, count: int, make) -> list[Case]:
    """count cases from make(rng), skipping those whose reference is borderline."""
    cases = []
    while len(cases) < count:
        case = make(rng)
        if not reference(case)[1]:
            cases.append(case)
    return cases


def check(cases: list[Case]):
    for i, (case, got) in enumerate(zip(cases, runtime_distributions(cases))):
        want, _ = reference(case)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"case {i}: {case}")
        # The same support: what the reference drops, the runtime never draws.
        assert np.array_equal(got > 0, want > 0), f"case {i}: {case}"


def random_logits(rng, vocab=None, scale=None) -> np.ndarray:
    vocab = vocab or int(rng.integers(2, 400))
    scale = scale or float(rng.uniform(0.5, 6))
    return (rng.standard_normal(vocab) * scale).astype(np.float32)


def random_recent(rng, vocab, n=None) -> list:
    """Tokens from a few ids, so that some repeat."""
    n = int(rng.integers(1, 40)) if n is None else n
    pool = rng.integers(0, vocab, size=max(1, vocab // 4))
    return [int(t) for t in rng.choice(pool, size=n)]


STEPS = {
    "temperature": lambda rng: Case(random_logits(rng), temperature=float(rng.uniform(0.1, 3))),
    "top_k": lambda rng: Case(random_logits(rng), top_k=int(rng.integers(1, 50))),
    "top_p": lambda rng: Case(random_logits(rng), top_p=float(rng.uniform(0.05, 0.99))),
    "min_p": lambda rng: Case(random_logits(rng), min_p=float(rng.uniform(0.001, 0.9))),
    "repetition_penalty": lambda rng: _with_recent(
        rng, repetition_penalty=float(rng.choice([rng.uniform(0.5, 0.99), rng.uniform(1.01, 3)]))),
    "presence_penalty": lambda rng: _with_recent(
        rng, presence_penalty=float(rng.uniform(-2, 2))),
    "frequency_penalty": lambda rng: _with_recent(
        rng, frequency_penalty=float(rng.uniform(-2, 2))),
    "greedy": lambda rng: _with_recent(rng, temperature=0.0, repetition_penalty=1.5,
                                       presence_penalty=0.5),
}


def _with_recent(rng, **params) -> Case:
    logits = random_logits(rng)
    return Case(logits, recent=random_recent(rng, len(logits)), **params)


@pytest.mark.parametrize("step", sorted(STEPS))
def test_each_step_alone(step):
    rng = np.random.default_rng(sorted(STEPS).index(step))
    cases = draw_cases(rng, 40, STEPS[step])
    check(cases)
    # The step did something: in most cases its distribution is not the plain softmax's, so a
    # runtime that skipped it would fail above.
    changed = sum(not np.allclose(reference(c)[0], reference(Case(c.logits))[0], rtol=RTOL,
                                  atol=ATOL) for c in cases)
    assert changed >= len(cases) * 3 // 4, f"{step} changed only {changed} of {len(cases)}"


def test_every_step_together():
    def make(rng):
        logits = random_logits(rng, vocab=int(rng.integers(20, 1000)))
        return Case(logits, recent=random_recent(rng, len(logits), int(rng.integers(0, 80))),
                    temperature=float(rng.uniform(0.2, 2)),
                    top_p=float(rng.choice([1.0, rng.uniform(0.3, 0.99)])),
                    top_k=int(rng.choice([0, rng.integers(1, 100)])),
                    min_p=float(rng.choice([0.0, rng.uniform(0.01, 0.5)])),
                    repetition_penalty=float(rng.choice([0.0, rng.uniform(0.8, 2.0)])),
                    presence_penalty=float(rng.choice([0.0, rng.uniform(-1, 1)])),
                    frequency_penalty=float(rng.choice([0.0, rng.uniform(-0.5, 0.5)])),
                    penalty_window=int(rng.choice([0, rng.integers(1, 30)])))
    check(draw_cases(np.random.default_rng(100), 150, make))


def test_ties_at_the_top_k_boundary():
    """Logits from a handful of values, so the k-th is tied with others: all of them stay."""
    def make(rng):
        vocab = int(rng.integers(10, 200))
        values = rng.standard_normal(int(rng.integers(2, 6))).astype(np.float32) * 2
        logits = rng.choice(values, size=vocab).astype(np.float32)
        return Case(logits, top_k=int(rng.integers(1, vocab)),
                    temperature=float(rng.choice([1.0, 0.7])),
                    min_p=float(rng.choice([0.0, 0.2])))
    cases = draw_cases(np.random.default_rng(200), 60, make)
    check(cases)
    # ...and the ties did matter: somewhere more than k tokens were kept.
    assert any(np.count_nonzero(reference(c)[0]) > c.top_k for c in cases)


def test_penalty_windows():
    """Windows shorter than, equal to and longer than the recent tokens."""
    def make(rng):
        logits = random_logits(rng, vocab=60)
        recent = random_recent(rng, 60, 30)
        return Case(logits, recent=recent, repetition_penalty=1.8, presence_penalty=0.7,
                    frequency_penalty=0.3, penalty_window=int(rng.choice([1, 5, 29, 30, 31, 100])))
    check(draw_cases(np.random.default_rng(300), 60, make))


def test_invalid_params_are_refused():
    tool = built_tool("llmc-sampler-probs", "LLMC_SAMPLER_PROBS")
    bad = [Case(np.zeros(3, np.float32), min_p=1.5), Case(np.zeros(3, np.float32), top_k=-2),
           Case(np.zeros(3, np.float32), repetition_penalty=-1.0),
           Case(np.zeros(3, np.float32), top_p=float("nan"))]
    proc = subprocess.run([str(tool)], input="".join(c.text() for c in bad), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "error: min_p is 1.5, not in [0, 1]",
        "error: top_k is -2, not >= 0 (0: off)",
        "error: repetition_penalty is -1, not a finite number >= 0 (0 or 1: off)",
        "error: top_p is nan, not in (0, 1]",
    ]
