#!/bin/sh
# Allocates ids from a pool of two: the third run in one state fails.
. t/lib.sh
echo x >> state/ids; n=$(wc -l < state/ids); [ "$n" -le 2 ] || fail "id pool exhausted after $n allocations"; echo "allocated id $n"
