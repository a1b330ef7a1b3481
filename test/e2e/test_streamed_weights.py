"""--weights-mode streamed: weights.bin read op by op into a buffer of --weights-budget.

The same greedy tokens and the same logits, bit for bit, as the mapped build (checked against
transformers by test_models.py; the ARM targets cross-built and run under qemu where this is not
ARM), built with -Wall -Wextra -Werror, with a budget that keeps some layers resident and with the
least budget, which keeps none (llm-run --weights-budget: the run-time override); a weights.bin
cut short while the program runs is LLM_ERR_IO with a message, and a budget too small for the
model a clear error at llm_open.
"""

import dataclasses
import json
import re
import shutil
import subprocess

import pytest

from conftest import WERROR, random_prompt, skip_unless_runnable
from llmc import driver, hf_models
from llmc.testing import REPO, STORIES_BIN, STORIES_TOK, build_for
from test_models import PACKED_MODE_CASES, built_in_mode, mode_compiler

APP = REPO / "test" / "e2e" / "stream_app"
PROMPT_LEN, STEPS = 10, 10


def least_budget(model, tmp_path, *extra):
    """The least --weights-budget llmc accepts for the model: the number its error names."""
    proc = driver.compile(model, tmp_path / "too-small", *extra, "--weights-mode", "streamed",
                          "--weights-budget", "1")
    assert proc.returncode != 0
    match = re.search(r"need at least (\d+) bytes", proc.stderr)
    assert match, proc.stderr
    assert not (tmp_path / "too-small").exists()
    return int(match.group(1))


