#!/bin/sh
# VICTIM: rebuilding the cache needs the cache lock to be free.
. t/lib.sh
[ ! -e state/cache.lock ] || fail "cache is locked (state/cache.lock exists)"; echo rebuilt > state/cache; echo cache rebuilt
