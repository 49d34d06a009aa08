#!/usr/bin/env bash
# From CI's evidence to the proven answer: `smoke reproduce ci.log` against `rspec --seed N
# --bisect`, on the same rspec order. CI's run is `rspec --seed N` (its log says "Randomized
# with seed N" and names the failing examples); smoke reads the seed from that log, asks rspec
# for the order, runs it, shrinks and proves; rspec bisects the same seed's order.
#
#   bash benches/reproduce.sh                       # the rspec example, and planted suites of 84 and 400
#   bash benches/reproduce.sh --sizes 84 --seeds 1  # a quick look
#
# Wall time, best of --repeat runs each, both tools in the same run of this script; each
# answer is checked (smoke: exit 1, verdict reproduced, a proven pair; rspec: its "minimal
# reproduction command"). Not run in CI. Writes under $REPRODUCE_DIR (default
# /tmp/smoke-reproduce); the table goes to stdout, progress to stderr. $SMOKE_BIN runs another
# smoke binary (an older build, to compare).
set -euo pipefail

SIZES=84,400
SEEDS=3
REPEAT=3
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --seeds) SEEDS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "reproduce: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
PEERS=$REPO/benches/peers/peers.py
DIR=${REPRODUCE_DIR:-/tmp/smoke-reproduce}
SMOKE=${SMOKE_BIN:-$REPO/target/release/smoke}
log() { echo "reproduce: $*" >&2; }

command -v rspec >/dev/null || { log "rspec is needed (apt-get install ruby-rspec)"; exit 2; }
if [ "$BUILD" = 1 ] && [ -z "${SMOKE_BIN:-}" ]; then
  (cd "$REPO" && cargo build --release --quiet)
fi
rm -rf "$DIR" && mkdir -p "$DIR/suites" "$DIR/out"

# Seconds taken by the command after --, run in folder $1; its output goes to $2.
timed() {
  local dir=$1 out=$2
  shift 3
  local t0=$EPOCHREALTIME
  (cd "$dir" && "$@") >"$out" 2>&1 || true
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

best() { printf '%s\n' "$@" | sort -g | head -n 1; }

# One row: suite folder $1, seed $2, label $3.
row() {
  local suite=$1 seed=$2 label=$3 out=$DIR/out/$3-$2
  mkdir -p "$out"
  # CI's run, whose log is the evidence.
  (cd "$suite" && rm -rf state ran.log && rspec --seed "$seed" >"$out/ci.log" 2>&1) && {
    log "$label seed $seed: CI's run passed; no row"
    return
  }
  local smoke_times=() rspec_times=() i
  for i in $(seq "$REPEAT"); do
    rm -rf "$suite/state" "$suite/ran.log"
    smoke_times+=("$(timed "$suite" "$out/smoke-$i.txt" -- \
      "$SMOKE" reproduce "$out/ci.log" --preset rspec -q --report "$out/smoke-$i/report.txt")")
    python3 - "$out/smoke-$i/report.json" <<'EOF' || { log "$label seed $seed: smoke's answer is not a proven reproduction (see $out)"; exit 1; }
import json, sys
r = json.load(open(sys.argv[1]))
assert r["reproduced_from"]["verdict"] == "reproduced", r["reproduced_from"]
assert r["failures"] and all(f["proven_minimal"] and len(f["minimal"]) == 2 for f in r["failures"])
EOF
    rm -rf "$suite/state" "$suite/ran.log"
    rspec_times+=("$(timed "$suite" "$out/rspec-$i.txt" -- rspec --seed "$seed" --bisect)")
    grep -q "minimal reproduction command" "$out/rspec-$i.txt" \
      || { log "$label seed $seed: rspec --bisect gave no answer (see $out/rspec-$i.txt)"; exit 1; }
  done
  local s r
  s=$(best "${smoke_times[@]}")
  r=$(best "${rspec_times[@]}")
  printf '| %s | %s | %s s | %s s | %s |\n' "$label" "$seed" "$s" "$r" \
    "$(awk -v a="$s" -v b="$r" 'BEGIN { printf "%.2f", a / b }')"
}

echo "smoke reproduce vs rspec --seed N --bisect, wall time to the proven answer, best of $REPEAT"
echo "machine: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(nproc) cpus; $(rspec --version | head -n 1 | tr -s ' \n' ' ')"
echo
echo "| suite | seed | smoke reproduce | rspec --bisect | smoke / rspec |"
echo "|---|---|---|---|---|"

# The example: examples/rspec, whose CI run with seed 1 fails twice (one leak, two victims).
cp -R "$REPO/examples/rspec" "$DIR/suites/example"
rm -rf "$DIR/suites/example/reports"
row "$DIR/suites/example" 1 "examples/rspec (9 examples)"

IFS=, read -r -a SIZE_LIST <<<"$SIZES"
for n in "${SIZE_LIST[@]}"; do
  suite=$DIR/suites/planted-$n
  python3 "$PEERS" gen rspec "$suite" "$n" one random >/dev/null
  read -r -a found < <(python3 "$PEERS" seeds rspec "$suite" one random "$n" "$SEEDS")
  log "planted $n: seeds whose order fails: ${found[*]:-none}"
  for seed in "${found[@]}"; do
    row "$suite" "$seed" "planted, $n examples"
  done
done
