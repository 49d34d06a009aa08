#!/bin/sh
# POLLUTER: warms the cache and forgets to release the cache lock.
. t/lib.sh
echo warm > state/cache; touch state/cache.lock; echo cache warmed
