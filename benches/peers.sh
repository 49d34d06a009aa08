#!/usr/bin/env bash
# smoke against its peers: detect-test-pollution (pytest), rspec --bisect and Apache::TestSmoke,
# each shrinking the same planted failures, counted from the suites' own logs.
#
#   bash benches/peers.sh                         # everything, sizes 50 and 400, 5 seeds a row
#   bash benches/peers.sh --only pytest --sizes 400 --seeds 1    # one runner, a quick look
#
# Not run in CI and not a cargo bench: it installs peers (PyPI, Debian) and takes a while.
# Everything it writes goes under $PEERS_DIR (default /tmp/smoke-peers): the venv, the suites,
# each run's output and results.jsonl. The table goes to stdout, progress to stderr.
set -uo pipefail

usage() {
  cat <<'EOF'
usage: bash benches/peers.sh [--sizes 50,400] [--seeds N] [--only pytest|rspec|testsmoke]...
                             [--timeout SECONDS] [--no-build] [--no-install]
  --sizes LIST     suite sizes (default 50,400)
  --seeds N        seeds whose order fails per random row, each order shrunk by smoke and the
                   peer (default 5; medians reported)
  --only RUNNER    pytest (smoke vs detect-test-pollution), rspec (smoke vs rspec --bisect),
                   testsmoke (smoke vs Apache::TestSmoke); repeatable (default: all three)
  --cases LIST     one,two (default both: one polluter; two polluters both needed)
  --ts-seeds N     the same for the Apache-Test rows (default 1: a test there costs about 75 ms,
                   a perl and Test::More start-up, so its random rows are the slow ones)
  --timeout S      limit for one tool run (default 300); a run past it is recorded as a timeout
  --no-build       use target/release/smoke as it is
  --no-install     do not install anything (fail if something is missing)
env: PEERS_DIR (default /tmp/smoke-peers); SMOKE_BIN runs another smoke binary (an older build)
EOF
}

SIZES=50,400
SEEDS=5
ONLY=()
CASES=one,two
TIMEOUT=300
TS_SEEDS=1
BUILD=1
INSTALL=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --seeds) SEEDS=$2; shift 2 ;;
    --only) ONLY+=("$2"); shift 2 ;;
    --cases) CASES=$2; shift 2 ;;
    --ts-seeds) TS_SEEDS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-install) INSTALL=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "peers: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[ ${#ONLY[@]} -eq 0 ] && ONLY=(pytest rspec testsmoke)
for r in "${ONLY[@]}"; do
  case "$r" in pytest|rspec|testsmoke) ;; *) echo "peers: --only takes pytest, rspec or testsmoke, not '$r'" >&2; exit 2 ;; esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
HERE=$REPO/benches/peers
PEERS_DIR=${PEERS_DIR:-/tmp/smoke-peers}
VENV=$PEERS_DIR/venv
RESULTS=$PEERS_DIR/results.jsonl
T0=$EPOCHREALTIME

log() { echo "peers: $*" >&2; }
die() { log "$*"; exit 2; }

mkdir -p "$PEERS_DIR" || die "cannot create $PEERS_DIR"

# ---- 1. install what is missing (idempotent) ------------------------------------------------

