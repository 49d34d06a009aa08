#!/bin/sh
# Checks the rate limiter with no history.
. t/lib.sh
echo ok
