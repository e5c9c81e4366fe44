#!/bin/sh
# check_layers: fails (exit 1) when the code crosses a layer of the README's layout or includes in a cycle.
#   1. Each folder includes only the folders its layer allows (the table below, as README "Layout" states it).
#   2. A folder's private headers (*_int.h) are included from that folder only; other components reach
#      models/world only through cluster.h and models/broker only through broker.h / broker_cfg.h.
#   3. No include cycle between the files: x.c and x.h are one unit, and the units' include graph is a DAG
#      (tsort finds any loop).
#   4. No source file over MAX_LINES lines, in sim/ and models/ and in tests/ (its *.c and *.h).
# Usage: sh tests/check_layers.sh [ROOT]
set -u
root=${1:-.}
cd "$root" || exit 2
MAX_LINES=${MAX_LINES:-700}

# folder: the folders it may include from besides its own
allowed() {
    case "$1" in
    sim) echo "" ;;
    sim/lab) echo "sim" ;;
    models/remoting) echo "sim" ;;
    models/store) echo "sim models/remoting" ;;
    models/report) echo "sim models/remoting" ;;
    models/dledger) echo "sim models/remoting models/store models/report" ;;
    models/namesrv) echo "sim models/remoting models/report models/world" ;;
    models/controller) echo "sim models/remoting models/store models/dledger models/report models/world" ;;
    models/broker) echo "sim models/remoting models/store models/dledger models/report models/namesrv models/world models/controller" ;;
    models/client) echo "sim models/remoting models/report models/namesrv models/world" ;;
    models/ops) echo "sim models/remoting models/report models/broker models/world" ;;
    models/world) echo "sim sim/lab models/remoting models/store models/report models/dledger models/namesrv models/broker models/client models/ops models/controller" ;;
    models/phold) echo "sim sim/lab" ;;
    models/cmd) echo "sim sim/lab models/world models/phold models/report models/remoting" ;;
    *) echo "?" ;;
    esac
}

# too_long FILE: FILE over MAX_LINES lines fails the check.
too_long() {
    n=$(wc -l < "$1")
    if [ "$n" -gt "$MAX_LINES" ]; then
        echo "check-layers: $1 has $n lines (at most $MAX_LINES: split it by concern)"
        bad=1
    fi
}

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
bad=0
files=$(find sim models -name '*.[ch]' | LC_ALL=C sort)
for f in $files; do
    dir=${f%/*}
    ok=$(allowed "$dir")
    if [ "$ok" = "?" ]; then
        echo "check-layers: $f: folder $dir has no layer (add it to tests/check_layers.sh and the README's layout)"
        bad=1
        continue
    fi
    unit=${f%.*}
    for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        [ -f "$h" ] || continue
        hdir=${h%/*}
        hunit=${h%.*}
        [ "$hunit" != "$unit" ] && echo "$unit $hunit" >> "$edges"
        [ "$hdir" = "$dir" ] && continue
        case " $ok " in
        *" $hdir "*) ;;
        *) echo "check-layers: $f includes $h: $dir may not include from $hdir"; bad=1; continue ;;
        esac
        case "$h" in
        *_int.h) echo "check-layers: $f includes $h, private to $hdir"; bad=1 ;;
        models/world/*) [ "$h" = models/world/cluster.h ] || [ "$dir" = models/cmd ] ||
            { echo "check-layers: $f includes $h: components see the world through cluster.h only"; bad=1; } ;;
        models/broker/*) case "$h" in models/broker/broker.h|models/broker/broker_cfg.h) ;;
            *) echo "check-layers: $f includes $h: other components see the broker through broker.h only"; bad=1 ;;
            esac ;;
        esac
    done
    too_long "$f"
done
# The tests obey the same length rule (tests/*.c and tests/*.h; not tests/fuzz).
tests=$(find tests -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort)
for f in $tests; do
    too_long "$f"
done
# A unit with no edges still appears, so tsort sees every file.
for f in $files; do u=${f%.*}; echo "$u $u"; done >> "$edges"
if ! tsort "$edges" > /dev/null 2> "$edges.err"; then
    echo "check-layers: include cycle:"
    sed 's/^tsort: /  /' "$edges.err"
    bad=1
fi
rm -f "$edges.err"
[ "$bad" = 0 ] && echo "check-layers: $(echo "$files" | wc -l) files, layers and include graph clean"
exit "$bad"
