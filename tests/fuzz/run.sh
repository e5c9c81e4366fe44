#!/bin/sh
# Runs each libFuzzer target for SECONDS (0: only its seeds and saved corpus) and prints one line a target:
# executions, coverage, corpus. Seeds: the shipped scenarios (fuzz_scenario), the sweep files (fuzz_sweep),
# tests/fuzz/set.seeds one input a line (fuzz_set). New inputs go to DIR/corpus/NAME, kept between runs;
# a crash, hang, leak, memory blow-up or sanitizer report leaves the input in DIR/artifacts/ and fails.
# usage: run.sh SECONDS DIR NAME...
set -u
secs=$1; dir=$2; shift 2
here=$(dirname "$0")
failed=""
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for name in "$@"; do
    bin="$dir/$name"
    corpus="$dir/corpus/$name"; seeds="$dir/seeds/$name"; log="$dir/$name.log"
    rm -rf "$seeds"
    mkdir -p "$corpus" "$seeds" "$dir/artifacts"
    case "$name" in
    fuzz_scenario) for f in scenarios/*.json; do
                       case "$f" in *sweep*) ;; *) cp "$f" "$seeds/" ;; esac
                   done ;;
    fuzz_sweep)    cp scenarios/*sweep*.json "$seeds/" 2>/dev/null || true ;;
    fuzz_set)      i=0
                   while IFS= read -r line; do
                       case "$line" in ''|'#'*) continue ;; esac
                       i=$((i + 1)); printf '%s' "$line" | sed 's/\\n/\n/g' > "$seeds/set-$i"
                   done < "$here/set.seeds" ;;
    esac
    if [ "$secs" -gt 0 ]; then limit="-max_total_time=$secs"; else limit="-runs=0"; fi
    start=$(date +%s)
    "$bin" $limit -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -dict="$here/mqsim.dict" \
        -artifact_prefix="$dir/artifacts/$name-" "$corpus" "$seeds" > "$log" 2>&1
    rc=$?
    el=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    cov=$(printf '%s' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s' "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(printf '%s' "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
    if [ "$rc" -eq 0 ]; then
        echo "$name: ok, ${runs:-?} executions in ${el} s, coverage ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?}"
    else
        echo "$name: FAILED (exit $rc) after ${el} s; log $log:" >&2
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written|timeout|out-of-memory|leak' "$log" | head -n 20 >&2
        failed="$failed $name"
    fi
done
[ -z "$failed" ] || { echo "fuzz: failing:$failed" >&2; exit 1; }
