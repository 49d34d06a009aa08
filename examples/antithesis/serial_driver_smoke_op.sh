#!/bin/sh
# Antithesis test command (serial driver): one step of smoke's test order per call.
# `smoke op` asks the smoke watching the control folder to run the next test, prints its result
# line ({"event":"result","test":...,"outcome":...,"duration_ms":...}) and exits with the test's
# status: 0 pass, N for exit N, 128+N for signal N, 124 for a timeout; 2 when smoke cannot
# answer (no smoke watching after --wait, or smoke stopped), with the reason on stderr.
exec smoke op "${SMOKE_CONTROL_DIR:-/tmp/smoke-control}" --wait "${SMOKE_WAIT:-60s}"