want() { case " ${ONLY[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

APT_UPDATED=0
apt_install() {
  [ "$INSTALL" = 1 ] || die "missing: $* (and --no-install)"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    $sudo apt-get update -qq >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2 || die "apt-get install $* failed"
}

if want pytest || want rspec; then :; fi
if [ ! -x "$VENV/bin/detect-test-pollution" ] || ! "$VENV/bin/python" -c 'import pytest' 2>/dev/null; then
  [ "$INSTALL" = 1 ] || die "missing: $VENV with detect-test-pollution and pytest"
  log "creating $VENV with detect-test-pollution and pytest (PyPI)"
  python3 -m venv "$VENV" || die "python3 -m venv failed (on Debian: apt install python3-venv)"
  "$VENV/bin/pip" install -q detect-test-pollution pytest >&2 || die "pip install failed"
fi
if want rspec && ! command -v rspec >/dev/null; then apt_install ruby-rspec; fi
if want testsmoke; then
  perl -MIPC::Run3 -e1 2>/dev/null || apt_install libipc-run3-perl
  perl -MApache::TestSmoke -e1 2>/dev/null || apt_install libapache2-mod-perl2
fi
# The venv's pytest is the one every tool uses (smoke's preset calls `pytest`).
export PATH="$VENV/bin:$PATH"
export PEERS_PY="$VENV/bin/python" PEERS_RSPEC_ORDER="$REPO/src/helpers/rspec_order.rb"

if [ "$BUILD" = 1 ] && [ -z "${SMOKE_BIN:-}" ]; then
  log "cargo build --release"
  (cd "$REPO" && cargo build --release -q) || die "cargo build --release failed"
fi
SMOKE=${SMOKE_BIN:-$REPO/target/release/smoke}
[ -x "$SMOKE" ] || die "no $SMOKE (build it, or drop --no-build)"

versions() {
  if [ -n "${SMOKE_BIN:-}" ]; then
    echo "$("$SMOKE" --version) ($SMOKE)"
  else
    echo "smoke $("$SMOKE" --version | awk '{print $2}') at $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' (src modified)')"
  fi
  echo "detect-test-pollution $("$VENV/bin/pip" show detect-test-pollution 2>/dev/null | awk '/^Version/{print $2}'), pytest $("$VENV/bin/python" -m pytest --version 2>&1 | awk '{print $2}'), python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())')"
  want rspec && echo "rspec-core $(rspec --version 2>/dev/null | awk '/rspec-core/{print $NF}'), ruby $(ruby -e 'print RUBY_VERSION')"
  want testsmoke && echo "Apache-Test $(perl -MApache::Test -e 'print $Apache::Test::VERSION' 2>/dev/null), perl $(perl -e 'print $^V')"
  true
}

# ---- 2. one timed tool run --------------------------------------------------------------------

# run_tool RUNNER TOOL CASE N LAYOUT SEED SUITE -- COMMAND...
# Runs COMMAND in SUITE with the time limit, counts the lines it added to ran.log, reads and
# replays its result (peers.py record) and appends one JSON line to results.jsonl.
run_tool() {
  local runner=$1 tool=$2 case=$3 n=$4 layout=$5 seed=$6 suite=$7
  shift 8
  local out=$PEERS_DIR/out/$runner-$case-$n-$layout/$tool-$seed
  rm -rf "$out" && mkdir -p "$out"
  touch "$suite/ran.log"
  local before start end rc
  before=$(wc -l <"$suite/ran.log")
  start=$EPOCHREALTIME
  (cd "$suite" && exec timeout "$TIMEOUT" "$@" >"$out/stdout" 2>"$out/stderr")
  rc=$?
  end=$EPOCHREALTIME
  local wall
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  local line
  line=$(python3 "$HERE/peers.py" record "$runner" "$tool" "$case" "$n" "$layout" "$seed" \
    "$suite" "$out" "$wall" "$before" "$rc") || { log "could not read the result of $tool in $out"; return; }
  echo "$line" >>"$RESULTS"
  log "  $tool ${seed:+seed $seed }: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("%d executions, %.2f s, result %s, 1-minimal %s %s" % (r["execs"], r["wall"], " ".join(r["result"]) or "-", r["minimal"], r["note"]))' "$line")"
}

# The smoke command for a runner: presets for pytest and rspec (batch mode, fork server: the
# defaults); for the Perl project the same commands Apache::TestSmoke runs (t/TEST -start
# before each sequence, t/TEST -run t/x.t per test, t/TEST -stop after).
smoke_cmd() {
  case "$1" in
    pytest) echo "--preset pytest" ;;
    rspec) echo "--preset rspec" ;;
    perl) echo "--preset prove --mode per-test --setup perl__t/TEST__-start --teardown perl__t/TEST__-stop --run perl__t/TEST__-run__{test}" ;;
  esac
}

smoke_args() {
  local -n arr=$1
  arr=()
  local w
  for w in $(smoke_cmd "$2"); do arr+=("${w//__/ }"); done
}

# ---- 3. the rows ------------------------------------------------------------------------------

