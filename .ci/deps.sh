#!/bin/sh
# Installs what mqsim needs to build, test and plot, on Debian; or says what to run.
# Used by `make` (before building) and by .ci/run. Quiet when everything is there.
# With --mpi (`make MPI=1`, .ci/run) also Open MPI, for `mpirun ./mqsim sweep`; plain `make` never needs it.
set -u
need=""
mpi=0
[ "${1:-}" = "--mpi" ] && mpi=1
# --fuzz (`make fuzz`): clang and its libFuzzer/sanitizer runtimes; --valgrind (`make valgrind`): valgrind.
# --browser (`make html-check`, the browser case of test_report): headless Chromium, for index.html.
fuzz=0
valgrind=0
browser=0
for a in "$@"; do
    case "$a" in --fuzz) fuzz=1 ;; --valgrind) valgrind=1 ;; --browser) browser=1 ;; esac
done
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v cc >/dev/null 2>&1 || need="$need gcc"
have_pc gsl || need="$need libgsl-dev"
have_pc libcjson || need="$need libcjson-dev"
have_pc check || need="$need check"
command -v gnuplot >/dev/null 2>&1 || need="$need gnuplot-nox"
if [ "$mpi" = 1 ]; then
    command -v mpicc >/dev/null 2>&1 || need="$need libopenmpi-dev"
    command -v mpirun >/dev/null 2>&1 || need="$need openmpi-bin"
fi
if [ "$fuzz" = 1 ]; then
    command -v clang >/dev/null 2>&1 || need="$need clang"
    # libFuzzer's runtime: Debian ships it apart from clang, in libclang-rt-N-dev for clang N.
    [ -f "$(clang -print-file-name="libclang_rt.fuzzer-$(uname -m).a" 2>/dev/null)" ] || need="$need libclang-rt-dev"
fi
if [ "$valgrind" = 1 ]; then
    command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
fi
if [ "$browser" = 1 ]; then
    [ -x /usr/bin/chromium ] || need="$need chromium"
fi
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
