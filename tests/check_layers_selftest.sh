#!/bin/sh
# Shows that tests/check_layers.sh can fail: on copies of the tree with one crossing planted each (a layer
# crossed, a private header used from outside, an include cycle, a file too long, a test file too long), it
# must exit 1.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
fails=0
plant() {   # plant NAME FILE LINE: inserts LINE after the first line of FILE in a copy; expects a failure
    t=$(mktemp -d)
    cp -r "$here/sim" "$here/models" "$t/"
    sed -i "1a $3" "$t/$2"
    if MAX_LINES=100000 sh "$here/tests/check_layers.sh" "$t" > "$t/out" 2>&1; then
        echo "check-layers self-test: $1 was not caught"
        fails=1
    fi
    rm -rf "$t"
}
plant "engine including the model" sim/heap.c '#include "models/report/report.h"'
plant "client including broker internals" models/client/producer.c '#include "models/broker/broker_int.h"'
plant "a cycle between units" models/remoting/protocol.h '#include "models/remoting/rpc.h"'
t=$(mktemp -d); cp -r "$here/sim" "$here/models" "$t/"
if MAX_LINES=10 sh "$here/tests/check_layers.sh" "$t" > /dev/null 2>&1; then echo "check-layers self-test: a long file was not caught"; fails=1; fi
rm -rf "$t"
t=$(mktemp -d); cp -r "$here/sim" "$here/models" "$t/"; mkdir "$t/tests"
seq 1 701 | sed 's|.*|/* & */|' > "$t/tests/test_long.c"
if MAX_LINES=700 sh "$here/tests/check_layers.sh" "$t" > /dev/null 2>&1; then echo "check-layers self-test: a long test file was not caught"; fails=1; fi
rm -rf "$t"
[ "$fails" = 0 ] && echo "check-layers self-test: every planted crossing caught"
exit "$fails"
