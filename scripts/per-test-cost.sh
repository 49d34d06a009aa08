#!/usr/bin/env bash
# What one test costs in per-test mode with each preset, measured on its example: smoke runs one
# passing test RUNS times in one sequence (--order repeat), and the iteration's wall time over
# RUNS is the cost of a test run as smoke makes it (starting the runner, the test, smoke's own
# bookkeeping). For go it also times `go test -count=1 -run '^Name$' PKG`, which the go preset
# ran per test before it built each package's test binary once.
#
#   scripts/per-test-cost.sh [RUNS]        # default 20; about a minute on 2 cores
#
# Needs what the examples need (pytest on PATH, perl, cargo, go, g++ and libgtest-dev, cmake);
# a preset whose toolchain is missing is shown as such. Builds smoke (release) first. Leaves
# nothing behind: every example is copied to, and built in, a temp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
case $runs in '' | *[!0-9]*) echo "usage: $0 [RUNS] (a number of runs, e.g. 20)" >&2; exit 2 ;; esac

cargo build --release --quiet
smoke=$PWD/target/release/smoke
examples=$PWD/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOCACHE=${GOCACHE:-$work/go-cache} GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local

# The iteration's seconds from the newest JSON report in $1/reports.
seconds() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["iterations"][0]["seconds"])' \
    "$(ls -t "$1"/reports/*.json | head -n 1)"
}

row() { printf '%-8s %-60s %5s %10s\n' "$@"; }

# Milliseconds per run, from seconds for $runs runs.
per_run() { python3 -c 'import sys; print(f"{float(sys.argv[1]) * 1000 / int(sys.argv[2]):.1f} ms")' "$1" "$runs"; }

# copy EXAMPLE DIR: the example into a fresh folder.
copy() { mkdir -p "$2" && cp -R "$examples/$1/." "$2/"; }

# measure PRESET DIR TEST [SMOKE ARGS...]: run TEST $runs times through smoke in DIR, where the
# example's smoke.toml names the preset.
measure() {
  local preset=$1 dir=$2 test=$3
  shift 3
  if ! (cd "$dir" && "$smoke" -q --report-dir reports --order repeat --times "$runs" \
      --iterations 1 --mode per-test "$@" -- "$test" >/dev/null 2>"$dir/smoke.err"); then
    row "$preset" "$test" "$runs" "failed"
    sed 's/^/    /' "$dir/smoke.err" >&2
    return
  fi
  row "$preset" "$test" "$runs" "$(per_run "$(seconds "$dir")")"
}

have() { command -v "$1" >/dev/null 2>&1; }

echo "per-test cost: $runs runs of one passing test per preset, through smoke (release build)"
echo "machine: $(nproc) cores, $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
row preset test runs "per test"

if have pytest; then
  copy pytest-global "$work/pytest"
  measure pytest "$work/pytest" tests/test_shipping.py::test_free_shipping_threshold
else row pytest "(pytest not on PATH)" - -; fi

copy prove "$work/prove"
measure prove "$work/prove" t/30-arithmetic.t

copy cargo "$work/cargo"
CARGO_TARGET_DIR=$work/cargo/target measure cargo "$work/cargo" greetings::shouting_is_upper_case

if have go; then
  copy go "$work/go"
  measure go "$work/go" example.com/shop/cart::TestItemsOfAMissingFile
  # What the preset ran before: go test per test (it re-links and re-checks the package each
  # time), timed after one warm-up run.
  (cd "$work/go" && go test -count=1 -run '^TestItemsOfAMissingFile$' ./cart >/dev/null)
  start=$(date +%s.%N)
  for _ in $(seq "$runs"); do
    (cd "$work/go" && go test -count=1 -run '^TestItemsOfAMissingFile$' ./cart >/dev/null)
  done
  end=$(date +%s.%N)
  row "go test" "go test -count=1 -run '^TestItemsOfAMissingFile\$' ./cart" "$runs" \
    "$(per_run "$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$start" "$end")")"
else row go "(go not installed)" - -; fi

if have g++ && [ -e /usr/include/gtest/gtest.h ]; then
  copy gtest "$work/gtest"
  sh "$work/gtest/build.sh" "$work/gtest/build"
  measure gtest "$work/gtest" Tail.KeepsTheLastLines
else row gtest "(g++ or libgtest-dev not installed)" - -; fi

if have cmake; then
  cmake -S "$examples/ctest" -B "$work/ctest" >/dev/null && cmake --build "$work/ctest" >/dev/null
  measure ctest "$work/ctest" "put then get"
else row ctest "(cmake not installed)" - -; fi
