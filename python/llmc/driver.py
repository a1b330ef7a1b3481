"""Drive the llmc compiler, build its out/ folders, run llm-run, compare logits.

    out = tmp / "out"
    driver.compile("model_dir", out, check=True)
    build_dir = driver.build(out, cxx="clang++")
    ids, logits = driver.run(build_dir, tokens=[1, 2, 3], steps=8, out=out)
    driver.check_close(logits, reference_logits)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]


def llmc_binary() -> Path:
    """$LLMC_BIN, else <repo>/build/bin/llmc (may not exist; see `have_llmc`)."""
    return Path(os.environ.get("LLMC_BIN") or REPO_ROOT / "build" / "bin" / "llmc")


def have_llmc() -> bool:
    b = llmc_binary()
    return b.is_file() and os.access(b, os.X_OK)


def find_cxx(name: str) -> Optional[str]:
    """The path of a C++ compiler: 'g++' or 'clang++' (falls back to clang++-19)."""
    candidates = [name] + (["clang++-19", "clang++-18"] if name == "clang++" else [])
    for c in candidates:
        path = shutil.which(c)
        if path:
            return path
    return None


# The first line of a sanitizer's report: AddressSanitizer's and LeakSanitizer's, UBSan's
# ("file:line:col: runtime error: ..."), ThreadSanitizer's.
SANITIZER_REPORT = re.compile(
    r"^(==\d+==ERROR: \w+Sanitizer|.*: runtime error: |WARNING: ThreadSanitizer)", re.MULTILINE)


class SanitizerError(RuntimeError):
    pass


def run_checked(cmd: Sequence[str], timeout: float) -> subprocess.CompletedProcess:
    """subprocess.run with output captured; raises SanitizerError where a sanitizer reported,
    so that a test expecting a failure (bad input, a damaged blob) cannot take the report's
    non-zero exit for the failure it expects."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if SANITIZER_REPORT.search(proc.stderr):
        raise SanitizerError(f"{' '.join(cmd)}\nexit {proc.returncode}\n{proc.stderr}")
    return proc


def sanitizer_flags() -> Optional[str]:
    """The compile and link flags $LLMC_OUT_SANITIZE (a -fsanitize= list such as
    "address,undefined" or "thread") asks every build of an out/ folder to add; None when unset.

    `make test-asan` and `make test-tsan` set it. Each report is fatal, so a finding fails the
    run (and the test) instead of scrolling past in stderr.
    """
    sanitize = os.environ.get("LLMC_OUT_SANITIZE")
    if not sanitize:
        return None
    return f"-fsanitize={sanitize} -fno-sanitize-recover=all -fno-omit-frame-pointer -g"


