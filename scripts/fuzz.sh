#!/usr/bin/env bash
# Runs every fuzz target (test/fuzz) for a while, one after the other, at the lowest priority.
#
#   scripts/fuzz.sh BUILD SECONDS      (make fuzz FUZZ_SECONDS=N runs it)
#
# Each target starts from the seeds (written by llmc-fuzz-seeds) and the kept corpus
# (test/fuzz/corpus/<target>/) and writes what it finds to $FUZZ_WORK/corpus/<target>/, its log
# to $FUZZ_WORK/logs/<target>.log and any crash to $FUZZ_WORK/crashes/. The kept corpus is left
# alone unless FUZZ_MERGE=1: then each target's inputs that add coverage edges beyond the seeds
# and the kept corpus are added to it (libFuzzer -merge=1 -use_counters=0, which keeps it small).
# FUZZ_TARGETS="blob encode" runs only those.
# Prints executions, coverage and corpus size per target; exits non-zero if any target failed.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD SECONDS" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${FUZZ_WORK:-$build/fuzz-work}
list=$build/test/fuzz/fuzz-targets.txt
if [ ! -f "$list" ]; then
  echo "$0: $list is missing: configure with clang (make configure) and build first" >&2
  exit 2
fi

mkdir -p "$work/corpus" "$work/logs" "$work/crashes"
"$build/bin/llmc-fuzz-seeds" "$work/generated" > /dev/null

failed=0
printf '%-14s %12s %8s %8s %10s %s\n' target executions cov ft corpus result
while read -r name binary max_len; do
  if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $name "* ]]; then
    continue
  fi
  kept=$repo/test/fuzz/corpus/$name
  mkdir -p "$work/corpus/$name" "$kept"
  log=$work/logs/$name.log
  result=clean
  if ! nice -n 19 "$binary" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/crashes/$name-" \
      "$work/corpus/$name" "$work/generated/seeds/$name" "$kept" < /dev/null > "$log" 2>&1; then
    result="FAILED (see $log)"
    failed=1
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    # Merged into a copy of the seeds (named seed-*) and the kept corpus, so that what the seeds
    # cover is not added again; what is new then goes to the kept corpus.
    merged=$work/merged/$name
    rm -rf "$merged" && mkdir -p "$merged"
    for seed in "$work/generated/seeds/$name"/*; do cp "$seed" "$merged/seed-${seed##*/}"; done
    cp -r "$kept"/. "$merged"/
    if nice -n 19 "$binary" -merge=1 -use_counters=0 -max_len="$max_len" -rss_limit_mb=2048 \
        "$merged" "$work/corpus/$name" < /dev/null > "$work/logs/$name-merge.log" 2>&1; then
      rm -f "$merged"/seed-*
      cp -n "$merged"/* "$kept"/ 2>/dev/null || true
    else
      result="FAILED merging (see $work/logs/$name-merge.log)"
      failed=1
    fi
  fi
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$done_line")
  corpus=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<< "$done_line")
  printf '%-14s %12s %8s %8s %10s %s\n' "$name" "${executions:--}" "${cov:--}" "${ft:--}" \
    "${corpus:--}" "$result"
done < "$list"
exit $failed
