#!/bin/sh
# Backs up the config if there is one.
. t/lib.sh
[ -e state/config ] && cp state/config state/config.bak; rm -f state/config.bak; echo backed up
