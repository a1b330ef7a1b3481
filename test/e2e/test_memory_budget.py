"""llmc compile --memory-budget: the plan it picks runs, gives the mapped build's greedy text and
logits, and stays within the budget when measured; a budget the KV cache does not fit at the
model's default length shortens it; a budget nothing fits is an error with a table of what would.

The budgets come from the table of a budget too small, so the tests follow programMemory()
wherever its constants move. test/tools/memory-budget.test checks the flags' refusals.
"""

import json
import re
import subprocess
import sys

import pytest

from llmc import driver, hf_models
from llmc.testing import STORIES_BIN, STORIES_TOK, peak_rss_bytes, random_prompt

pytestmark = pytest.mark.llmc

STORIES = [STORIES_BIN, "--tokenizer", str(STORIES_TOK)]
ROW = re.compile(r"^  (mapped|embedded|streamed, \d+ of \d+ layers resident)\s+(\d+)\s.*\s(\d+)$")


def refused_budget(model, out, *extra) -> dict:
    """{(mode, context): the least --memory-budget} from the table of a compile that fits
    nothing, after checking the refusal: a non-zero exit naming the least of them and no output
    folder."""
    proc = driver.compile(model, out, *extra)
    assert proc.returncode == 1, proc.stderr
    assert not out.exists()
    rows = {}
    for line in proc.stderr.splitlines():
        if match := ROW.match(line):
            rows[(match[1].split(",")[0], int(match[2]))] = int(match[3])
    assert rows, proc.stderr
    assert "the least plan needs" in proc.stderr
    assert f"(--memory-budget {min(rows.values())})" in proc.stderr, proc.stderr
    return rows


def least_budgets(model, tmp_path, *extra) -> dict:
    """refused_budget's table for a budget of 1 KiB, which fits nothing."""
    return refused_budget(model, tmp_path / "too-small", *extra, "--memory-budget", "1K")


def manifest(out) -> dict:
    return json.loads((out / "manifest.json").read_text())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_budget_below_mapped_streams_and_fits(workspace, tmp_path):
    """Half way between the least streamed plan and the mapped one: streamed, some layers
    resident, the same tokens and logits as the mapped build, and a peak RSS with the KV cache
    full below the mapped build's and within the budget."""
    least = least_budgets(STORIES[0], tmp_path, *STORIES[1:])
    assert set(least) == {("mapped", 512), ("streamed", 512)}, least
    budget = (least[("streamed", 512)] + least[("mapped", 512)]) // 2
    out = tmp_path / "budget"
    driver.compile(STORIES[0], out, *STORIES[1:], "--memory-budget", str(budget), check=True)
    plan = manifest(out)
    assert plan["weights_mode"] == "streamed"
    assert plan["memory_budget"] == {"bytes": budget}
    assert plan["context_length"] == 512
    assert 0 < plan["streamed"]["resident_layers"] < plan["streamed"]["layers"], plan
    assert least[("streamed", 512)] <= plan["ram_bytes"]["total"] <= budget, plan["ram_bytes"]

    mapped_out = workspace.compiled("stories_bin")
    mapped_build = workspace.built("stories_bin")
    build_dir = driver.build(out, build_dir=tmp_path / "build")
    prompt = random_prompt(512, 10, seed=19)
    mapped_ids, mapped_logits = driver.run(mapped_build, prompt, 20, out=mapped_out)
    ids, logits = driver.run(build_dir, prompt, 20, out=out)
    assert ids == mapped_ids
    assert (logits == mapped_logits).all(), abs(logits - mapped_logits).max()

    # Fill the 512 positions: 400 prompt tokens, then 111 more.
    fill = ["--tokens", ",".join(["5"] * 400), "--steps", "111", "--temperature", "0",
            "--ignore-eos", "--threads", "1"]
    streamed_peak = peak_rss_bytes([str(driver.executable(build_dir)), *fill])
    mapped_peak = peak_rss_bytes([str(driver.executable(mapped_build)), "--weights",
                                  str(mapped_out / "weights.bin"), "--tokenizer",
                                  str(mapped_out / "tokenizer.bin"), *fill])
    assert streamed_peak < mapped_peak, (streamed_peak, mapped_peak)
    # Within the budget, measured: of stories260K's 4.9 MiB, 3.25 MiB are the program's code,
    # libraries and stacks, a constant measured and rounded up (embedding.md, "How much RAM").
    assert streamed_peak <= budget, (streamed_peak, budget, plan["ram_bytes"])


def test_planned_ram_is_inspect_rams(tmp_path):
    """The budget's least plans are `llmc inspect --ram`'s rows at context 512 (MiB, one decimal),
    and a compile that picks mapped states the same total in manifest.json."""
    least = least_budgets(STORIES[0], tmp_path, *STORIES[1:])
    table = subprocess.run([str(driver.llmc_binary()), "inspect", *map(str, STORIES), "--ram",
                            "--quant", "f32"], capture_output=True, text=True, check=True).stdout
    totals = [float(line.split()[6]) for line in table.splitlines()
              if line.split()[:2] == ["f32", "512"]]
    assert totals == [round(least[(mode, 512)] / 2**20, 1) for mode in ("mapped", "streamed")]
    out = tmp_path / "mapped"
    driver.compile(STORIES[0], out, *STORIES[1:], "--memory-budget", "1G", check=True)
    assert manifest(out)["ram_bytes"]["total"] == least[("mapped", 512)]


def test_shorter_context_when_the_default_does_not_fit(tmp_path):
    """A model of 2048 positions whose KV cache is most of its RAM: a budget that fits streamed
    at 1024 positions but nothing at 2048 shortens the cache, says so on stderr and in
    manifest.json, and with --context 2048 is refused instead. The lengths tried go down to 512,
    or to a prefill call's tokens where those are more."""
    model = hf_models.write_random_llama(tmp_path / "model", hf_models.LlamaSpec(
        num_layers=4, max_position_embeddings=2048, seed=23))
    least = least_budgets(model, tmp_path, "--no-tokenizer")
    assert [context for mode, context in least if mode == "streamed"] == [2048, 1024, 512]
    # Never shorter than a prefill call.
    long_prefill = least_budgets(model, tmp_path, "--no-tokenizer", "--prefill-tokens", "1024")
    assert [context for mode, context in long_prefill if mode == "streamed"] == [2048, 1024]
    budget = least[("streamed", 1024)]
    assert budget < least[("mapped", 1024)]
    out = tmp_path / "short"
    proc = driver.compile(model, out, "--no-tokenizer", "--memory-budget", str(budget),
                          check=True)
    assert "the KV cache holds 1024 positions instead of 2048 to fit" in proc.stderr, proc.stderr
    plan = manifest(out)
    assert plan["context_length"] == 1024
    assert plan["memory_budget"] == {"bytes": budget, "context_shortened_from": 2048}
    assert plan["weights_mode"] == "streamed"
    assert plan["ram_bytes"]["total"] == budget

    # Only the context asked for is tried.
    kept = refused_budget(model, tmp_path / "kept", "--no-tokenizer", "--context", "2048",
                          "--memory-budget", str(budget))
    assert kept == {key: bytes for key, bytes in least.items() if key[1] == 2048}
