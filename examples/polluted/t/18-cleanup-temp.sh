#!/bin/sh
# Removes temp files it made.
. t/lib.sh
touch state/tmp1 && rm state/tmp1
