#!/bin/sh
# Benchmarks with figures (never assertions): the engine's PHOLD beside a bare heap loop making the same
# draws, then the master/slave model over one simulated hour.
set -eu
MQSIM=$1
BARE=$2
echo "== engine: mqsim bench phold (defaults) =="
$MQSIM bench phold
echo "== baseline: bare 4-ary heap loop with the same GSL draws =="
$BARE
e=$($MQSIM bench phold --json | sed -n 's/.*"events_per_s": \([0-9]*\).*/\1/p')
b=$($BARE | sed -n 's/.*wall [0-9.]* s, \([0-9.]*\) million.*/\1/p')
awk -v e="$e" -v b="$b" 'BEGIN { printf "ratio engine/bare: %.2f (%.2f vs %.2f million events/s)\n", e / 1e6 / b, e / 1e6, b }'
echo "== model: scenarios/bench_master_slave.json (10,000 msg/s of 1 KiB, 1 simulated hour) =="
$MQSIM scenarios/bench_master_slave.json --out build/bench_master_slave