def compile(model, out, *extra: str, quiet: bool = True, check: bool = False,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs `llmc compile MODEL -o OUT EXTRA...`; raises CompileError when check and it fails."""
    cmd = [str(llmc_binary()), "compile", os.fspath(model), "-o", os.fspath(out), *extra]
    if quiet:
        cmd.append("--quiet")
    proc = run_checked(cmd, timeout)
    if check and proc.returncode != 0:
        raise CompileError(f"{' '.join(cmd)}\nexit {proc.returncode}\n{proc.stderr}{proc.stdout}")
    return proc


class CompileError(RuntimeError):
    pass


class BuildError(RuntimeError):
    pass


def build(out, cxx: str = "g++", build_dir=None, cxx_flags: Optional[str] = None,
          jobs: int = 2, timeout: float = 600, cmake_args: Sequence[str] = ()) -> Path:
    """cmake configure + build of OUT with compiler `cxx`; returns the build folder.

    `cmake_args` go to the configure step: a cross build names the target system there, and
    CMAKE_CROSSCOMPILING_EMULATOR, which `run` and `run_raw` then run llm-run under.
    `cxx_flags` become CMAKE_CXX_FLAGS, followed by `sanitizer_flags()` where it asks for some
    (CMake passes CMAKE_CXX_FLAGS to the link too; that build is unoptimised). Quiet: the
    compiler's output is only shown (inside BuildError) when something fails.
    """
    cxx_path = find_cxx(cxx) or cxx
    build_dir = Path(build_dir) if build_dir else Path(out) / "build"
    configure = ["cmake", "-S", os.fspath(out), "-B", os.fspath(build_dir),
                 f"-DCMAKE_CXX_COMPILER={cxx_path}", "-DCMAKE_BUILD_TYPE=Release", *cmake_args]
    sanitize = sanitizer_flags()
    flags = [f for f in (cxx_flags, sanitize) if f is not None]
    if flags:
        configure.append(f"-DCMAKE_CXX_FLAGS={' '.join(flags)}")
    if sanitize:
        # Unoptimised: with the sanitizers g++ -O3 takes minutes for one x86 kernel file, -O0
        # seconds (docs/architecture.md); the test models run fast enough either way.
        configure.append("-DCMAKE_CXX_FLAGS_RELEASE=-O0 -DNDEBUG")
    for cmd in (configure, ["cmake", "--build", os.fspath(build_dir), "-j", str(jobs)]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise BuildError(f"{' '.join(cmd)}\nexit {proc.returncode}\n{proc.stdout}{proc.stderr}")
    return build_dir


def executable(build_dir) -> Path:
    """llm-run inside a build folder (multi-config generators put it one level deeper; a build
    for Windows names it llm-run.exe)."""
    build_dir = Path(build_dir)
    for name in ("llm-run", "llm-run.exe"):
        for p in (build_dir / name, build_dir / "Release" / name):
            if p.is_file():
                return p
    found = sorted(build_dir.rglob("llm-run")) + sorted(build_dir.rglob("llm-run.exe"))
    if not found:
        raise FileNotFoundError(f"no llm-run under {build_dir}")
    return found[0]


def emulator(build_dir) -> list[str]:
    """The command a cross build's programs run under (its CMAKE_CROSSCOMPILING_EMULATOR, e.g.
    qemu-aarch64-static and its options); [] for a native build."""
    cache = Path(build_dir) / "CMakeCache.txt"
    for line in cache.read_text().splitlines() if cache.is_file() else []:
        if line.startswith("CMAKE_CROSSCOMPILING_EMULATOR:"):
            value = line.split("=", 1)[1]
            return value.split(";") if value else []
    return []


def run_raw(build_dir, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """llm-run ARGS... (under the build's emulator, if any), output captured; for tests of
    failures."""
    return run_checked([*emulator(build_dir), str(executable(build_dir)), *args], timeout)


def run(build_dir, tokens: Sequence[int] | str, steps: int, out=None, *, weights=None,
        tokenizer=None, temperature: float = 0.0, top_p: Optional[float] = None,
        seed: Optional[int] = None, ignore_eos: bool = True, vocab_size: Optional[int] = None,
        extra: Sequence[str] = ()) -> tuple[list[int], np.ndarray]:
    """Runs llm-run on prompt ids `tokens` (or a text: --prompt) for `steps` new tokens, greedy
    by default.

    Returns (generated ids, logits (rows, vocab)) where rows = n_prompt + len(ids) - 1: one row
    per token fed to the model. A text prompt needs `vocab_size` to shape the logits (n_prompt is
    then rows - len(ids) + 1). `out` (the compiled folder) supplies weights.bin and tokenizer.bin
    unless given explicitly.
    """
    if out is not None:
        weights = weights or Path(out) / "weights.bin"
        if tokenizer is None and (Path(out) / "tokenizer.bin").is_file():
            tokenizer = Path(out) / "tokenizer.bin"
    with tempfile.TemporaryDirectory(prefix="llmc-logits-") as tmp:
        dump = Path(tmp) / "logits.f32"
        if isinstance(tokens, str):
            args = ["--prompt", tokens]
        else:
            args = ["--tokens", ",".join(str(int(t)) for t in tokens)]
        args += ["--steps", str(steps),
                "--temperature", repr(float(temperature)), "--print-token-ids",
                "--dump-logits", str(dump), *extra]
        if weights is not None:
            args += ["--weights", os.fspath(weights)]
        if tokenizer is not None:
            args += ["--tokenizer", os.fspath(tokenizer)]
        if top_p is not None:
            args += ["--top-p", repr(float(top_p))]
        if seed is not None:
            args += ["--seed", str(seed)]
        if ignore_eos:
            args.append("--ignore-eos")
        proc = run_raw(build_dir, *args)
        if proc.returncode != 0:
            raise RuntimeError(f"llm-run {' '.join(args)}\nexit {proc.returncode}\n"
                               f"{proc.stderr}{proc.stdout}")
        ids = _parse_ids(proc.stdout)
        raw = np.fromfile(dump, dtype="<f4")
    if isinstance(tokens, str):
        if not vocab_size or raw.size % vocab_size:
            raise RuntimeError(f"logits dump of {raw.size} floats is not rows of {vocab_size}")
        return ids, raw.reshape(-1, vocab_size)
    rows = len(tokens) + len(ids) - 1
    if rows <= 0 or raw.size % rows:
        raise RuntimeError(f"logits dump of {raw.size} floats is not {rows} rows")
    return ids, raw.reshape(rows, -1)


def _parse_ids(stdout: str) -> list[int]:
    """The ids printed by --print-token-ids: every stdout line made only of integers."""
    ids = []
    for line in stdout.splitlines():
        items = line.replace(",", " ").split()
        if items and all(i.lstrip("-").isdigit() for i in items):
            ids += [int(i) for i in items]
    return ids


def tolerance(ref: np.ndarray) -> float:
    """The logits tolerance: max(1e-4 * max|ref|, 1e-4)."""
    return max(1e-4 * float(np.abs(ref).max()), 1e-4)


def check_close(ours: np.ndarray, ref: np.ndarray, what: str = "logits") -> float:
    """Asserts max|ours - ref| <= tolerance(ref) and equal argmax in every row.

    Returns the max difference. The failure message says where and by how much.
    """
    ours, ref = np.asarray(ours, np.float32), np.asarray(ref, np.float32)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != reference {ref.shape}"
    assert np.isfinite(ours).all(), f"{what}: non-finite values in rows " \
        f"{sorted(set(np.nonzero(~np.isfinite(ours))[0].tolist()))[:10]}"
    diff = np.abs(ours.astype(np.float64) - ref)
    tol = tolerance(ref)
    worst = np.unravel_index(int(diff.argmax()), diff.shape)
    assert diff.max() <= tol, (
        f"{what}: max |diff| {diff.max():.3g} > tolerance {tol:.3g} at row {worst[0]}, "
        f"column {worst[1]} (ours {ours[worst]:.6g}, reference {ref[worst]:.6g}); "
        f"rows over tolerance: {np.nonzero(diff.max(1) > tol)[0].tolist()[:20]}")
    a, b = ours.argmax(1), ref.argmax(1)
    bad = np.nonzero(a != b)[0]
    if bad.size:
        r = int(bad[0])
        top2 = np.sort(ref[r])[-2:]
        raise AssertionError(
            f"{what}: argmax differs in rows {bad.tolist()[:20]}; row {r}: ours {a[r]}, "
            f"reference {b[r]} (reference top-2 gap {top2[1] - top2[0]:.3g})")
    return float(diff.max())


def tree_digest(folder) -> dict[str, str]:
    """{relative path: sha256} of every file under `folder` (symlinks by target text)."""
    folder = Path(folder)
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_symlink():
            out[rel] = "link:" + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.is_dir():
            out[rel + "/"] = "dir"
    return out
