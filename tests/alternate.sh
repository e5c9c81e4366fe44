#!/bin/sh
# alternate.sh N 'COMMAND_A' 'COMMAND_B': runs A and B in turn, N times each (A B A B ...), prints each
# run's CPU seconds (user + system of the whole process, /usr/bin/time) and the median of the ratios A/B
# taken pair by pair: on a shared machine the ratio of two neighbouring runs drifts less than either time.
# The README's side-by-side figures (Benchmarks) were measured this way. Commands are run by sh -c with
# their output discarded; give each its own --out.
set -eu
if [ $# -ne 3 ]; then
    echo "usage: sh tests/alternate.sh N 'COMMAND_A' 'COMMAND_B'" >&2
    exit 2
fi
n=$1
a=$2
b=$3
cpu() {
    /usr/bin/time -f '%U %S' sh -c "$1 >/dev/null 2>&1" 2>&1 | tail -1 | awk '{ printf "%.2f", $1 + $2 }'
}
ratios=""
i=1
while [ "$i" -le "$n" ]; do
    ta=$(cpu "$a")
    tb=$(cpu "$b")
    r=$(awk -v x="$ta" -v y="$tb" 'BEGIN { printf "%.3f", (y > 0 ? x / y : 0) }')
    echo "pair $i: A $ta s, B $tb s, A/B $r"
    ratios="$ratios $r"
    i=$((i + 1))
done
echo "$ratios" | tr ' ' '\n' | grep . | sort -n |
    awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                              printf "A/B cpu: median %.3f (min %.3f, max %.3f, %d pairs)\n", m, v[1], v[NR], NR }'
