#!/usr/bin/env bash
# What one forked candidate costs: for rspec and pytest, a candidate of a few fast tests run by
# the runner's own loop in a process that has loaded the suite, against the same tests forked
# by smoke's fork server, as smoke sees them (from handing the request over to having the
# result), in the same run of this script; then where the forked candidate's time goes; then
# where a whole `smoke reproduce` of the same suite goes.
#
#   bash benches/candidate.sh                          # rspec and pytest, 30 runs of each
#   bash benches/candidate.sh --runs 10 --runners rspec
#
# The suites are benches/peers' planted ones (84 tests of 2 ms each, one polluter and its
# victim); the candidates are 4 passing tests of the first file, and the polluter and its
# victim (failing). "loop" is the time inside the runner's loop of a plain run (rspec: its
# run_specs, reporter start to finish; pytest: pytest_runtestloop), read from marks a probe
# writes in the runner (benches/candidate/trace_*); "forked" is from smoke's request to its
# result, read from smoke's own marks (SMOKE_TRACE), in runs made without the probe. The
# breakdown comes from a third set of runs with the probe loaded in the batch command. Medians
# over --runs. Needs rspec and pytest on PATH. Writes under $CANDIDATE_DIR (default
# /tmp/smoke-candidate); tables to stdout, progress to stderr. $SMOKE_BIN runs another smoke
# binary (an older build, to compare). Not run in CI.
set -euo pipefail

RUNS=30
RUNNERS=rspec,pytest
BUILD=1
WHOLE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --runners) RUNNERS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-whole) WHOLE=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "candidate: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
HERE=$REPO/benches/candidate
PY=$HERE/candidate.py
PEERS=$REPO/benches/peers/peers.py
DIR=${CANDIDATE_DIR:-/tmp/smoke-candidate}
SMOKE=${SMOKE_BIN:-$REPO/target/release/smoke}
log() { echo "candidate: $*" >&2; }

if [ "$BUILD" = 1 ] && [ -z "${SMOKE_BIN:-}" ]; then
  (cd "$REPO" && cargo build --release --quiet)
fi
rm -rf "$DIR" && mkdir -p "$DIR/suites" "$DIR/traces" "$DIR/out"

PYTEST_OPTS=(-p no:randomly -p no:random_order -p no:cacheprovider)
# The preset's batch command with the probe loaded too.
probe_batch() {
  case $1 in
    rspec) echo "rspec -r \"\$SMOKE_HELPERS/rspec_order.rb\" -r $HERE/trace_rspec.rb --format progress --format json --out {json} {tests}" ;;
    pytest) echo "pytest ${PYTEST_OPTS[*]} -p trace_pytest -q --junitxml={junit} {tests}" ;;
  esac
}

# The runner's own run of the ids after the runner name, with the probe, in the suite folder.
plain_run() {
  local runner=$1
  shift
  case $runner in
    rspec) rspec -r "$HERE/trace_rspec.rb" "$@" ;;
    pytest) PYTHONPATH=$HERE pytest "${PYTEST_OPTS[@]}" -p trace_pytest -q "$@" ;;
  esac
}

# The ids of tests 1..4 (the first file's first tests, none planted) for $1.
passing_ids() {
  case $1 in
    rspec) echo "spec/f01_spec.rb[1:1] spec/f01_spec.rb[1:2] spec/f01_spec.rb[1:3] spec/f01_spec.rb[1:4]" ;;
    pytest) echo "tests/test_f01.py::test_t0001 tests/test_f01.py::test_t0002 tests/test_f01.py::test_t0003 tests/test_f01.py::test_t0004" ;;
  esac
}

fmt() { python3 -c 'import sys; v = sys.argv[1]; print("-" if v in ("", "None") else "%.1f" % float(v))' "$1"; }

declare -A LOOP FORKED PARTS LOOP_PARTS
CANDIDATES=(pass fail)
IFS=, read -r -a RUNNER_LIST <<<"$RUNNERS"
for runner in "${RUNNER_LIST[@]}"; do
  command -v "$runner" >/dev/null || { log "$runner is not on PATH: no rows"; continue; }
  suite=$DIR/suites/$runner
  planted=$(python3 "$PEERS" gen "$runner" "$suite" 84 one random)
  read -r p _ v <<<"$planted"
  declare -A IDS=([pass]="$(passing_ids "$runner")" [fail]="$p $v")
  printf '[suite]\npreset = "%s"\n' "$runner" >"$suite/smoke.toml"
  for cand in "${CANDIDATES[@]}"; do
    read -r -a ids <<<"${IDS[$cand]}"
    t=$DIR/traces/$runner-$cand
    log "$runner, $cand (${ids[*]}): the runner's own loop, $RUNS runs"
    for _ in $(seq "$RUNS"); do
      (cd "$suite" && rm -rf state ran.log && SMOKE_TRACE=$t-loop.trace plain_run "$runner" "${ids[@]}" >/dev/null 2>&1) || true
    done
    LOOP[$runner-$cand]=$(python3 "$PY" loop "$t-loop.trace" "$runner")
    LOOP_PARTS[$runner-$cand]=$(python3 "$PY" loop-parts "$t-loop.trace" "$runner")
    for probe in clean probe; do
      log "$runner, $cand: forked by smoke, $RUNS runs ($probe)"
      batch=()
      [ "$probe" = probe ] && batch=(--batch "$(probe_batch "$runner")")
      out=$DIR/out/$runner-$cand-$probe
      mkdir -p "$out"
      (
        cd "$suite" && rm -rf state ran.log
        export PYTHONPATH=$HERE
        if [ "$cand" = pass ]; then
          SMOKE_TRACE=$t-$probe.trace "$SMOKE" "${batch[@]}" --order random --iterations "$RUNS" -q \
            --report "$out/report.txt" -- "${ids[@]}" >"$out/smoke.txt" 2>&1
        else
          # A shrink and proof of the pair, then its replay, RUNS runs of the failing pair.
          "$SMOKE" "${batch[@]}" --order rotate --times 1 -q --report "$out/found.txt" -- "${ids[@]}" \
            >"$out/found-smoke.txt" 2>&1 || true
          # The report is this script's own: its batch command (with the probe) is trusted.
          SMOKE_TRACE=$t-$probe.trace "$SMOKE" replay "$out/found.json" --retries $((RUNS - 1)) -q \
            --trust-report --report "$out/replay.txt" >"$out/smoke.txt" 2>&1 || true
        fi
      ) || { log "$runner, $cand: smoke failed (see $out)"; }
    done
    FORKED[$runner-$cand]=$(python3 "$PY" forked "$t-clean.trace")
    PARTS[$runner-$cand]=$(python3 "$PY" parts "$t-probe.trace" "$runner")
  done
