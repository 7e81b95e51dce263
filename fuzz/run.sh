#!/usr/bin/env bash
# Runs each libFuzzer harness for FUZZ_SECONDS on a copy of its seed corpus (make fuzz).
# Usage: fuzz/run.sh BUILD_DIR [harness...]     (default: every fuzz_* binary in BUILD_DIR)
# Environment: FUZZ_SECONDS (60), FUZZ_ARGS (extra libFuzzer flags, e.g. -jobs=2 -workers=2).
# The working corpus and crash artifacts live in BUILD_DIR/fuzz-work/<harness>/, so the seed corpus
# in fuzz/corpus/ is never written to. Exits non-zero when any harness crashed or failed.
set -uo pipefail

build=${1:?usage: fuzz/run.sh BUILD_DIR [harness...]}
shift
seconds=${FUZZ_SECONDS:-60}
here=$(cd "$(dirname "$0")" && pwd)
work="$build/fuzz-work"

if [[ $# -gt 0 ]]; then
    harnesses=("$@")
else
    harnesses=()
    for b in "$build"/fuzz_*; do
        [[ -x "$b" && -f "$b" ]] && harnesses+=("$(basename "$b" | sed 's/^fuzz_//')")
    done
fi
if [[ ${#harnesses[@]} -eq 0 ]]; then
    echo "fuzz: no harness binaries in $build (configure with -DBRISK_FUZZ=ON)" >&2
    exit 2
fi

failed=()
for h in "${harnesses[@]}"; do
    bin="$build/fuzz_$h"
    dir="$work/$h"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    [[ -d "$here/corpus/$h" ]] && cp -n "$here/corpus/$h"/* "$dir/corpus/" 2>/dev/null
    echo "== fuzz_$h: ${seconds}s, corpus $dir/corpus ($(ls "$dir/corpus" | wc -l) inputs)"
    log="$dir/last.log"
    # -timeout: one input taking 30 s is a hang; -print_final_stats: exec/s and coverage at the end.
    "$bin" -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/" ${FUZZ_ARGS:-} "$dir/corpus" 2>&1 |
        tee "$log" | grep --line-buffered -E '^#[0-9]+.*(pulse|DONE|INITED)|INVARIANT|ERROR|runtime error|Test unit written'
    rc=${PIPESTATUS[0]}
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
    execs=$(grep -oE 'average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    if [[ $rc -ne 0 ]]; then
        echo "== fuzz_$h: FAILED (exit $rc) — full log: $log; crash input(s):"
        ls -1 "$dir/artifacts/" | sed "s|^|   $dir/artifacts/|"
        failed+=("$h")
    else
        echo "== fuzz_$h: ok, ${cov:-cov: ?}, ${execs:-?} exec/s"
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: FAILED: ${failed[*]} (reproduce: $build/fuzz_<name> <crash file>)"
    exit 1
fi
echo "fuzz: all ${#harnesses[@]} harnesses ran ${seconds}s without a crash"
