#!/bin/sh
# Reads the default config (none written).
. t/lib.sh
[ ! -e state/config ] || fail "config already written: $(cat state/config)"; echo default config ok