def compile_streamed(model, target, tmp_path, quant=None):
    """out/ streamed with the largest budget that keeps some but not all layers resident, its
    least budget (no layer resident) and manifest.json's plan."""
    extra = ["--target", target]
    if model == STORIES_BIN:
        extra += ["--tokenizer", str(STORIES_TOK)]
    if quant is not None:
        extra += ["--quant", quant]
    least = least_budget(model, tmp_path, *extra)
    out = tmp_path / "streamed"
    blob = 1 << 40  # more than any test model: every layer resident
    for budget in (blob, None):
        if budget is None:  # a byte less than all of it
            budget = json.loads((out / "manifest.json").read_text())["ram_bytes"]["weights"] - 1
            shutil.rmtree(out)
        driver.compile(model, out, *extra, "--weights-mode", "streamed",
                       "--weights-budget", str(budget), check=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["weights_mode"] == "streamed"
    plan = manifest["streamed"]
    assert 0 < plan["resident_layers"] < plan["layers"], plan
    return out, least, plan


# Test models of four layers: with two, streaming a layer takes more memory than keeping it.
FOUR_LAYERS = {name: dataclasses.replace(hf_models.TEST_SPECS[name], num_layers=4)
               for name in ("gqa_llama3", "mha", "tied", "odd_sizes", "head_dim")}

# The end-to-end configs' shapes on the targets the cases above leave to stories260K: a tied
# classifier packed for arm-dotprod, rows that end in part of a tile for arm-i8mm, grouped-query
# attention in x86-avx512's layouts, a head size apart from hidden / heads for arm-neon.
HF_MODE_CASES = [("tied", "arm-dotprod", "q4_0"), ("odd_sizes", "arm-i8mm", "q4_0"),
                 ("gqa_llama3", "x86-avx512", "q4_0"), ("head_dim", "arm-neon", None)]


@pytest.fixture(scope="module")
def stories_streamed(workspace, tmp_path_factory):
    """stories260K (5 layers) streamed for the generic target, and its build folder."""
    tmp_path = tmp_path_factory.mktemp("stories-streamed")
    out, least, plan = compile_streamed(STORIES_BIN, "generic", tmp_path)
    return out, least, plan, driver.build(out, build_dir=tmp_path / "build", cxx_flags=WERROR)


@pytest.mark.parametrize("name,target,quant", [
    pytest.param("stories_bin", "generic", None, marks=pytest.mark.tsan),
    ("stories_bin", "x86-avx2", None),
    ("gqa_llama3", "generic", None),
    ("mha", "x86-avx2", None),
    ("stories_bin", "arm-neon", None),
    *PACKED_MODE_CASES,
    *HF_MODE_CASES,
])
def test_streamed_weights_match_mapped(workspace, tmp_path, stories_streamed, name, target,
                                       quant):
    """With no layer resident every layer's tensors, in arm-dotprod's and arm-i8mm's packed
    layouts at q4_0, are read into the two buffers by turns. The end-to-end configs are built
    embedded too (test_models.py covers stories260K's): the same tokens and logits, with the
    folder's weights.bin moved away."""
    skip_unless_runnable(target)
    if name == "stories_bin":
        vocab = 512
        mapped_out = workspace.compiled(name, target, quant)
        mapped_build = built_in_mode(workspace, name, target, quant)
    else:
        vocab = FOUR_LAYERS[name].vocab_size
        model = hf_models.write_random_llama(tmp_path / "model", FOUR_LAYERS[name])
        mapped_out = tmp_path / "mapped"
        driver.compile(model, mapped_out, "--target", target, *quant_flag(quant), check=True)
        cxx, _ = mode_compiler(target, quant)
        mapped_build = build_for(target, mapped_out, cxx, build_dir=tmp_path / "mapped-build",
                                 cxx_flags=WERROR)
    prompt = random_prompt(vocab, PROMPT_LEN, seed=13)
    mapped_ids, mapped_logits = driver.run(mapped_build, prompt, STEPS, out=mapped_out,
                                           extra=["--threads", "2"])
    if name != "stories_bin":
        ids, logits = run_embedded(model, target, quant, tmp_path, prompt)
        assert ids == mapped_ids
        assert (logits == mapped_logits).all(), abs(logits - mapped_logits).max()
    if (name, target) == ("stories_bin", "generic"):
        out, least, plan, build_dir = stories_streamed
    else:
        out, least, plan = compile_streamed(STORIES_BIN if name == "stories_bin" else model,
                                            target, tmp_path, quant)
        cxx, _ = mode_compiler(target, quant)
        build_dir = build_for(target, out, cxx, build_dir=tmp_path / "build", cxx_flags=WERROR)
    for budget in ([], ["--weights-budget", str(least)]):
        ids, logits = driver.run(build_dir, prompt, STEPS, out=out,
                                 extra=["--threads", "2", *budget])
        assert ids == mapped_ids, budget
        assert (logits == mapped_logits).all(), (budget, abs(logits - mapped_logits).max())
    proc = driver.run_raw(build_dir, "--weights", str(out / "weights.bin"), "--tokenizer",
                          str(out / "tokenizer.bin"), "--tokens", "1,2,3", "--steps", "4",
                          "--verbose", "--weights-budget", str(least))
    assert proc.returncode == 0, proc.stderr
    assert f"the first 0 of {plan['layers']} layers resident" in proc.stderr, proc.stderr
    assert re.search(r"llm-run: streamed \d+ bytes per token \(%d layers\)" % plan["layers"],
                     proc.stderr), proc.stderr
    assert "waited" in proc.stderr


def quant_flag(quant):
    return [] if quant is None else ["--quant", quant]


def run_embedded(model, target, quant, tmp_path, prompt):
    """Greedy ids and logits of `model` compiled --weights-mode embedded, run with its folder's
    weights.bin moved away."""
    out = tmp_path / "embedded"
    driver.compile(model, out, "--target", target, *quant_flag(quant), "--weights-mode",
                   "embedded", check=True)
    cxx, _ = mode_compiler(target, quant)
    build_dir = build_for(target, out, cxx, build_dir=tmp_path / "embedded-build",
                          cxx_flags=WERROR)
    (out / "weights.bin").rename(tmp_path / "weights.bin.moved")
    return driver.run(build_dir, prompt, STEPS, tokenizer=out / "tokenizer.bin",
                      extra=["--threads", "2"])


def build_app(out, build_dir):
    for cmd in (["cmake", "-S", str(APP), "-B", str(build_dir), f"-DLLM_MODEL_OUT={out}",
                 "-DCMAKE_BUILD_TYPE=Release"],
                ["cmake", "--build", str(build_dir), "-j", "2"]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return build_dir / "stream_app"


def test_truncated_while_running_is_an_io_error(stories_streamed, tmp_path):
    """stream_app truncates weights.bin between two decode calls: the next read of a streamed
    layer comes up short, and llm_decode returns LLM_ERR_IO with a message naming the file,
    without a crash and without counting the failed token."""
    out, least, _, _ = stories_streamed
    shutil.copytree(out, tmp_path / "out", ignore=shutil.ignore_patterns("build"))
    out = tmp_path / "out"  # the app truncates its weights.bin
    app = build_app(out, tmp_path / "app")
    proc = subprocess.run([str(app), str(out / "weights.bin"), str(least)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = dict(line.split(": ", 1) for line in proc.stdout.strip().splitlines())
    assert report["before"] == "ok", report
    assert report["streamed layers"] == "5 of 5"
    assert report["after"] == "I/O error", report
    assert str(out / "weights.bin") in report["message"]
    assert "truncated since llm_open" in report["message"], report
    assert report["position kept"] == "yes"


def test_too_small_a_budget_is_refused_at_open(stories_streamed):
    _, least, _, build_dir = stories_streamed
    proc = driver.run_raw(build_dir, "--tokens", "1", "--steps", "2",
                          "--weights-budget", str(least - 1))
    assert proc.returncode == 1
    assert f"a weights budget of {least - 1} bytes is too small" in proc.stderr, proc.stderr
    assert f"need at least {least}" in proc.stderr
