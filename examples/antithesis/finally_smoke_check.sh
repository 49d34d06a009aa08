#!/bin/sh
# Antithesis test command (finally): ends the timeline's sequence. smoke runs teardown, shrinks
# a failure to its minimal sequence and writes its report; `smoke check` prints the verdict line
# ({"event":"verdict","verdict":"pass"|"fail"|"error"|"interrupted","exit":N,"failures":N,
# "report":PATH}) and exits with smoke's own exit code: 0 no failure, 1 failure found.
exec smoke check "${SMOKE_CONTROL_DIR:-/tmp/smoke-control}" --wait "${SMOKE_WAIT:-60s}"
