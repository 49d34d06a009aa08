#!/bin/sh
# Exports a report to a temp file.
. t/lib.sh
tmp=state/export.$$ && echo r > "$tmp" && rm "$tmp"
