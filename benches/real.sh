#!/usr/bin/env bash
# smoke on real suites, against the peers on the same failing order: wall time to the proven
# answer, best of --repeat runs each, both tools in the same sitting.
#
#   bash benches/real.sh                          # pytest, rspec and jest (a few minutes)
#   bash benches/real.sh --only rspec --repeat 1  # one suite, a quick look
#
#   pytest  freezegun 1.5.1 (PyPI sdist), its own tests and a real order bug: tests/test_utils.py
#           ::test_should_skip_non_cpython reloads freezegun.api as if not on CPython and leaves
#           it so. Peer: detect-test-pollution, handed the tests before the victim. The row
#           "--cov" runs both with PYTEST_ADDOPTS=--cov=freezegun, as freezegun's tox.ini does.
#   rspec   dotenv 2.4.0 (Debian's ruby-dotenv 2.4.0-2 .orig.tar.gz) and a planted pair
#           (benches/real/rspec.patch). CI's run is `rspec --seed N`; smoke reproduces its log,
#           the peer is `rspec --seed N --bisect`.
#   jest    numeral 2.0.6 (npm tarball), its mocha-style tests run by jest, a planted pair
#           (benches/real/jest.patch). No peer: smoke alone, and a naive reference that runs
#           each file before the victim, then the victim, until it fails (one run).
#
# The order: for pytest and jest, the listed tests shuffled by Python's random.Random(SEED),
# the first SEED from 1 whose order fails (the victim is its first failing test); for rspec,
# the first seed whose `rspec --seed` fails. smoke is given the whole order (--order-file) and
# stops at the failure; the peer gets the same order. Each answer is checked: smoke exits 1
# with one failure, a proven 1-minimal pair (and `reproduced` for smoke reproduce); the peer
# names the same pair; the pair is replayed with the plain runner: it fails, the victim alone
# passes. Options: --repeat N (3), --only pytest,rspec,jest, --no-build (use
# target/release/smoke as it is), --no-baseline (skip jest's naive reference).
# Downloads go to $REAL_DIR/cache (default /tmp/smoke-real), kept between runs; each run works
# on fresh copies in $REAL_DIR/work. Installs what it lacks (a venv from PyPI, jest from npm,
# ruby-rspec from Debian when run as root). Not run in CI. Table on stdout, progress on stderr.
set -euo pipefail

REPEAT=3
ONLY=pytest,rspec,jest
BUILD=1
BASELINE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) REPEAT=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-baseline) BASELINE=0; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "real: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
HERE=$REPO/benches/real
DIR=${REAL_DIR:-/tmp/smoke-real}
CACHE=$DIR/cache
WORK=$DIR/work
OUT=$DIR/out
SMOKE=$REPO/target/release/smoke
VENV=$CACHE/venv
T0=$EPOCHREALTIME

# The pinned projects and tools.
FREEZEGUN=1.5.1
PY_PINS=(pytest==9.2.0 detect-test-pollution==1.2.0 python-dateutil==4.0.0 pytest-cov==7.1.0 coverage==7.18.0)
DOTENV_DEB=2.4.0-2
DOTENV_ORIG=ruby-dotenv_2.4.0.orig.tar.gz
DOTENV_SHA256=c7bc6ad80583f6500500e6d93193467863fcd4fb8dad0f33a6630405e00d3f55
DEBIAN_POOL=http://deb.debian.org/debian/pool/main/r/ruby-dotenv
NUMERAL=2.0.6
NPM_PINS=(jest@30.5.2 chai@3.5.0)

log() { echo "real: $*" >&2; }
die() { log "$*"; exit 1; }
has() { [[ ",$ONLY," == *",$1,"* ]]; }

