#!/bin/sh
# Pushes and pops one job.
. t/lib.sh
echo job >> state/queue && : > state/queue