: >"$RESULTS"
IFS=, read -r -a SIZE_LIST <<<"$SIZES"
IFS=, read -r -a CASE_LIST <<<"$CASES"
RUNNERS=()
for r in "${ONLY[@]}"; do
  case "$r" in pytest) RUNNERS+=(pytest) ;; rspec) RUNNERS+=(rspec) ;; testsmoke) RUNNERS+=(perl) ;; esac
done

for runner in "${RUNNERS[@]}"; do
  case "$runner" in pytest) peer=dtp ;; rspec) peer=rspec ;; perl) peer=testsmoke ;; esac
  nseeds=$SEEDS
  [ "$runner" = perl ] && nseeds=$TS_SEEDS
  for n in "${SIZE_LIST[@]}"; do
    for case in "${CASE_LIST[@]}"; do
      for layout in first random; do
        suite=$PEERS_DIR/suites/$runner-$case-$n-$layout
        read -r pid qid vid < <(python3 "$HERE/peers.py" gen "$runner" "$suite" "$n" "$case" "$layout")
        log "$runner, $case, $n tests, $layout: p=$pid q=$qid v=$vid"
        smoke_args SA "$runner"
        if [ "$layout" = first ]; then
          run_tool "$runner" smoke "$case" "$n" "$layout" "" "$suite" -- \
            "$SMOKE" "${SA[@]}" --order rotate --times 1 -q --report "$PEERS_DIR/out/$runner-$case-$n-$layout/smoke-/smoke.txt"
          case "$peer" in
            dtp) run_tool "$runner" dtp "$case" "$n" "$layout" "" "$suite" -- \
                   detect-test-pollution --failing-test "$vid" --tests tests ;;
            rspec) run_tool "$runner" rspec "$case" "$n" "$layout" "" "$suite" -- \
                   rspec --order defined --bisect ;;
            testsmoke) run_tool "$runner" testsmoke "$case" "$n" "$layout" "" "$suite" -- \
                   perl t/SMOKE -times=1 -order=repeat ;;
          esac
          continue
        fi
        # random: the first seeds whose order fails, the same order for both tools (rspec's
        # --seed order, Apache::TestSmoke's APACHE_TEST_SEED order, or for pytest a shuffle
        # from the seed that dtp is handed with --testids-file). smoke is given the whole
        # order (--order rotate --times 1 ID...): it runs it, stops at the failure and shrinks.
        read -r -a PS < <(python3 "$HERE/peers.py" seeds "$runner" "$suite" "$case" "$layout" "$n" "$nseeds")
        log "  seeds whose order fails: ${PS[*]:-none}"
        for s in "${PS[@]}"; do
          mapfile -t ORDER < <(python3 "$HERE/peers.py" order "$runner" "$suite" "$n" "$s")
          run_tool "$runner" smoke "$case" "$n" "$layout" "$s" "$suite" -- \
            "$SMOKE" "${SA[@]}" --order rotate --times 1 -q \
            --report "$PEERS_DIR/out/$runner-$case-$n-$layout/smoke-$s/smoke.txt" "${ORDER[@]}"
          case "$peer" in
            dtp)
              ids=$PEERS_DIR/out/$runner-$case-$n-$layout/testids-$s.txt
              python3 "$HERE/peers.py" order "$runner" "$suite" "$n" "$s" "$vid" >"$ids"
              run_tool "$runner" dtp "$case" "$n" "$layout" "$s" "$suite" -- \
                detect-test-pollution --failing-test "$vid" --testids-file "$ids" ;;
            rspec)
              run_tool "$runner" rspec "$case" "$n" "$layout" "$s" "$suite" -- rspec --seed "$s" --bisect ;;
            testsmoke)
              run_tool "$runner" testsmoke "$case" "$n" "$layout" "$s" "$suite" -- \
                env APACHE_TEST_SEED="$s" perl t/SMOKE -times=1 -order=random ;;
          esac
        done
      done
    done
  done
done

# ---- 4. the table -----------------------------------------------------------------------------

TOOK=$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
{
  versions
  echo "machine: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(nproc) cpus, $(uname -sr), $(uname -m)"
} >"$PEERS_DIR/header.txt"
python3 "$HERE/peers.py" table "$RESULTS" "$PEERS_DIR/header.txt" "$TOOK" "$SEEDS (Apache-Test: $TS_SEEDS)"