# Seconds taken by the command after --, run in folder $1; its output goes to $2, its exit
# code to $2.rc.
timed() {
  local dir=$1 out=$2 rc=0
  shift 3
  local t0=$EPOCHREALTIME
  (cd "$dir" && "$@") >"$out" 2>&1 || rc=$?
  echo "$rc" >"$out.rc"
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}
best() { printf '%s\n' "$@" | sort -g | head -n 1; }
# The run number (from 1) of the best of the times given.
best_run() { printf '%s\n' "$@" | awk 'NR == 1 || $1 < b { b = $1; i = NR } END { print i }'; }
# "LABEL: smoke S s <= LIMITx PEER's P s: met (ratio R)", or NOT MET.
must() {
  awk -v l="$1" -v s="$2" -v p="$3" -v lim="$4" -v peer="$5" 'BEGIN {
    r = s / p; printf "%s: smoke %.3f s <= %sx %s'"'"'s %.3f s: %s (%.2f)", l, s, lim, peer, p, (r <= lim ? "met" : "NOT MET"), r }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

if [ "$BUILD" = 1 ]; then
  log "cargo build --release"
  (cd "$REPO" && cargo build --release --quiet)
fi
[ -x "$SMOKE" ] || die "no $SMOKE (drop --no-build)"
rm -rf "$WORK" "$OUT"
mkdir -p "$CACHE" "$WORK" "$OUT"

ROWS=()       # markdown rows of the table
MUST=()       # the issue's must-hold figures, met or not
NOTES=()      # the breakdown of smoke's time, per row
COMMANDS=()   # the exact commands timed
VERSIONS=()

# ---- pytest: freezegun, detect-test-pollution ---------------------------------------------------

# pytest with the ids of file $2 in that order (detect-test-pollution's own plugin orders them),
# stopping at the first failure; in folder $1, output to $3.
pytest_order() {
  (cd "$1" && "$VENV/bin/python" -m pytest -p detect_test_pollution -p no:cacheprovider -x -q -rf \
    "--dtp-testids-input-file=$2" >"$3" 2>&1)
}

pytest_row() {
  local label=$1 addopts=$2 src=$WORK/pytest/freezegun-$FREEZEGUN out=$OUT/pytest$3
  mkdir -p "$out"
  export PYTEST_ADDOPTS=$addopts
  (cd "$src" && "$VENV/bin/python" -m pytest -p no:cacheprovider --collect-only -q tests 2>/dev/null) \
    | grep '::' >"$out/ids.txt"
  local n seed victim=
  n=$(wc -l <"$out/ids.txt")
  for seed in $(seq 1 30); do
    python3 "$HERE/real.py" shuffle "$seed" "$out/ids.txt" >"$out/order.txt"
    if ! pytest_order "$src" "$out/order.txt" "$out/find.txt"; then
      victim=$(python3 "$HERE/real.py" first-failed "$out/find.txt")
      [ -n "$victim" ] && break
    fi
  done
  [ -n "$victim" ] || die "pytest: no failing order among seeds 1-30 (see $out/find.txt)"
  # The order up to the victim, which detect-test-pollution is handed (with the victim: it
  # takes it out itself).
  awk -v v="$victim" '{ print } $0 == v { exit }' "$out/order.txt" >"$out/failing.txt"
  local k
  k=$(wc -l <"$out/failing.txt")
  log "pytest$3: seed $seed, victim $victim, $k tests up to it"

  local smoke_t=() peer_t=() i pair polluter
  local smoke_cmd=("$SMOKE" --no-config --preset pytest --program "$VENV/bin/python -m pytest"
    --order rotate --times 1 -q --order-file "$out/order.txt")
  local peer_cmd=("$VENV/bin/detect-test-pollution" --failing-test "$victim" --testids-file "$out/failing.txt")
  for i in $(seq "$REPEAT"); do
    smoke_t+=("$(timed "$src" "$out/smoke-$i.txt" -- "${smoke_cmd[@]}" --report "$out/smoke-$i/report.txt")")
    [ "$(cat "$out/smoke-$i.txt.rc")" = 1 ] || die "pytest$3: smoke exited $(cat "$out/smoke-$i.txt.rc"), not 1 (see $out/smoke-$i.txt)"
    pair=$(python3 "$HERE/real.py" smoke-pair "$out/smoke-$i/report.json") || die "pytest$3: see $out/smoke-$i.txt"
    [ "${pair#* }" = "$victim" ] || die "pytest$3: smoke's pair $pair does not end with the victim $victim"
    peer_t+=("$(timed "$src" "$out/dtp-$i.txt" -- "${peer_cmd[@]}")")
    polluter=$(python3 "$HERE/real.py" dtp-polluter "$out/dtp-$i.txt") || die "pytest$3: see $out/dtp-$i.txt"
    [ "$polluter $victim" = "$pair" ] || die "pytest$3: dtp named $polluter, smoke $pair"
  done
  # The pair with the plain runner: it fails; the victim alone passes.
  tr " " "\n" <<<"$pair" >"$out/pair.txt"
  echo "$victim" >"$out/alone.txt"
  local minimal=no
  if ! pytest_order "$src" "$out/pair.txt" "$out/replay-pair.txt" \
     && pytest_order "$src" "$out/alone.txt" "$out/replay-alone.txt"; then minimal=yes; fi
  local s p b
  s=$(best "${smoke_t[@]}")
  b=$(best_run "${smoke_t[@]}")
  p=$(best "${peer_t[@]}")
  MUST+=("$(must "pytest$label" "$s" "$p" 0.2 detect-test-pollution)")
  ROWS+=("| pytest: freezegun$label (real order bug) | $FREEZEGUN | $n | $k (seed $seed) | detect-test-pollution | $p | $s | $(ratio "$s" "$p") | ${pair// / → } | $minimal |")
  NOTES+=("pytest$label: $(python3 "$HERE/real.py" breakdown "$out/smoke-$b/report.json" "$s") (its best run, $b)")
  COMMANDS+=("pytest$label (in freezegun-$FREEZEGUN${addopts:+, PYTEST_ADDOPTS=$addopts}): ${smoke_cmd[*]}" "  peer: ${peer_cmd[*]}")
  unset PYTEST_ADDOPTS
}

if has pytest; then
  if [ ! -x "$VENV/bin/detect-test-pollution" ]; then
    log "creating $VENV: ${PY_PINS[*]} (PyPI)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "${PY_PINS[@]}" >&2 || die "pip install failed"
  fi
  sdist=$CACHE/freezegun-$FREEZEGUN.tar.gz
  if [ ! -f "$sdist" ]; then
    log "pip download freezegun==$FREEZEGUN (sdist)"
    "$VENV/bin/pip" download -q --no-binary :all: --no-deps "freezegun==$FREEZEGUN" -d "$CACHE" >&2 \
      || die "pip download failed"
  fi
  mkdir -p "$WORK/pytest" && tar xzf "$sdist" -C "$WORK/pytest"
  VERSIONS+=("freezegun $FREEZEGUN; $("$VENV/bin/python" -m pytest --version 2>&1 | head -n 1), detect-test-pollution $("$VENV/bin/pip" show detect-test-pollution 2>/dev/null | awk '/^Version/{print $2}'), pytest-cov $("$VENV/bin/pip" show pytest-cov 2>/dev/null | awk '/^Version/{print $2}'), python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())')")
  pytest_row "" "" ""
  pytest_row " --cov" "--cov=freezegun" "-cov"
fi

# ---- rspec: dotenv, rspec --bisect -------------------------------------------------------------

if has rspec; then
  if ! command -v rspec >/dev/null; then
    [ "$(id -u)" = 0 ] || die "rspec is needed: apt-get install ruby-rspec"
    log "apt-get install ruby-rspec"
    apt-get install -y -q ruby-rspec >&2 || die "apt-get install ruby-rspec failed"
  fi
  orig=$CACHE/$DOTENV_ORIG
  if [ ! -f "$orig" ]; then
    log "fetching $DOTENV_ORIG (Debian's ruby-dotenv $DOTENV_DEB)"
    curl -fsS -o "$orig.part" "$DEBIAN_POOL/$DOTENV_ORIG" || die "could not fetch $DEBIAN_POOL/$DOTENV_ORIG"
    mv "$orig.part" "$orig"
  fi
  echo "$DOTENV_SHA256  $orig" | sha256sum -c --quiet - || die "$orig: sha256 differs from ruby-dotenv_$DOTENV_DEB.dsc's"
  src=$WORK/rspec/dotenv-2.4.0 out=$OUT/rspec
  mkdir -p "$WORK/rspec" "$out" && tar xzf "$orig" -C "$WORK/rspec"
  (cd "$src" && patch -s -p1 <"$HERE/rspec.patch")
  # As Debian's ruby-tests.rake: without the Rails spec (it needs Rails); lib on the load path.
  rm "$src/spec/dotenv/rails_spec.rb"
  echo "-I lib" >"$src/.rspec"
  n=$(cd "$src" && rspec --dry-run 2>/dev/null | awk '/examples?, /{print $1; exit}')
  seed=
  for s in $(seq 1 30); do
    if ! (cd "$src" && rspec --seed "$s" >"$out/ci.log" 2>&1); then seed=$s; break; fi
  done
  [ -n "$seed" ] || die "rspec: no failing seed among 1-30"
  k=$(cd "$src" && rspec --seed "$seed" --dry-run --format json 2>/dev/null | python3 -c '
import json, sys
ids = [e["id"] for e in json.load(sys.stdin)["examples"]]
print(next(i for i, e in enumerate(ids) if e.endswith("environment_spec.rb[1:4:1]")) + 1)')
  log "rspec: seed $seed fails, victim at $k of $n"
  smoke_t=() peer_t=()
  smoke_cmd=("$SMOKE" reproduce "$out/ci.log" --no-config --preset rspec -q)
  peer_cmd=(rspec --seed "$seed" --bisect)
  for i in $(seq "$REPEAT"); do
    smoke_t+=("$(timed "$src" "$out/smoke-$i.txt" -- "${smoke_cmd[@]}" --report "$out/smoke-$i/report.txt")")
    [ "$(cat "$out/smoke-$i.txt.rc")" = 1 ] || die "rspec: smoke exited $(cat "$out/smoke-$i.txt.rc"), not 1 (see $out/smoke-$i.txt)"
    pair=$(python3 "$HERE/real.py" smoke-pair "$out/smoke-$i/report.json") || die "rspec: see $out/smoke-$i.txt"
    peer_t+=("$(timed "$src" "$out/bisect-$i.txt" -- "${peer_cmd[@]}")")
    peer=$(python3 "$HERE/real.py" rspec-pair "$out/bisect-$i.txt") || die "rspec: see $out/bisect-$i.txt"
    # rspec names the pair in file order; smoke in run order.
    [ "$(tr ' ' '\n' <<<"$peer" | sort | xargs)" = "$(tr ' ' '\n' <<<"$pair" | sort | xargs)" ] \
      || die "rspec: rspec --bisect named $peer, smoke $pair"
  done
  minimal=no
  # shellcheck disable=SC2086
  if ! (cd "$src" && rspec --seed "$seed" $pair >"$out/replay-pair.txt" 2>&1) \
     && (cd "$src" && rspec --seed "$seed" "${pair#* }" >"$out/replay-alone.txt" 2>&1); then minimal=yes; fi
  s=$(best "${smoke_t[@]}")
  b=$(best_run "${smoke_t[@]}")
  p=$(best "${peer_t[@]}")
  MUST+=("$(must rspec "$s" "$p" 0.8 "rspec --bisect")")
  ROWS+=("| rspec: dotenv (planted pair in a real suite) | $DOTENV_DEB | $n | $k (seed $seed) | rspec --bisect | $p | $s | $(ratio "$s" "$p") | ${pair// / → } | $minimal |")
  NOTES+=("rspec: $(python3 "$HERE/real.py" breakdown "$out/smoke-$b/report.json" "$s") (its best run, $b)")
  COMMANDS+=("rspec (in dotenv-2.4.0, ci.log = the output of rspec --seed $seed): ${smoke_cmd[*]}" "  peer: ${peer_cmd[*]}")
  VERSIONS+=("dotenv 2.4.0 (Debian $DOTENV_DEB); $(rspec --version | head -n 2 | tr -s ' \n' ' ')ruby $(ruby -e 'print RUBY_VERSION')")
fi

# ---- jest: numeral, no peer ---------------------------------------------------------------------

if has jest; then
  command -v npm >/dev/null || die "npm is needed (and node)"
  tgz=$CACHE/numeral-$NUMERAL.tgz
  if [ ! -f "$tgz" ]; then
    log "npm pack numeral@$NUMERAL"
    (cd "$CACHE" && npm pack -q "numeral@$NUMERAL" >/dev/null) || die "npm pack failed"
  fi
  deps=$CACHE/numeral-deps
  if [ ! -x "$deps/node_modules/.bin/jest" ]; then
    log "npm install --no-save ${NPM_PINS[*]}"
    # In a folder of its own: in numeral's, npm would install its devDependencies too (karma,
    # grunt: a thousand packages).
    rm -rf "$deps" && mkdir -p "$deps" && echo '{"private": true}' >"$deps/package.json"
    (cd "$deps" && npm install -q --no-save --no-package-lock --no-audit --no-fund "${NPM_PINS[@]}" >&2) \
      || die "npm install failed"
  fi
  src=$WORK/jest/numeral out=$OUT/jest
  mkdir -p "$src" "$out" && tar xzf "$tgz" -C "$src" --strip-components=1
  (cd "$src" && patch -s -p1 <"$HERE/jest.patch")
  # jest runs the mocha-style tests (describe/it, chai; mocha's before/after are jest's
  # beforeAll/afterAll); node_modules is the cached install's.
  ln -s "$deps/node_modules" "$src/node_modules"
  cat >"$src/jest.config.js" <<'EOF'
module.exports = {
  testMatch: ["<rootDir>/tests/**/*.js"],
  testEnvironment: "node",
  setupFilesAfterEnv: ["<rootDir>/jest.mocha.js"],
};
EOF
  printf 'global.before = beforeAll;\nglobal.after = afterAll;\n' >"$src/jest.mocha.js"
  POLLUTER=tests/locales/fr.js VICTIM=tests/formats/currency.js
  (cd "$src" && "$SMOKE" --no-config --preset jest --list 2>/dev/null) | sort >"$out/files.txt"
  n=$(wc -l <"$out/files.txt")
  # The first seed whose order has the polluter before the victim (jest's files share only
  # the disk, so that is the order that fails; the replay below checks it).
  seed=
  for s in $(seq 1 30); do
    python3 "$HERE/real.py" shuffle "$s" "$out/files.txt" >"$out/order.txt"
    if [ "$(grep -n -x -e "$POLLUTER" -e "$VICTIM" "$out/order.txt" | head -n 1 | cut -d: -f2)" = "$POLLUTER" ]; then
      seed=$s; break
    fi
  done
  [ -n "$seed" ] || die "jest: no seed among 1-30 puts $POLLUTER before $VICTIM"
  awk -v v="$VICTIM" '{ print } $0 == v { exit }' "$out/order.txt" >"$out/failing.txt"
  k=$(wc -l <"$out/failing.txt")
  log "jest: seed $seed, victim at $k of $n"
  smoke_t=()
  smoke_cmd=("$SMOKE" --no-config --preset jest --setup "rm -rf tmp" --order rotate --times 1 -q
    --order-file "$out/order.txt")
  for i in $(seq "$REPEAT"); do
    rm -rf "$src/tmp"
    smoke_t+=("$(timed "$src" "$out/smoke-$i.txt" -- "${smoke_cmd[@]}" --report "$out/smoke-$i/report.txt")")
    [ "$(cat "$out/smoke-$i.txt.rc")" = 1 ] || die "jest: smoke exited $(cat "$out/smoke-$i.txt.rc"), not 1 (see $out/smoke-$i.txt)"
    pair=$(python3 "$HERE/real.py" smoke-pair "$out/smoke-$i/report.json") || die "jest: see $out/smoke-$i.txt"
    [ "$pair" = "$POLLUTER $VICTIM" ] || die "jest: smoke named $pair, not the planted pair"
  done
  jest1() { npx --no -- jest --ci --runInBand --runTestsByPath "$@" >/dev/null 2>&1; }
  minimal=no
  if (cd "$src" && rm -rf tmp && jest1 "$POLLUTER" && ! jest1 "$VICTIM") \
     && (cd "$src" && rm -rf tmp && jest1 "$VICTIM"); then minimal=yes; fi
  base=- base_note=
  if [ "$BASELINE" = 1 ]; then
    # Each file before the victim, one at a time in the order, then the victim; stop at the
    # first that makes it fail. One run, no proof.
    t0=$EPOCHREALTIME runs=0 found=
    while read -r f; do
      [ "$f" = "$VICTIM" ] && break
      runs=$((runs + 1))
      if (cd "$src" && rm -rf tmp && jest1 "$f"; ! jest1 "$VICTIM"); then found=$f; break; fi
    done <"$out/failing.txt"
    base=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    [ "$found" = "$POLLUTER" ] || die "jest: the one-by-one reference found '${found}'"
    base_note=" (reference: each file before the victim, then the victim, $runs files tried)"
  fi
  s=$(best "${smoke_t[@]}")
  b=$(best_run "${smoke_t[@]}")
  ROWS+=("| jest: numeral (planted pair in a real suite) | $NUMERAL | $n files | $k (seed $seed) | none$base_note | $base | $s | $(ratio "$s" "$base") | $POLLUTER → $VICTIM | $minimal |")
  NOTES+=("jest: $(python3 "$HERE/real.py" breakdown "$out/smoke-$b/report.json" "$s") (its best run, $b)")
  COMMANDS+=("jest (in numeral, order.txt the shuffle of seed $seed): ${smoke_cmd[*]}")
  VERSIONS+=("numeral $NUMERAL; jest $(cd "$src" && npx --no -- jest --version), node $(node --version)")
fi

# ---- the table ---------------------------------------------------------------------------------

TOOK=$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
echo "smoke on real suites: wall time to the proven answer, best of $REPEAT, smoke and the peer on the same order, one sitting"
echo "smoke $("$SMOKE" --version | awk '{print $2}') at $(cd "$REPO" && git rev-parse --short HEAD)$(cd "$REPO" && git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' (with uncommitted changes)')"
printf '%s\n' "${VERSIONS[@]}"
echo "machine: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(nproc) cpus, $(uname -sr), $(uname -m); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| suite | version | tests | order length (to the victim) | peer | peer s | smoke s | smoke / peer | answer | 1-minimal |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "must-hold (issue 25), best of $REPEAT each; every answer above was checked 1-minimal:"
printf '  %s\n' "${MUST[@]}"
echo
echo "where smoke's time went (its JSON report):"
printf '  %s\n' "${NOTES[@]}"
echo
echo "commands:"
printf '  %s\n' "${COMMANDS[@]}"
echo "took $TOOK s"
