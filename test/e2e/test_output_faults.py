"""What a compile leaves when writing out/ goes wrong (docs/cli.md, "How out/ is written").

A full disk or a file-size limit: a clear error naming the file, no out/ (or the previous one,
untouched), no staging folder. Ctrl-C or SIGTERM: the staging folder is removed. kill -9: the
next compile to the same -o works and removes what the killed one left. Two compiles to the
same -o at once: the second fails at once, naming the first. A reader never sees out/ missing
or half replaced.

The compiles that get interrupted write a ~100 MB llama2.c checkpoint's weights, which takes
long enough to stop them while weights.bin is being written.
"""

import os
import re
import resource
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import STORIES_BIN, STORIES_TOK
from llmc import driver, llama2c

pytestmark = pytest.mark.llmc

TOKENIZER = ("--tokenizer", str(STORIES_TOK))
BIG = llama2c.Llama2cConfig(dim=512, hidden_dim=1376, n_layers=8, n_heads=8, n_kv_heads=8,
                            vocab_size=512, seq_len=64)


@pytest.fixture(scope="module")
def big_model(tmp_path_factory):
    """A ~100 MB checkpoint of BIG: one random block repeated (the values do not matter here)."""
    block = np.random.default_rng(0).standard_normal(4099).astype(np.float32) * 0.1
    weights = {name: np.resize(block, shape) for name, shape in BIG.shapes().items()
               if not name.startswith("freq_cis")}
    path = tmp_path_factory.mktemp("faults") / "big.bin"
    llama2c.write_checkpoint(path, BIG, weights)
    yield path
    path.unlink()  # pytest keeps the temp folders of the last runs


def compile_command(model, out, *extra) -> list[str]:
    return [str(driver.llmc_binary()), "compile", os.fspath(model), "-o", os.fspath(out),
            "--quiet", *map(str, extra)]


def beside(out: Path) -> list[str]:
    """What lies next to out/ in its parent folder: staging folders, lock files, ..."""
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def compile_stories(out: Path, check: bool = True) -> subprocess.CompletedProcess:
    return driver.compile(STORIES_BIN, out, *TOKENIZER, check=check)


def compiled_stories(tmp_path: Path) -> tuple[Path, dict]:
    """tmp_path/o/out compiled from stories260K, and its digest."""
    out = tmp_path / "o" / "out"
    out.parent.mkdir()
    compile_stories(out)
    return out, driver.tree_digest(out)


