#!/bin/sh
# Writes a metric and reads it back.
. t/lib.sh
echo 1 > state/metric && [ "$(cat state/metric)" = 1 ] || fail metric; rm state/metric
