#!/bin/sh
# Shutdown hook runs cleanly.
. t/lib.sh
echo bye
