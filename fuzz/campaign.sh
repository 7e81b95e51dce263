#!/usr/bin/env bash
# A long fuzzing campaign, for a developer's machine (not CI): runs harnesses one after another at
# nice 19, each for SECONDS, on a persistent corpus in BUILD/campaign/<harness>/ (seeded from
# fuzz/corpus/<harness>/), and appends one line per run to BUILD/campaign/ledger.tsv: date,
# harness, wall seconds, CPU seconds (user + system, from /usr/bin/time), executions, result.
# Stops at the first crash (the input is in BUILD/campaign/<harness>/artifacts/).
#
#   fuzz/campaign.sh BUILD SECONDS harness...     e.g. fuzz/campaign.sh build-fuzz 1800 request
#   fuzz/campaign.sh --merge BUILD harness...      adds what the campaign corpus covers beyond the
#                                                  seed corpus to fuzz/corpus/<harness>/ (minimised)
#   fuzz/campaign.sh --hours BUILD                 CPU-hours per harness in the ledger
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [[ ${1:-} == --hours ]]; then
    ledger="${2:?BUILD}/campaign/ledger.tsv"
    [[ -f $ledger ]] || { echo "no ledger at $ledger" >&2; exit 2; }
    awk -F'\t' '{cpu[$2] += $4; ex[$2] += $5; all += $4}
        END {for (h in cpu) printf "%-8s %6.2f CPU-h  %12d executions\n", h, cpu[h] / 3600, ex[h];
             printf "total    %6.2f CPU-h\n", all / 3600}' "$ledger"
    exit 0
fi

if [[ ${1:-} == --merge ]]; then
    build=${2:?BUILD}
    shift 2
    for h in "$@"; do
        work="$build/campaign/$h/corpus"
        seed="$here/corpus/$h"
        [[ -d $work ]] || { echo "no campaign corpus for $h" >&2; continue; }
        before=$(ls "$seed" | wc -l)
        # -merge=1 copies into the first directory only the inputs that add coverage to it
        "$build/fuzz_$h" -merge=1 "$seed" "$work" >/dev/null 2>&1
        echo "$h: seed corpus $before -> $(ls "$seed" | wc -l) inputs"
    done
    exit 0
fi

build=${1:?usage: fuzz/campaign.sh BUILD SECONDS harness...}
seconds=${2:?SECONDS}
shift 2
[[ $# -gt 0 ]] || { echo "name at least one harness" >&2; exit 2; }
mkdir -p "$build/campaign"
ledger="$build/campaign/ledger.tsv"
for h in "$@"; do
    bin="$build/fuzz_$h"
    [[ -x $bin ]] || { echo "no $bin (make fuzz-build)" >&2; exit 2; }
    dir="$build/campaign/$h"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp -n "$here/corpus/$h"/* "$dir/corpus/" 2>/dev/null
    log="$dir/$(date +%Y%m%d-%H%M%S).log"
    start=$(date +%s)
    /usr/bin/time -f '%U %S' -o "$dir/time" nice -n 19 "$bin" -max_total_time="$seconds" \
        -timeout=30 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/corpus" \
        >"$log" 2>&1
    rc=$?
    wall=$(($(date +%s) - start))
    cpu=$(awk '{print $1 + $2}' "$dir/time" | tail -1)
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    result=$([[ $rc -eq 0 ]] && echo ok || echo "CRASH (exit $rc): $log")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -Is)" "$h" "$wall" "$cpu" "${execs:-0}" "$result" \
        >>"$ledger"
    echo "fuzz_$h: ${wall}s wall, ${cpu}s CPU, ${execs:-?} executions: $result"
    [[ $rc -eq 0 ]] || exit 1
done
