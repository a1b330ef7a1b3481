"""Splitting the kernels over threads does not change what a model computes.

The x86 targets split each linear's rows, and prefill's tiles, over the runtime's thread pool;
each output element is computed by one thread, in the same order whatever the count, so one,
two and four threads give bit-identical tokens and logits. `make test-tsan` runs these tests
with out/ built under ThreadSanitizer, which then checks the pool and the kernels' shared
buffers for data races as well; `make test-asan` runs them under AddressSanitizer and UBSan.
"""

import numpy as np
import pytest

from conftest import skip_unless_runnable
from llmc import driver

pytestmark = [pytest.mark.llmc, pytest.mark.asan, pytest.mark.tsan]

PROMPT = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315]  # prefill of 12 tokens
STEPS = 24
THREADS = (1, 2, 4)


# Float rows, and two schemes the x86 targets store as panels and run on int8 activations (q4_0
# also interleaves stories260K's gate and up, test_x86_quantized.py).
@pytest.mark.parametrize("scheme", ["f32", "q8_0", "q4_0"])
@pytest.mark.parametrize("target", ["x86-avx2", "x86-avx512"])
def test_thread_count_keeps_logits(workspace, target, scheme):
    skip_unless_runnable(target)
    # The workspace's folder and build, which test_models.py's weights-mode checks share.
    out = workspace.compiled("stories_bin", target, scheme)
    build = workspace.built("stories_bin", target=target, quant=scheme)
    runs = {n: driver.run(build, PROMPT, STEPS, out=out, extra=["--threads", str(n)])
            for n in THREADS}
    ids, logits = runs[1]
    assert len(ids) == STEPS
    for n in THREADS[1:]:
        assert runs[n][0] == ids, f"{n} threads generate other tokens"
        assert np.array_equal(runs[n][1], logits), \
            f"{n} threads: max |diff| {np.abs(runs[n][1] - logits).max()}"
