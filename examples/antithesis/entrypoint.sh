#!/bin/sh
# The test container's entrypoint: start smoke watching the control folder, in the background,
# before the system is declared ready, so that every timeline Antithesis branches has its own
# smoke waiting for `smoke op` and `smoke check`. The suite is the smoke.toml in /suite.
set -eu
dir=${SMOKE_CONTROL_DIR:-/tmp/smoke-control}
cd /suite
smoke --control-dir "$dir" --report-dir /suite/reports &
# smoke holds $dir/smoke.lock while it watches; ops started earlier wait for it (--wait).
while [ ! -e "$dir/smoke.lock" ]; do sleep 0.1; done
# Signal setup_complete here the way your setup does (an SDK call, or the JSON line your
# Antithesis output directory expects), then keep the container alive.
wait
