#!/usr/bin/env bash
# What looking inside the runner costs: `smoke replay --retries 0` of each example's minimal
# sequence (one probed run, as the verbose rerun is) with smoke's helper looking (the default)
# and with --no-state-diff, best of --repeat runs each, alternating, in the same run of this
# script; the ratio is with / without. Iterations and shrink candidates never look, so their
# times are not here: only the verbose rerun and a replay's first run pay.
#
#   bash benches/state.sh                 # pytest-global, rspec and jest examples, best of 5
#   bash benches/state.sh --repeat 3 --only pytest-global
#
# Needs pytest (the repo's .venv or PATH), Debian's ruby-rspec, and jest in examples/jest
# (npm ci there). Not run in CI. Writes under $STATE_DIR (default /tmp/smoke-state-bench).
set -euo pipefail

REPEAT=5
ONLY=""
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) REPEAT=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "state: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case $REPEAT in '' | *[!0-9]* | 0) echo "state: --repeat takes a number >= 1" >&2; exit 2 ;; esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=${STATE_DIR:-/tmp/smoke-state-bench}
SMOKE=$REPO/target/release/smoke
[ -d "$REPO/.venv/bin" ] && export PATH="$REPO/.venv/bin:$PATH"
log() { echo "state: $*" >&2; }
if [ "$BUILD" = 1 ]; then
  (cd "$REPO" && cargo build --release --quiet)
fi
rm -rf "$DIR" && mkdir -p "$DIR"

# Seconds the command after the folder took, run there; its output goes to $DIR/last.log.
timed() {
  local dir=$1
  shift
  local t0=$EPOCHREALTIME
  (cd "$dir" && "$@") >"$DIR/last.log" 2>&1 || true
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

best() { printf '%s\n' "$@" | sort -g | head -n 1; }

printf '%-14s %6s %12s %12s %7s  %s\n' example tests "with (s)" "without (s)" ratio "state line"
for example in pytest-global rspec jest; do
  if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$example,"* ]]; then
    continue
  fi
  work=$DIR/$example
  cp -R "$REPO/examples/$example" "$work"
  # The example's own run: it finds, shrinks and proves the order bug; its report is replayed.
  if ! (cd "$work" && "$SMOKE" -q --report-dir reports --seed 1 --iterations 20 >"$DIR/$example.run" 2>&1); then
    :
  fi
  report=$(ls -t "$work"/reports/*.json 2>/dev/null | head -n 1 || true)
  if [ -z "$report" ] || ! grep -q '"minimal"' "$report"; then
    log "$example: smoke found no failure to replay (see $DIR/$example.run); skipped"
    continue
  fi
  with=() without=()
  for _ in $(seq "$REPEAT"); do
    with+=("$(timed "$work" "$SMOKE" replay -q --retries 0 --report-dir "$DIR/$example-with" "$report")")
    cp "$DIR/last.log" "$DIR/$example-with.log"
    without+=("$(timed "$work" "$SMOKE" replay -q --retries 0 --no-state-diff --report-dir "$DIR/$example-without" "$report")")
  done
  w=$(best "${with[@]}")
  wo=$(best "${without[@]}")
  tests=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["failures"][0]["minimal"]))' "$report")
  line=$(grep -m1 'state:' "$DIR/$example-with.log" | sed 's/^ *state: //' | cut -c1-90 || true)
  printf '%-14s %6s %12s %12s %7s  %s\n' "$example" "$tests" "$w" "$wo" \
    "$(awk -v a="$w" -v b="$wo" 'BEGIN { printf "%.2f", a / b }')" "${line:--}"
done
echo
echo "machine: $(nproc) cores, $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
echo "commit: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown); best of $REPEAT"