done

echo "forked candidate vs the runner's own loop: median ms of $RUNS runs each"
echo "machine: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${SMOKE_BIN:-}" ]; then
  echo "smoke: $SMOKE_BIN ($("$SMOKE" --version))"
else
  echo "smoke: commit $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo ' with changes')"
fi
echo "$(rspec --version 2>/dev/null | head -n 1 | tr -s ' \n' ' ')$(ruby -v | cut -d' ' -f1-2); $(pytest --version 2>&1 | head -n 1), $(python3 --version)"
echo
echo "| runner | candidate | runner's loop | smoke forked | forked / loop |"
echo "|---|---|---|---|---|"
for runner in "${RUNNER_LIST[@]}"; do
  for cand in "${CANDIDATES[@]}"; do
    key=$runner-$cand
    [ -n "${LOOP[$key]:-}" ] || continue
    what=$([ "$cand" = pass ] && echo "4 passing tests" || echo "polluter + victim (fails)")
    printf '| %s | %s | %s ms | %s ms | %s |\n' "$runner" "$what" "$(fmt "${LOOP[$key]}")" \
      "$(fmt "${FORKED[$key]}")" \
      "$(python3 -c 'import sys; a, b = sys.argv[1:]; print("-" if "None" in (a, b) else "%.2f" % (float(b) / float(a)))' "${LOOP[$key]}" "${FORKED[$key]}")"
  done
done
echo
echo "where a forked candidate's time goes (median ms; runs with the probe loaded):"
echo "request: smoke's request until the server hands it to the child it forked ahead of it (rspec, or"
echo "an older smoke: until it forks); fork: until the child has it (or runs); set-up: the child's,"
echo "until its first test starts; tests: first start to last end; after: the runner's finish and the"
echo "child's exit, until the server has reaped it; reply: the server's answer reaching smoke; read:"
echo "smoke reading the results. The runner's own loop: set-up / tests / after within the loop."
echo
echo "| runner | candidate | request | fork | set-up | tests | after | reply | read | total | loop: set-up | tests | after |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for runner in "${RUNNER_LIST[@]}"; do
  for cand in "${CANDIDATES[@]}"; do
    key=$runner-$cand
    [ -n "${PARTS[$key]:-}" ] || continue
    python3 - "$runner" "$cand" "${PARTS[$key]}" "${LOOP_PARTS[$key]}" <<'EOF'
import json, sys
runner, cand, parts, loop = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
f = lambda d, k: "-" if d.get(k) is None else "%.1f" % d[k]
cols = [f(parts, k) for k in ("request", "fork", "set-up", "tests", "after", "reply", "read", "total")]
cols += [f(loop, k) for k in ("set-up", "tests", "after")]
print("| %s | %s | %s |" % (runner, "4 passing" if cand == "pass" else "pair, fails", " | ".join(cols)))
EOF
  done
done

if [ "$WHOLE" = 1 ] && [[ ",$RUNNERS," == *,rspec,* ]]; then
  suite=$DIR/suites/rspec
  read -r -a found < <(python3 "$PEERS" seeds rspec "$suite" one random 84 1)
  if [ -n "${found[0]:-}" ]; then
    seed=${found[0]}
    out=$DIR/out/reproduce
    mkdir -p "$out"
    (cd "$suite" && rm -rf state ran.log && rspec --seed "$seed" >"$out/ci.log" 2>&1) || true
    echo
    echo "where a whole \`smoke reproduce\` of CI's \`rspec --seed $seed\` goes (the planted rspec suite of 84; ms;"
    echo "listing: rspec's order for the seed, while the fork server loads; server wait: for the server after"
    echo "that; runs: count, ms from request to result; reports: writing the text, HTML and JSON reports):"
    echo
    echo "| run | total | listing | server wait | iteration | candidates | confirmations | verbose rerun | reports | other |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for i in 1 2 3; do
      (cd "$suite" && rm -rf state ran.log && SMOKE_TRACE=$out/whole-$i.trace "$SMOKE" reproduce "$out/ci.log" \
        --preset rspec -q --report "$out/smoke-$i/report.txt" >"$out/smoke-$i.txt" 2>&1) || true
      python3 - "$i" "$(python3 "$PY" whole "$out/whole-$i.trace")" <<'EOF'
import json, sys
w = json.loads(sys.argv[2])
runs = w["runs"]
run = lambda k: "%d, %.0f" % tuple(runs[k]) if k in runs else "-"
print("| %s | %.0f | %.0f | %.0f | %s | %s | %s | %s | %.0f | %.0f |" % (
    sys.argv[1], w["total"], w["listing"], w["server wait"], run("Iteration"), run("Candidate"),
    run("Confirm"), run("Rerun"), w["reports"], w["other"]))
EOF
    done
  fi
fi
