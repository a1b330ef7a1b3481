"""Two models in one program: `llmc compile --api-prefix NAME` (docs/embedding.md).

stories260K for the generic target (prefix a) and a random HF model for x86-avx2 (prefix b) are
linked into one C program (test/e2e/two_models_app/main.c includes both model.h files in one
translation unit); each must give exactly the tokens and logits of its own folder's llm-run.
A bad prefix is refused before anything is written, and the default prefix changes nothing.
"""

import subprocess

import numpy as np
import pytest

from llmc import driver
from llmc.testing import REPO, STORIES_BIN, STORIES_TOK, WERROR, cxx_or_skip, skip_unless_runnable

APP = REPO / "test" / "e2e" / "two_models_app"
PROMPT = [1, 65, 87, 200, 17]  # ids that both vocabularies (512, 256) hold
STEPS = 12


def build(source, build_dir, cxx, *options):
    for cmd in (["cmake", "-S", str(source), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                 f"-DCMAKE_CXX_COMPILER={cxx}", f"-DCMAKE_CXX_FLAGS={WERROR}", *options],
                ["cmake", "--build", str(build_dir), "-j", "2"]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("cxx", ["g++", "clang++-19"])
def test_two_models_in_one_c_program(tmp_path, workspace, cxx):
    skip_unless_runnable("x86-avx2")
    cxx = cxx_or_skip(cxx)
    models = tmp_path / "models"
    models.mkdir()
    driver.compile(STORIES_BIN, models / "a", "--tokenizer", str(STORIES_TOK),
                   "--api-prefix", "a", check=True)
    driver.compile(workspace.hf_model("gqa_llama3"), models / "b", "--target", "x86-avx2",
                   "--quant", "q8_0", "--api-prefix", "b", check=True)
    header = (models / "b" / "runtime" / "llm.h").read_text()
    assert "b_status b_open(" in header and "B_OK = 0" in header and "llm_" not in header
    assert "add_library(b_model STATIC" in (models / "b" / "CMakeLists.txt").read_text()

    build(APP, tmp_path / "app", cxx, f"-DMODELS={models}")
    logits = {name: tmp_path / f"{name}.f32" for name in "ab"}
    proc = subprocess.run([str(tmp_path / "app" / "two_models"), str(models / "a" / "weights.bin"),
                           str(models / "b" / "weights.bin"), str(STEPS), str(logits["a"]),
                           str(logits["b"]), *map(str, PROMPT)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    tokens = {line[0]: [int(t) for t in line[2:].split()] for line in proc.stdout.splitlines()}

    for name in "ab":
        # Each folder on its own, with its own prefixed targets: <name>-run is its llm-run.
        build(models / name, tmp_path / f"build-{name}", cxx)
        run = tmp_path / f"build-{name}" / f"{name}-run"
        (tmp_path / f"build-{name}" / "llm-run").symlink_to(run)
        ids, ref = driver.run(tmp_path / f"build-{name}", PROMPT, STEPS, out=models / name)
        assert tokens[name] == ids, name
        ours = np.fromfile(logits[name], dtype="<f4").reshape(ref.shape)
        assert np.array_equal(ours, ref), f"model {name}: logits differ from {name}-run's"
    assert tokens["a"] != tokens["b"]  # two different models, not one twice


@pytest.mark.parametrize("prefix", ["", "1a", "a-b", "a b", "a__b", "a_", "_a", "llmrt", "LLMK",
                                    "x" * 33])
def test_bad_api_prefix_is_refused(tmp_path, prefix):
    out = tmp_path / "out"
    proc = driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK),
                          f"--api-prefix={prefix}")
    assert proc.returncode != 0
    assert f"--api-prefix '{prefix}'" in proc.stderr, proc.stderr
    assert not out.exists()


def test_default_prefix_changes_nothing(tmp_path):
    plain, named = tmp_path / "plain", tmp_path / "named"
    driver.compile(STORIES_BIN, plain, "--tokenizer", str(STORIES_TOK), check=True)
    driver.compile(STORIES_BIN, named, "--tokenizer", str(STORIES_TOK), "--api-prefix", "llm",
                   check=True)
    assert driver.tree_digest(plain) == driver.tree_digest(named)
    assert "LLMRT_NAMESPACE" not in (plain / "CMakeLists.txt").read_text()
    assert "add_executable(llm-run" in (plain / "CMakeLists.txt").read_text()


def test_prefixed_output_is_deterministic(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--api-prefix", "story",
                       check=True)
    assert driver.tree_digest(first) == driver.tree_digest(second)
    assert "story_status story_prefill(" in (first / "runtime" / "llm.h").read_text()
