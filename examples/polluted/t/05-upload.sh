#!/bin/sh
# Uploads a file into its own folder and cleans up.
. t/lib.sh
mkdir -p state/up && echo data > state/up/f && rm -r state/up
