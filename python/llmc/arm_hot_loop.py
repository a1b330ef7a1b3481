"""The hot loop of an AArch64 kernel, found by running it and measured by llvm-mca.

A kernel's innermost loop is not found by reading its source: the compiler unrolls, splits and
reorders, and a kernel holds many loops (one per register tile). So the kernel runs once, under
qemu-aarch64 with its execution trace on (`-d exec,nochain`: a line per translated block run),
and the loop that ran most is taken from the program's disassembly:

1. count each block's runs, keeping the blocks inside the kernel's own functions;
2. the hottest block's innermost enclosing loop: the shortest backward branch around it;
3. the loop's iterations: the runs of every block whose straight-line code reaches the loop's
   first instruction (a block can enter the loop by falling into it);
4. its instructions, with the branch targets made a label, go to llvm-mca, which gives the
   steady-state cycles per iteration on a CPU model (all loads hitting L1);
5. the loop must hold one of the instructions the caller expects (sdot, smmla, smull), so that a
   new compiler or a rewritten kernel cannot have the wrong loop measured without notice.

Cycles per 32 weights per token = cycles per iteration x iterations x 32 / (rows x k x tokens);
`coverage` says which part of the kernel's executed instructions the loop is.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections import Counter
from pathlib import Path

QEMU = "qemu-aarch64-static"
OBJDUMP = "llvm-objdump-19"
NM = "llvm-nm-19"
MCA = "llvm-mca-19"

# Instructions that end a translated block (qemu ends one at every branch, and at the end of a
# 4 KiB page).
_PAGE = 4096
_BRANCHES = ("b", "bl", "br", "blr", "ret", "cbz", "cbnz", "tbz", "tbnz")
# A branch target as llvm-objdump prints it: "0x400708 <dot+0x34>".
_TARGET = re.compile(r"0x([0-9a-f]+) <[^>]*>")
_TRACE = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")


class HotLoopError(RuntimeError):
    pass


@dataclasses.dataclass
class Instruction:
    address: int
    mnemonic: str
    text: str  # "mnemonic operands" as llvm-objdump prints it

    def is_branch(self) -> bool:
        return self.mnemonic in _BRANCHES or self.mnemonic.startswith("b.")

    def target(self) -> int | None:
        match = _TARGET.search(self.text)
        return int(match.group(1), 16) if match and self.is_branch() else None


class Program:
    """A statically linked AArch64 program: its instructions by address and its functions."""

    def __init__(self, binary: Path):
        self.binary = binary
        listing = subprocess.run([OBJDUMP, "-d", "--no-show-raw-insn", str(binary)],
                                 capture_output=True, text=True, check=True).stdout
        self.instructions: list[Instruction] = []
        for line in listing.splitlines():
            match = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
            if match:
                self.instructions.append(Instruction(int(match.group(1), 16), match.group(2),
                                                     f"{match.group(2)} {match.group(3)}".strip()))
        self.index = {ins.address: i for i, ins in enumerate(self.instructions)}
        self.functions: dict[str, tuple[int, int]] = {}
        sizes = subprocess.run([NM, "--print-size", "--defined-only", str(binary)],
                               capture_output=True, text=True, check=True).stdout
        for line in sizes.splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[2] in "tTwW":
                start = int(parts[0], 16)
                self.functions[parts[3]] = (start, start + int(parts[1], 16))

    def ranges_of(self, objects: list[Path]) -> list[tuple[int, int]]:
        """The address ranges of the functions the objects define."""
        names = set()
        for obj in objects:
            out = subprocess.run([NM, "--defined-only", str(obj)], capture_output=True,
                                 text=True, check=True).stdout
            names.update(p[2] for p in (line.split() for line in out.splitlines())
                         if len(p) == 3 and p[1] in "tTwW")
        return sorted(self.functions[n] for n in names if n in self.functions)

    def block_end(self, start: int) -> int:
        """The index of the last instruction of the translated block that starts at `start`:
        the first branch, or the last instruction of the page."""
        i = self.index[start]
        while (i < len(self.instructions) - 1 and not self.instructions[i].is_branch()
               and self.instructions[i + 1].address % _PAGE != 0):
            i += 1
        return i

    def innermost_loop(self, address: int, within: tuple[int, int]) -> tuple[int, int]:
        """(first, last) instruction indices of the shortest loop holding `address`: a
        backward branch at `last` to `first`, both inside the function range `within`."""
        best = None
        lo, hi = self.index[within[0]], self.index.get(within[1], len(self.instructions))
        for i in range(lo, hi):
            target = self.instructions[i].target()
            if target is None or target > address or self.instructions[i].address < address:
                continue
            first = self.index.get(target)
            if first is not None and (best is None or i - first < best[1] - best[0]):
                best = (first, i)
        if best is None:
            raise HotLoopError(f"{self.binary.name}: no loop holds the hottest block at "
                               f"{address:#x}")
        return best


@dataclasses.dataclass
class HotLoop:
    function: str
    address: int
    instructions: list[str]
    iterations: int
    coverage: float  # the loop's share of the kernel's executed instructions

    def mca_source(self) -> str:
        body = [_TARGET.sub(".Lloop", text) for text in self.instructions]
        return ".Lloop:\n" + "".join(f"  {line}\n" for line in body)


def trace_counts(program: Program, command: list[str], log: Path, timeout: float = 300) -> Counter:
    """Runs `command` (the program and its arguments) under qemu with its execution traced;
    returns how often each translated block (by its first address) ran."""
    proc = subprocess.run([QEMU, "-cpu", "max", "-d", "exec,nochain", "-D", str(log), *command],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise HotLoopError(f"{' '.join(command)} failed under qemu ({proc.returncode}): "
                           f"{proc.stderr.strip()}")
    counts: Counter = Counter()
    with open(log) as f:
        for line in f:
            match = _TRACE.match(line)
            if match:
                counts[int(match.group(1), 16)] += 1
    log.unlink()
    return counts


def find_hot_loop(program: Program, counts: Counter, ranges: list[tuple[int, int]],
                  expected: tuple[str, ...]) -> HotLoop:
    """The loop around the most-run block inside `ranges` (see the module's steps)."""
    def owner(address):
        return next((r for r in ranges if r[0] <= address < r[1]), None)

    inside = {a: c for a, c in counts.items() if owner(a) and a in program.index}
    if not inside:
        raise HotLoopError(f"{program.binary.name}: the kernel's functions never ran")
    hottest = max(inside, key=inside.get)
    first, last = program.innermost_loop(hottest, owner(hottest))
    head = program.instructions[first].address
    iterations = 0
    executed = 0
    for address, count in inside.items():
        end = program.block_end(address)
        executed += count * (end - program.index[address] + 1)
        if address <= head <= program.instructions[end].address:
            iterations += count
    body = program.instructions[first:last + 1]
    mnemonics = {ins.mnemonic for ins in body}
    if not any(m.startswith(e) for m in mnemonics for e in expected):
        raise HotLoopError(f"{program.binary.name}: the hot loop at {head:#x} holds none of "
                           f"{', '.join(expected)} ({len(body)} instructions: "
                           f"{', '.join(sorted(mnemonics))}); it is not the kernel's inner loop")
    function = next(n for n, r in program.functions.items() if r == owner(hottest))
    return HotLoop(function, head, [ins.text for ins in body], iterations,
                   min(1.0, iterations * len(body) / executed))


def mca_cycles_per_iteration(loop: HotLoop, cpu: str, mattr: str, work: Path,
                             iterations: int = 500) -> float:
    """llvm-mca's steady-state cycles per iteration of the loop on `cpu`."""
    source = work / "loop.s"
    source.write_text(loop.mca_source())
    cmd = [MCA, "-mtriple=aarch64", f"-mcpu={cpu}", f"-iterations={iterations}", str(source)]
    if mattr:
        cmd.insert(2, f"-mattr={mattr}")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise HotLoopError(f"llvm-mca -mcpu={cpu} failed on the loop of {loop.function}: "
                           f"{proc.stderr.strip()[:500]}")
    total = re.search(r"^Total Cycles:\s+(\d+)", proc.stdout, re.MULTILINE)
    return int(total.group(1)) / iterations
