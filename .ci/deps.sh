#!/bin/sh
# Installs what mqsim needs to build, test and plot, on Debian; or says what to run.
# Used by `make` (before building) and by .ci/run. Quiet when everything is there.
set -u
need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v cc >/dev/null 2>&1 || need="$need gcc"
have_pc gsl || need="$need libgsl-dev"
have_pc libcjson || need="$need libcjson-dev"
have_pc check || need="$need check"
command -v gnuplot >/dev/null 2>&1 || need="$need gnuplot-nox"
[ -z "$need" ] && exit 0

if [ "$(id -u)" = 0 ]; then sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"
else
    echo "mqsim: missing:$need; run: sudo apt-get update && sudo apt-get install -y$need" >&2
    exit 1
fi
echo "mqsim: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq $need >/dev/null || {
    echo "mqsim: apt-get install failed; run: sudo apt-get update && sudo apt-get install -y$need" >&2
    exit 1
}
