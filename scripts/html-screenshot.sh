#!/usr/bin/env bash
# Make the guide's picture of the HTML report (docs/report.png, in docs/guide.md's Reports): run the demo suite
# (examples/polluted, seed 1) in a temp copy, then have headless Chromium (Debian's `chromium`
# package) open the HTML report it wrote and take a screenshot. Nothing is fetched: the page is
# self-contained and Chromium runs with its network features off.
#
#   scripts/html-screenshot.sh [OUT.png]      default: docs/report.png
#
# SMOKE names the binary to run (default: target/release/smoke, built if missing);
# WINDOW the window size (default 1100,1500). tests/html.rs runs this script too.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/docs/report.png}"
window="${WINDOW:-1100,1500}"
smoke="${SMOKE:-}"
if [ -z "$smoke" ]; then
  smoke="$root/target/release/smoke"
  [ -x "$smoke" ] || cargo build --release --manifest-path "$root/Cargo.toml" >&2
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "html-screenshot: chromium is not installed (Debian: apt-get install chromium)" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$root/examples/polluted/." "$work/suite"
rm -rf "$work/suite/reports" "$work/suite/state"
# The demo exits 1: it finds its two planted order bugs.
status=0
"$smoke" --config "$work/suite/smoke.toml" --seed 1 --report "$work/report.txt" -q >/dev/null || status=$?
if [ "$status" -ne 1 ]; then
  echo "html-screenshot: the demo run exited $status, expected 1 (failures found)" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$work/profile" --window-size="$window" \
  --screenshot="$out" "file://$work/report.html" >/dev/null 2>&1
[ -s "$out" ] || { echo "html-screenshot: chromium wrote no screenshot" >&2; exit 1; }
echo "$out"
