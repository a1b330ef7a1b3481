"""A cheap run of `python -m llmc.bench arm-mca`'s loop extraction (llmc/arm_hot_loop.py) on one
kernel, so that a change of compiler, qemu or kernel that breaks it shows in `make test` rather
than when someone next runs the benchmark: arm-dotprod's q4_0 linear, decode, without llama.cpp.
"""

import shutil

import pytest

from llmc import arm_hot_loop, bench_arm_mca

pytestmark = pytest.mark.llmc

TOOLS = (bench_arm_mca.CXX, arm_hot_loop.QEMU, arm_hot_loop.OBJDUMP, arm_hot_loop.NM,
         arm_hot_loop.MCA)


def test_dotprod_q4_0_decode_loop(tmp_path):
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/setup.sh installs them)")
    out, error = bench_arm_mca.compiled_target(tmp_path, "dotprod")
    assert out is not None, error
    assert "q4_0" in bench_arm_mca.table_entries(out, "dotprod")
    binary, flags, objects, _ = bench_arm_mca.build_harness(tmp_path, out, "dotprod", None)
    assert bench_arm_mca.features_of(flags) == {"dotprod"}
    program = arm_hot_loop.Program(binary)
    shape = bench_arm_mca.PATHS["decode"]
    counts = arm_hot_loop.trace_counts(
        program, [str(binary), "llmc", "llmk_dotprod_linear_q4_0_rows",
                  *(str(shape[d]) for d in "mkn")], tmp_path / "trace.log")
    ranges = program.ranges_of(objects)
    loop = arm_hot_loop.find_hot_loop(program, counts, ranges, ("sdot",))
    assert "dotprod_linear_q4_0_rows" in loop.function
    weights_per_iteration = shape["m"] * shape["k"] / loop.iterations
    assert weights_per_iteration % 32 == 0, weights_per_iteration
    assert loop.coverage > 0.8
    cycles = arm_hot_loop.mca_cycles_per_iteration(loop, "cortex-a76", "+dotprod", tmp_path)
    assert 0.5 < cycles * 32 / weights_per_iteration < 50
    # The check that guards against measuring the wrong loop: this kernel has no smmla.
    with pytest.raises(arm_hot_loop.HotLoopError, match="holds none of smmla"):
        arm_hot_loop.find_hot_loop(program, counts, ranges, ("smmla",))
