#!/bin/sh
# figure16: the Raft paper's Figure 16 (Ongaro & Ousterhout, USENIX ATC 2014, section 9.3) with mqsim.
# Five servers under "election": "raft"; the leader crashes at a uniform random time within one heartbeat
# interval (half the minimum election timeout); the time from the crash to the next leader is
# failover.elected_ms - crash_ms (compare.csv's broker-a.election_ms). For each crash kind and each of the
# paper's timeout ranges, RUNS seeds; prints one Markdown table row per configuration.
#
#   tests/figure16.sh [RUNS [JOBS]]      (from the repository's top; RUNS 1000, JOBS 2 by default)
#
# MQSIM (default ./mqsim) and OUT (default out/figure16) may be set in the environment; RANGES and OPS
# narrow the grid, e.g. RANGES="150-155 12-24" OPS=crash_host. A run with no leader 30 s after the crash
# (the end of the run) counts under "none in 30 s", not in the figures.
set -e
M=${MQSIM:-./mqsim}
N=${1:-1000}
J=${2:-2}
OUT=${OUT:-out/figure16}
RANGES=${RANGES:-"150-150 150-151 150-155 150-175 150-200 150-300 12-24"}
OPS=${OPS:-"crash_process crash_host"}
S=scenarios/raft_figure16.json

echo "| crash | timeout ms | runs | median ms | mean ms | p90 ms | max ms | over 10 s | none in 30 s |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for op in $OPS; do
    for r in $RANGES; do
        lo=${r%-*}
        hi=${r#*-}
        hb=$((lo / 2))
        d=$OUT/$op-$r
        "$M" compare "$S" --runs "$N" --jobs "$J" --quiet --out "$d" --set "faults[0].op=$op" \
            --set "groups[0].raft_election_timeout_min_ms=$lo" --set "groups[0].raft_election_timeout_max_ms=$hi" \
            --set "groups[0].raft_heartbeat_interval_ms=$hb" \
            --set "faults[0].at_ms={\"dist\": \"uniform\", \"min_ms\": 10000, \"max_ms\": $((10000 + hb))}" >/dev/null
        awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "broker-a.election_ms") c = i; next }
                 c && $c != "" { print $c }' "$d/compare.csv" | sort -g > "$d/election.txt"
        awk -v op="${op#crash_}" -v r="$r" -v runs="$N" '
            { v[NR] = $1; s += $1; if ($1 > 10000) over++ }
            END {
                n = NR
                if (!n) { printf "| %s | %s | %d | - | - | - | - | - | %d |\n", op, r, runs, runs; exit }
                med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
                p90 = v[int(0.9 * n + 0.999999)]
                printf "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %d | %d |\n", op, r, runs, med, s / n, p90, v[n],
                       over, runs - n
            }' "$d/election.txt"
    done
done
