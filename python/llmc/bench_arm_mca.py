"""`python -m llmc.bench arm-mca`: the ARM targets' q4_0 and q8_0 linear kernels against
llama.cpp's NEON / dotprod / i8mm kernels, in llvm-mca cycles per 32 weights (per token), on
CPU models of the cores people run them on, without ARM hardware; and the decode roofline of a
TinyLlama-1.1B on a Raspberry Pi 5. See docs/performance.md (ARM targets).

llmc's kernels are those of the compiled output: stories260K compiled for each ARM target, its
kernel files built with the -march of its CMakeLists.txt; the entries measured are the
quantized linears of its kernel table whose storage is q4_0 or q8_0 (or a layout of them:
q4_0x4, ...), so the table measures what the targets emit today and lists what they lack.
llama.cpp's are ggml-cpu's arch/arm quants.c and repack.cpp from the llama-cpp-python source
package (pip download, cached), built by the same clang++ with the same -O3 and -march; the
kernel beside each of llmc's is the one llama.cpp runs in the same case: for a packed layout,
the kernel of the weights llama.cpp repacks on such a CPU (repack.cpp's
ggml_repack_get_optimal_repack_type: 4x8 with i8mm, 4x4 with the dot product); for weights in
rows, quants.c's vec_dot, which it runs on a weight it does not repack. How a loop is found and
measured: llmc/arm_hot_loop.py.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from llmc import arm_hot_loop, driver
from llmc.bench_common import TINYLLAMA, hf_tensor_shapes

LLAMA_CPP_PYTHON = "llama_cpp_python==0.3.36"
SDIST_CACHE = Path.home() / ".cache" / "llmc" / "sdist"
CXX = "clang++-19"
CC = "clang-19"
TRIPLE = "aarch64-linux-gnu"
OPT = ["-O3", "-DNDEBUG"]  # CMake's Release, as out/ and llama.cpp's wheels build

ISAS = ("neon", "dotprod", "i8mm")
SCHEMES = ("q4_0", "q8_0")
# The work of one call: decode is one token against 256 rows, a prompt 16 tokens (one prefill
# call at llmc's default --prefill-tokens) against 64 rows; k = TinyLlama's hidden size.
PATHS = {"decode": dict(m=256, k=2048, n=1), "prompt": dict(m=64, k=2048, n=16)}
# CPU models and the features (beyond armv8-a) each has. Cortex-A76: Raspberry Pi 5, RK3588's
# big cores; Cortex-A55: RK3588's and phones' little cores; Neoverse-N1: Graviton 2, Ampere Altra.
# Those three lack i8mm; Neoverse-N2 (Cortex-A710's server twin) and Cortex-A510 (the little
# core beside an A710) have it, and stand in for the cores arm-i8mm is for.
CPU_FEATURES = {"cortex-a76": {"dotprod"}, "cortex-a55": {"dotprod"},
                "neoverse-n1": {"dotprod"}, "neoverse-n2": {"dotprod", "i8mm"},
                "cortex-a510": {"dotprod", "i8mm"}}
# Instructions the inner loop of each ISA's kernels must hold (arm_hot_loop step 5).
EXPECTED = {"neon": ("smull", "smlal", "sadalp"), "dotprod": ("sdot",),
            "i8mm": ("sdot", "smmla")}
# llama.cpp's kernel for (ISA, path) on a weight it repacks, {t} the weight type.
LLAMA_CPP_KERNELS = {
    ("neon", "decode"): "ggml_vec_dot_{t}_q8_0", ("neon", "prompt"): "ggml_vec_dot_{t}_q8_0",
    ("dotprod", "decode"): "ggml_gemv_{t}_4x4_q8_0",
    ("dotprod", "prompt"): "ggml_gemm_{t}_4x4_q8_0",
    ("i8mm", "decode"): "ggml_gemv_{t}_4x8_q8_0", ("i8mm", "prompt"): "ggml_gemm_{t}_4x8_q8_0",
}
HARNESS = Path(__file__).with_name("bench_arm_mca_harness.cpp")


def llama_cpp_kernel(isa: str, path: str, scheme: str, storage: str) -> str:
    """llama.cpp's kernel for what llmc's kernel of `storage` does: a weight in one of llmc's
    packed layouts against llama.cpp's repacked kernel for the ISA (gemv / gemm); a weight in
    rows (llmc's fallback: rows that fill no whole group, or --pack-weights=false) against the
    kernel llama.cpp runs on a weight it does not repack (quants.c's vec_dot, one row and token
    at a time, built with the same -march)."""
    if storage == scheme:
        return f"ggml_vec_dot_{scheme}_q8_0"
    return LLAMA_CPP_KERNELS[(isa, path)].format(t=scheme)
_ENTRY = re.compile(r"^\s*LLMK_LINEAR_QUANT\(\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*\)", re.MULTILINE)
_KERNEL_FLAGS = re.compile(
    r"set_source_files_properties\((kernels_arm_\w+\.cpp)\s+PROPERTIES\s+"
    r'COMPILE_OPTIONS\s+"([^"]*)"')


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        sys.exit(f"arm-mca: {' '.join(map(str, cmd))} failed:\n{proc.stderr.strip()[-2000:]}")
    return proc


# ---- sources ---------------------------------------------------------------------------------

def llama_cpp_ggml(work: Path) -> Path:
    """llama.cpp's ggml folder from the llama-cpp-python source package, downloaded once into
    ~/.cache/llmc/sdist and unpacked into WORK."""
    name = LLAMA_CPP_PYTHON.replace("==", "-")
    archive = SDIST_CACHE / f"{name}.tar.gz"
    if not archive.is_file():
        SDIST_CACHE.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
             "--dest", str(SDIST_CACHE), LLAMA_CPP_PYTHON])
    ggml = work / name / "vendor" / "llama.cpp" / "ggml"
    if not (ggml / "src" / "ggml-cpu" / "arch" / "arm" / "repack.cpp").is_file():
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers()
                       if m.name.startswith(f"{name}/vendor/llama.cpp/ggml/")]
            tar.extractall(work, members=members, filter="data")
    return ggml


def compiled_target(work: Path, isa: str) -> tuple[Path | None, str]:
    """stories260K compiled for arm-ISA: (out/, "") or (None, llmc's error)."""
    stories = driver.REPO_ROOT / "models" / "stories260K"
    out = work / f"out-{isa}"
    proc = subprocess.run([str(driver.llmc_binary()), "compile", str(stories / "stories260K.bin"),
                           "--tokenizer", str(stories / "tok512.bin"), "--target", f"arm-{isa}",
                           "--quant", "q4_0", "-o", str(out), "--quiet"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None, (proc.stderr.strip().splitlines() or ["failed"])[-1]
    return out, ""


def kernel_flags(out: Path) -> dict[str, list[str]]:
    """Every kernel file of out/ and the options its CMakeLists.txt adds for it (the ARM
    ones' -march; none for the generic twins, which an ARM entry may call)."""
    text = (out / "CMakeLists.txt").read_text()
    options = {name: flags.split() for name, flags in _KERNEL_FLAGS.findall(text)}
    return {f.name: options.get(f.name, []) for f in sorted(out.glob("kernels_*.cpp"))}


def table_entries(out: Path, isa: str) -> list[str]:
    """The quantized linear entries of the target's kernel table, by storage."""
    table = (out / f"kernels_arm_{isa}.def").read_text()
    table = re.sub(r"//[^\n]*", "", table)
    return [storage for _, storage, _ in _ENTRY.findall(table)]


def features_of(flags: list[str]) -> set[str]:
    march = next((f.split("=", 1)[1] for f in flags if f.startswith("-march=")), "")
    return set(march.split("+")[1:])


# ---- building the harness --------------------------------------------------------------------

def build_harness(work: Path, out: Path, isa: str,
                  ggml: Path | None) -> tuple[Path, list, list, list]:
    """The harness for one ISA, linked statically with the target's kernel files and llama.cpp's
    ARM kernels (none where `ggml` is None), all built with the ISA's flags. Returns (binary,
    its -march flags, llmc objects, llama.cpp objects)."""
    build = work / f"harness-{isa}"
    build.mkdir(parents=True, exist_ok=True)
    flags = kernel_flags(out)
    own = flags.get(f"kernels_arm_{isa}.cpp")
    if not own:
        sys.exit(f"arm-mca: {out}/CMakeLists.txt sets no options for kernels_arm_{isa}.cpp")
    base = [f"--target={TRIPLE}", *OPT]
    llmc_objects = []
    for name, options in sorted(flags.items()):
        obj = build / (name + ".o")
        run([CXX, *base, "-std=c++17", *options, f"-I{out}", "-c", str(out / name), "-o", str(obj)])
        llmc_objects.append(obj)
    harness = build / "harness.o"
    run([CXX, *base, "-std=c++17", *own, f"-I{out}",
         f'-DLLMC_ARM_ISA_HEADER="kernels_arm_{isa}.h"',
         f'-DLLMC_ARM_ISA_TABLE="kernels_arm_{isa}.def"', "-c", str(HARNESS), "-o", str(harness)])
    ggml_objects = []
    if ggml is not None:
        include = [f"-I{ggml / d}" for d in ("include", "src", "src/ggml-cpu")]
        arm = ggml / "src" / "ggml-cpu" / "arch" / "arm"
        ggml_objects = [build / "quants.o", build / "repack.o"]
        run([CC, *base, *own, *include, "-c", str(arm / "quants.c"), "-o", str(ggml_objects[0])])
        run([CXX, *base, "-std=c++17", *own, *include, "-c", str(arm / "repack.cpp"), "-o",
             str(ggml_objects[1])])
    binary = build / "harness"
    # What the objects leave undefined (the rest of ggml: its CPU feature queries and generic
    # fallbacks; llama.cpp's kernels where they are left out) is never reached on these paths,
    # so it need not link.
    run([CXX, f"--target={TRIPLE}", "-static", str(harness), *map(str, llmc_objects),
         *map(str, ggml_objects), "-Wl,--unresolved-symbols=ignore-all", "-o", str(binary)])
    return binary, own, llmc_objects, ggml_objects


# ---- measuring -------------------------------------------------------------------------------

@dataclasses.dataclass
class Harness:
    """One ISA's harness program and where its kernels' loops are measured."""
    binary: Path
    program: arm_hot_loop.Program
    objects: dict  # "llmc" / "ggml": the objects whose functions hold that kind's loops
    cpus: list  # llvm-mca CPU models
    mattr: str  # the ISA's features for llvm-mca ("+dotprod,+i8mm")
    work: Path

    def measure(self, kind: str, name: str, path: str, expected: tuple) -> dict:
        """A kernel's hot loop and its cycles per 32 weights per token on each CPU; where the
        loop cannot be found or measured, {"kernel", "error"}."""
        try:
            return self._measure(kind, name, path, expected)
        except arm_hot_loop.HotLoopError as e:
            return {"kernel": name, "error": str(e), "cycles_per_32": {}}

    def _measure(self, kind, name, path, expected) -> dict:
        shape = PATHS[path]
        counts = arm_hot_loop.trace_counts(
            self.program, [str(self.binary), kind, name, *(str(shape[d]) for d in "mkn")],
            self.work / "trace.log")
        loop = arm_hot_loop.find_hot_loop(self.program, counts,
                                          self.program.ranges_of(self.objects[kind]), expected)
        work_units = shape["m"] * shape["k"] * shape["n"] / 32  # 32-weight blocks x tokens
        result = {"kernel": name, "function": loop.function, "loop_address": hex(loop.address),
                  "loop_instructions": len(loop.instructions), "iterations": loop.iterations,
                  "coverage": round(loop.coverage, 3),
                  "weights_x_tokens_per_iteration": round(32 * work_units / loop.iterations, 1),
                  "loop": loop.instructions, "cycles_per_32": {}}
        for cpu in self.cpus:
            cycles = arm_hot_loop.mca_cycles_per_iteration(loop, cpu, self.mattr, self.work)
            result["cycles_per_32"][cpu] = round(cycles * loop.iterations / work_units, 3)
        return result


def measure_isa(work: Path, isa: str, ggml: Path, cpus: list[str], result: dict) -> None:
    out, error = compiled_target(work, isa)
    if out is None:
        result["missing"].append(f"arm-{isa}: {error}")
        return
    binary, flags, llmc_objects, ggml_objects = build_harness(work, out, isa, ggml)
    result["flags"][isa] = " ".join([f"--target={TRIPLE}", *OPT, *flags])
    features = features_of(flags)
    mattr = ",".join("+" + f for f in sorted(features))
    # An ISA's rows on the CPUs that have its features; the i8mm cores for arm-i8mm only (their
    # arm-neon and arm-dotprod rows would repeat what the cores without it show).
    isa_cpus = [c for c in cpus if features <= CPU_FEATURES[c]
                and ("i8mm" in features) == ("i8mm" in CPU_FEATURES[c])]
    harness = Harness(binary, arm_hot_loop.Program(binary),
                      {"llmc": llmc_objects, "ggml": ggml_objects}, isa_cpus, mattr, work)
    entries = table_entries(out, isa)
    for scheme in SCHEMES:
        # The scheme's rows, or a layout of them named after it (q4_0x4, q4_0_p8; not q4_01).
        mine = [s for s in entries
                if s == scheme or (s.startswith(scheme) and not s[len(scheme)].isdigit())]
        if not mine:
            result["missing"].append(f"arm-{isa}: no {scheme} linear in kernels_arm_{isa}.def")
        # A row per llmc kernel, beside llama.cpp's kernel for the same case.
        for path in PATHS:
            for storage in mine or [scheme]:
                ggml_name = llama_cpp_kernel(isa, path, scheme, storage)
                row = {"isa": isa, "scheme": scheme, "path": path, "cpus": isa_cpus,
                       "llama_cpp": harness.measure("ggml", ggml_name, path, EXPECTED[isa]),
                       "llmc": [harness.measure("llmc", f"llmk_{isa}_linear_{storage}_rows",
                                                path, EXPECTED[isa])] if mine else []}
                result["rows"].append(row)


# ---- the roofline ----------------------------------------------------------------------------

BLOCK_BYTES = {"q4_0": 18, "q8_0": 34}  # bytes per 32 weights (runtime/quant_format.h)


def is_embedding(name: str) -> bool:
    return name.endswith("embed_tokens.weight")


def matrix_weights(config: dict = TINYLLAMA) -> int:
    """The weights of the matrices a decode token reads whole: all but the embedding table."""
    return sum(s[0] * s[1] for n, s in hf_tensor_shapes(config)
               if len(s) == 2 and not is_embedding(n))


def decode_weight_bytes(scheme: str, config: dict = TINYLLAMA) -> int:
    """Bytes of weights one decode token reads: the matrices in `scheme`, one f32 row of the
    embedding table and the f32 norms."""
    vectors = sum(s[-1] * 4 for n, s in hf_tensor_shapes(config) if len(s) == 1 or is_embedding(n))
    return matrix_weights(config) // 32 * BLOCK_BYTES[scheme] + vectors


def roofline(result: dict, bandwidth: float, ghz: float, cores: int) -> list[dict]:
    """For the Raspberry Pi 5 (Cortex-A76): tokens/s bounded by memory and by each engine's
    decode loop on all cores (the loop alone, every load an L1 hit)."""
    blocks = matrix_weights() / 32
    lines = []
    for scheme in SCHEMES:
        bytes_per_token = decode_weight_bytes(scheme)
        line = {"scheme": scheme, "bytes_per_token": bytes_per_token,
                "memory_bound_tok_s": round(bandwidth / bytes_per_token, 1)}
        for row in result["rows"]:
            if (row["scheme"], row["path"], row["isa"]) != (scheme, "decode", "dotprod"):
                continue
            cpu = "cortex-a76"
            engines = {f"llama.cpp {row['llama_cpp']['kernel']}": row["llama_cpp"]}
            engines.update({m["kernel"]: m for m in row["llmc"]})
            for label, m in engines.items():
                cycles = m["cycles_per_32"].get(cpu)
                if cycles:
                    line[f"compute_bound_tok_s {label}"] = round(
                        ghz * 1e9 * cores / (cycles * blocks), 1)
        lines.append(line)
    return lines


# ---- output ----------------------------------------------------------------------------------

def markdown(result: dict) -> str:
    lines = ["| type | path | CPU | ISA | llmc kernel | llmc cycles/32 w | llama.cpp kernel | "
             "llama.cpp cycles/32 w | ratio llama.cpp / llmc |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in result["rows"]:
        ref = row["llama_cpp"]
        for cpu in row["cpus"]:
            mine = row["llmc"] or [None]
            for m in mine:
                ours = m["cycles_per_32"].get(cpu) if m else None
                theirs = ref["cycles_per_32"].get(cpu)
                ours_text = ours if ours else ("error" if m else "-")
                lines.append(
                    f"| {row['scheme']} | {row['path']} | {cpu} | arm-{row['isa']} | "
                    f"{m['kernel'] if m else 'missing'} | {ours_text} | "
                    f"{ref['kernel']} | {theirs if theirs else 'error'} | "
                    f"{f'{theirs / ours:.2f}' if ours and theirs else '-'} |")
    return "\n".join(lines) + "\n"


def roofline_text(result: dict) -> str:
    r = result["roofline"]
    head = (f"Decode roofline, TinyLlama-1.1B on a Raspberry Pi 5 ({r['bandwidth_gb_s']} GB/s, "
            f"{r['cores']} Cortex-A76 at {r['ghz']} GHz; compute bound: the arm-dotprod decode "
            "loop on every core, loads from L1):")
    lines = [head]
    for line in r["lines"]:
        compute = ", ".join(f"{k.split(' ', 1)[1]} {v}" for k, v in line.items()
                            if k.startswith("compute_bound"))
        lines.append(f"- {line['scheme']}: {line['bytes_per_token'] / 1e6:.1f} MB of weights per "
                     f"token -> at most {line['memory_bound_tok_s']} tok/s from memory; "
                     f"compute bound (tok/s): {compute or 'not measured'}")
    return "\n".join(lines) + "\n"


def add_parser(sub) -> None:
    p = sub.add_parser("arm-mca", help="ARM kernels' inner loops in llvm-mca cycles per 32 "
                       "weights, llmc vs llama.cpp, and the Raspberry Pi 5 decode roofline")
    p.add_argument("--work", default="build/bench/arm-mca", help="builds, traces, results")
    p.add_argument("--isas", default=",".join(ISAS), help="arm-ISA targets to measure")
    p.add_argument("--cpus", default=",".join(CPU_FEATURES),
                   help=f"llvm-mca CPU models, of: {', '.join(CPU_FEATURES)}")
    p.add_argument("--bandwidth", type=float, default=11.0, help="GB/s (Raspberry Pi 5: ~11)")
    p.add_argument("--ghz", type=float, default=2.4)
    p.add_argument("--cores", type=int, default=4)


def run_command(args) -> int:
    started = time.time()
    for tool in (CXX, CC, arm_hot_loop.QEMU, arm_hot_loop.OBJDUMP, arm_hot_loop.NM,
                 arm_hot_loop.MCA):
        if shutil.which(tool) is None:
            sys.exit(f"arm-mca: {tool} not found (scripts/setup.sh installs LLVM 19 and "
                     "qemu-user-static)")
    if not driver.have_llmc():
        sys.exit(f"arm-mca: no llmc at {driver.llmc_binary()} (make build, or set LLMC_BIN)")
    cpus = [c for c in args.cpus.split(",") if c]
    unknown = [c for c in cpus if c not in CPU_FEATURES]
    if unknown:
        sys.exit(f"arm-mca: unknown CPU model {', '.join(unknown)} (known: "
                 f"{', '.join(CPU_FEATURES)})")
    isas = [i for i in args.isas.split(",") if i]
    if not set(isas) <= set(ISAS):
        sys.exit(f"arm-mca: --isas takes {', '.join(ISAS)} (the llama.cpp kernels to compare "
                 "with are known for those)")
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    ggml = llama_cpp_ggml(work)
    clang = run([CXX, "--version"]).stdout.splitlines()[0]
    result = {"compiler": f"{clang}, --target={TRIPLE}", "llama_cpp": LLAMA_CPP_PYTHON,
              "paths": PATHS, "flags": {}, "rows": [], "missing": []}
    for isa in isas:
        measure_isa(work, isa, ggml, cpus, result)
    result["roofline"] = {"bandwidth_gb_s": args.bandwidth, "ghz": args.ghz,
                          "cores": args.cores,
                          "lines": roofline(result, args.bandwidth * 1e9, args.ghz, args.cores)}
    result["seconds"] = round(time.time() - started, 1)
    (work / "arm-mca.json").write_text(json.dumps(result, indent=2))
    table = markdown(result)
    (work / "arm-mca.md").write_text(table)
    print(f"compiler: {result['compiler']}; llama.cpp from {LLAMA_CPP_PYTHON}")
    for isa, flags in result["flags"].items():
        print(f"arm-{isa}: {flags}")
    print(table)
    print(roofline_text(result))
    for line in result["missing"]:
        print("missing:", line)
    measured = [(r, m) for r in result["rows"] for m in [r["llama_cpp"], *r["llmc"]]]
    for r, m in measured:
        if "error" in m:
            print(f"error: arm-{r['isa']} {r['scheme']} {r['path']} {m['kernel']}: {m['error']}")
    low = [(r["isa"], r["scheme"], r["path"], m["kernel"], m["coverage"]) for r, m in measured
           if m.get("coverage", 1) < 0.8]
    for isa, scheme, path, kernel, coverage in low:
        print(f"note: arm-{isa} {scheme} {path}: {kernel}'s hot loop is {coverage:.0%} of its "
              "executed instructions; the rest is not in the figure")
    print(f"wrote {work / 'arm-mca.json'} and {work / 'arm-mca.md'} in {result['seconds']} s")
    return 0
