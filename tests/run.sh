#!/bin/sh
# Runs each Check test binary given as an argument and prints one closing line over all of them.
# CK_DEFAULT_TIMEOUT is raised because sanitizer builds are several times slower.
: "${CK_DEFAULT_TIMEOUT:=120}"
export CK_DEFAULT_TIMEOUT
passed=0; failed=0; bad=""
for t in "$@"; do
    out=$("$t" 2>&1); rc=$?
    # Each result line names its binary: "test_raft: 100%: Checks: 46, Failures: 0, Errors: 0".
    printf '%s\n' "$out" | grep -v '^Running suite' | sed "s|^\([0-9]*%: Checks: \)|$(basename "$t"): \1|"
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
    n=$(printf '%s' "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
    f=$(printf '%s' "$line" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p')
    [ -n "$n" ] || { n=1; f="1 0"; }
    nf=$(( $(echo "$f" | cut -d' ' -f1) + $(echo "$f" | cut -d' ' -f2) ))
    passed=$((passed + n - nf)); failed=$((failed + nf))
    [ "$rc" -ne 0 ] && bad="$bad $(basename "$t")"
done
echo "tests: $passed passed, $failed failed"
[ -z "$bad" ] || { echo "failing:$bad" >&2; exit 1; }
