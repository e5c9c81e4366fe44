#!/bin/sh
# html_check: loads each index.html in headless Chromium (Debian's chromium), takes a screenshot and fails when
# the browser reports anything on the page's console (a script, a blocked load: the page's Content-Security-
# Policy forbids every network access, so one shows there), when no screenshot comes, or when the DOM it built
# lacks the page's heading or end or has fewer inline figures than the file.
# Usage: sh tests/html_check.sh [--screenshot OUT.png] [--size W,H] PAGE.html...   (the screenshot: of the first)
# Exit: 0 every page fine; 1 a page failed (the reason on stderr); 2 usage or no Chromium.
set -u
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
shot=""
size="1200,2000"
while [ $# -gt 0 ]; do
    case "$1" in
    --screenshot) shot=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: sh tests/html_check.sh [--screenshot OUT.png] [--size W,H] PAGE.html..." >&2; exit 2; }
[ -x "$CHROMIUM" ] || { echo "html-check: $CHROMIUM not found (apt-get install chromium)" >&2; exit 2; }
work=$(mktemp -d /tmp/mqsim-html-XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT
bad=0
first=1
for page in "$@"; do
    [ -f "$page" ] || { echo "html-check: $page: no such file" >&2; bad=1; continue; }
    url="file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
    png="$work/shot.png"
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start; a profile of its own per run.
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$work/profile" --enable-logging=stderr --v=0 --window-size="$size" \
        --screenshot="$png" "$url" > "$work/out" 2> "$work/err"
    rc=$?
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$work/profile" --enable-logging=stderr --v=0 --dump-dom "$url" > "$work/dom" 2>> "$work/err"
    rc2=$?
    why=""
    if [ $rc != 0 ] || [ $rc2 != 0 ]; then why="chromium exited $rc / $rc2"
    elif grep -q 'CONSOLE' "$work/err"; then
        why="console: $(grep 'CONSOLE' "$work/err" | head -n 3 | sed 's/^.*CONSOLE[^]]*] //')"
    elif ! [ -s "$png" ] || [ "$(head -c 4 "$png" | od -An -c | tr -d ' ')" != "211PNG" ]; then why="no screenshot"
    elif ! grep -q '<h1>' "$work/dom" || ! grep -q '</html>' "$work/dom"; then why="the DOM has no <h1> or no end"
    elif [ "$(grep -o '<svg' "$work/dom" | wc -l)" -lt "$(grep -o '<svg' "$page" | wc -l)" ]; then
        why="the DOM has fewer inline figures than the file"
    fi
    if [ -n "$why" ]; then
        echo "html-check: $page: $why" >&2
        bad=1
    else
        echo "html-check: $page: loaded, no console messages, $(grep -o '<svg' "$work/dom" | wc -l) figures"
        [ $first = 1 ] && [ -n "$shot" ] && cp "$png" "$shot"
    fi
    first=0
    rm -rf "$work/profile" "$png"
done
exit $bad