def start_writing_weights(model, out: Path) -> subprocess.Popen:
    """Starts compiling `model` to `out` and returns once the staging weights.bin has data."""
    proc = subprocess.Popen(compile_command(model, out), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        blobs = list(out.parent.glob(f".{out.name}.llmc-tmp-*/weights.bin"))
        if blobs and any(b.exists() and b.stat().st_size > 0 for b in blobs):
            return proc
        time.sleep(0.001)
    proc.kill()
    _, err = proc.communicate()
    pytest.fail(f"the compile ended (exit {proc.returncode}) before weights.bin had data: {err}")


def expect_clean_failure(proc, out: Path, *patterns: str) -> str:
    msg = proc.stderr
    assert proc.returncode > 0, f"exit {proc.returncode} (killed by a signal if negative)\n{msg}"
    assert "llmc: error: " in msg, msg
    assert ".llmc-tmp" not in msg, f"the message names the hidden staging folder: {msg}"
    for p in patterns:
        assert re.search(p, msg, re.IGNORECASE), f"no /{p}/ in: {msg}"
    return msg


def test_file_size_limit_keeps_the_previous_output(tmp_path):
    """ulimit -f: writes fail with EFBIG, named like a full disk; the old out/ stays as it was."""
    out, before = compiled_stories(tmp_path)
    limit = 256 << 10  # weights.bin is 1 MiB, every other file far smaller
    proc = subprocess.run(
        compile_command(STORIES_BIN, out, *TOKENIZER), capture_output=True, text=True,
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    expect_clean_failure(proc, out, re.escape(f"{out}/weights.bin: ") + r".*file too large")
    assert driver.tree_digest(out) == before, "the previous out/ changed"
    assert beside(out) == []


def test_full_disk(tmp_path):
    """ENOSPC on a 256 KiB tmpfs, mounted in a mount namespace of its own (and a user namespace
    when not root): a clear error, no out/, nothing left."""
    if not shutil.which("unshare"):
        pytest.skip("no unshare(1) to mount a small tmpfs with")
    disk, result = tmp_path / "disk", tmp_path / "result"
    disk.mkdir()
    result.mkdir()
    out = disk / "out"
    namespaces = ["--mount"] if os.geteuid() == 0 else ["--user", "--map-root-user", "--mount"]
    script = ('disk="$1"; shift; mount -t tmpfs -o size=256k tmpfs "$disk" || exit 77; '
              '"$@" 2> "$RESULT/stderr"; echo $? > "$RESULT/rc"; ls -A "$disk" > "$RESULT/left"')
    proc = subprocess.run(
        ["unshare", *namespaces, "sh", "-c", script, "sh", str(disk),
         *compile_command(STORIES_BIN, out, *TOKENIZER)],
        env={**os.environ, "RESULT": str(result)}, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (exit {proc.returncode}): {proc.stderr.strip()}")
    rc = int((result / "rc").read_text())
    failed = subprocess.CompletedProcess([], rc, "", (result / "stderr").read_text())
    expect_clean_failure(failed, out, re.escape(f"{out}/") + r"\S+: write failed: no space left")
    assert (result / "left").read_text().split() == [], "left on the full disk"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_interrupt_removes_the_staging_folder(tmp_path, big_model, sig):
    out, before = compiled_stories(tmp_path)
    proc = start_writing_weights(big_model, out)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -sig, f"exit {proc.returncode}, expected to end by {sig.name}: {err}"
    assert beside(out) == [], f"left by an interrupted compile: {beside(out)}"
    assert driver.tree_digest(out) == before, "the previous out/ changed"


def test_next_compile_cleans_up_after_kill(tmp_path, big_model):
    out, before = compiled_stories(tmp_path)
    proc = start_writing_weights(big_model, out)
    proc.kill()
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert driver.tree_digest(out) == before, "a killed compile changed the previous out/"
    assert any(".llmc-tmp-" in name for name in beside(out)), \
        f"killed while writing weights, yet no staging folder left: {beside(out)}"
    compile_stories(out)
    assert beside(out) == [], f"the next compile left these: {beside(out)}"
    assert driver.tree_digest(out) == before


def test_second_compile_to_the_same_folder_fails(tmp_path, big_model):
    """The first compile holds out/ until it ends: the second fails at once, the first wins."""
    reference = tmp_path / "reference"
    driver.compile(big_model, reference, check=True)
    out = tmp_path / "o" / "out"
    out.parent.mkdir()
    first = start_writing_weights(big_model, out)
    first.send_signal(signal.SIGSTOP)  # so that it is surely still writing
    try:
        second = compile_stories(out, check=False)
    finally:
        first.send_signal(signal.SIGCONT)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    expect_clean_failure(second, out, re.escape(str(out)), r"another llmc compile \(process "
                         + str(first.pid) + r"\)")
    assert driver.tree_digest(out) == driver.tree_digest(reference)
    assert beside(out) == []
    shutil.rmtree(reference)
    shutil.rmtree(out)


def test_replacement_is_atomic(tmp_path):
    """A reader polling out/ while it is compiled again and again always sees a whole folder."""
    out, before = compiled_stories(tmp_path)
    whole = {"manifest.json", "weights.bin", "model.cpp", "tokenizer.bin", "runtime"}
    seen, done = [], threading.Event()

    def read():
        while not done.is_set():
            try:
                folder = os.stat(out).st_ino
                names = set(os.listdir(out))
                # A listing of the previous folder, begun before it was swapped out, may see it
                # being removed; only the folder that stayed at out/ all along must be whole.
                if os.stat(out).st_ino == folder and not whole <= names:
                    seen.append(sorted(names))
            except FileNotFoundError:
                seen.append("no out/")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(5):
            compile_stories(out)
    finally:
        done.set()
        reader.join()
    assert not seen, f"out/ seen incomplete {len(seen)} times, e.g. {seen[0]}"
    assert driver.tree_digest(out) == before


def test_output_through_a_link(tmp_path):
    """-o naming a link to an earlier output replaces the folder the link names; the link stays."""
    real, before = compiled_stories(tmp_path)
    (real / "stale.txt").write_text("from an earlier compile")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    compile_stories(link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert driver.tree_digest(real) == before
    assert beside(real) == [] and beside(link) == ["o"]
