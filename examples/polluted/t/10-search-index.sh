#!/bin/sh
# Builds a search index in a temp folder.
. t/lib.sh
mkdir -p state/idx && touch state/idx/a && rm -r state/idx
