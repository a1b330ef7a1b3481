#!/usr/bin/env bash
# run-on-device.sh - the ARM targets' checks on a real AArch64 Linux machine, natively (no qemu):
# what `make test` runs under qemu-aarch64 with a CPU model per target, here on the machine's own
# cores (Raspberry Pi 5, RK3588, Graviton, ...), where speed, big.LITTLE cores and memory
# bandwidth are real (docs/targets.md, "What qemu and llvm-mca cannot show").
#
#   test/arm/run-on-device.sh [--dry-run] [--speed] [--build DIR] [--jobs N]
#
# It builds llmc (make build: scripts/setup.sh installs what is missing), then runs
#   - the ARM kernel unit tests (ctest -R llmc_kernels_arm), built with the host's compiler;
#   - the lit tests of the ARM kernel files (test/Targets/arm);
#   - the end-to-end ARM tests (test/e2e/test_arm.py): logits against transformers and the
#     generic target, greedy text, and arm-i8mm's refusal to start without i8mm;
# and prints which targets ran and which were skipped because this CPU lacks their features
# (test/Targets/arm/qemu-cpus.txt: the features each target needs; the tests skip the same
# way). --speed then measures decode and prompt tokens/s of the targets that ran against
# llama.cpp (python -m llmc.bench speed; needs llama-cpp-python, docs/performance.md) and prints
# the core clusters for llmc's --cores.
#
# --dry-run prints the commands instead of running them, on any machine; LLMC_CPU_FEATURES
# ("asimd asimddp") stands in for /proc/cpuinfo's Features, to see which targets a CPU would run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
dry_run=0 speed=0 build=build jobs=$(nproc)
python=${PYTHON:-${LLMC_VENV:-${HOME:-}/.cache/llmc/venv}/bin/python}  # as the Makefile's
lit=/usr/lib/llvm-19/build/utils/lit/lit.py

usage() {
  sed -n '7p' "$0" | sed 's/^# *//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry_run=1 ;;
    --speed) speed=1 ;;
    --build) [ $# -ge 2 ] || usage; build=$2; shift ;;
    --jobs) [ $# -ge 2 ] || usage; jobs=$2; shift ;;
    *) echo "run-on-device.sh: unknown option $1" >&2; usage ;;
  esac
  shift
done

if [ "$dry_run" = 0 ] && [ "$(uname -m)" != aarch64 ]; then
  echo "run-on-device.sh: this is not an AArch64 machine (uname -m: $(uname -m)); the ARM" \
    "checks run here under qemu in make test, and --dry-run prints this script's commands" >&2
  exit 2
fi

# The CPU's features as Linux names them (the "Features" line of /proc/cpuinfo on AArch64).
if [ -n "${LLMC_CPU_FEATURES:-}" ]; then
  cpu_features=$LLMC_CPU_FEATURES
else
  cpu_features=$(grep -m1 '^Features' /proc/cpuinfo 2>/dev/null | cut -d: -f2 || true)
fi

has_feature() {
  case " $cpu_features " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# Each ARM target: runs here, or the features it needs that this CPU lacks.
ran=() skipped=()
while read -r target _cpu features; do
  case $target in ''|'#'*) continue ;; esac
  lacking=
  for feature in $features; do
    has_feature "$feature" || lacking="$lacking $feature"
  done
  if [ -z "$lacking" ]; then
    ran+=("$target")
  else
    skipped+=("$target (this CPU lacks:$lacking)")
  fi
done < "$repo/test/Targets/arm/qemu-cpus.txt"

failed=()
step() {  # step NAME COMMAND...: runs (or prints) the command, remembering a failure
  local name=$1
  shift
  printf '+'
  printf ' %q' "$@"
  echo
  [ "$dry_run" = 1 ] && return 0
  "$@" || failed+=("$name")
}

cd "$repo"
step build make build BUILD="$build" JOBS="$jobs"
if [ "$dry_run" = 0 ] && [ ${#failed[@]} -gt 0 ]; then
  echo "run-on-device.sh: the build failed; nothing was tested" >&2
  exit 1
fi
step "kernel unit tests" ctest --test-dir "$build" --output-on-failure -R '^llmc_kernels_arm_'
step "lit tests" "$python" "$lit" -sv "$build/test" --filter 'Targets/arm'
step "end-to-end tests" env LLMC_REQUIRE_BUILD=1 LLMC_BIN="$repo/$build/bin/llmc" \
  LLMC_QUANT_TOOL="$repo/$build/bin/llmc-quant-tool" PYTHONPATH=python \
  "$python" -m pytest -q -rs test/e2e/test_arm.py

if [ "$speed" = 1 ]; then
  # The clusters of unequal cores, fastest first, as counts of their maximum clock in GHz.
  cores=$(cat /sys/devices/system/cpu/cpu[0-9]*/cpufreq/cpuinfo_max_freq 2>/dev/null |
    sort -rn | uniq -c | awk '{printf "%s%dx%.1f", (NR > 1 ? "," : ""), $1, $2 / 1e6}' || true)
  echo "cores (count x max GHz): ${cores:-unknown (no cpufreq)}"
  if [ ${#ran[@]} -gt 0 ]; then
    targets=$(IFS=,; echo "${ran[*]}")
    step speed env PYTHONPATH=python LLMC_BIN="$repo/$build/bin/llmc" "$python" -m llmc.bench \
      speed --work "$build/bench" --targets "$targets" --schemes q8_0,q4_0 \
      --threads "1,$(nproc)"
  fi
fi

echo
echo "CPU features: ${cpu_features:-none found}"
echo "ran natively: ${ran[*]:-none}"
for s in "${skipped[@]+"${skipped[@]}"}"; do echo "skipped: $s"; done
if [ "$dry_run" = 1 ]; then
  echo "(dry run: nothing was built or run)"
elif [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
