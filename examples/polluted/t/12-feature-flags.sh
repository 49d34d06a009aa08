#!/bin/sh
# Toggles a flag on and off.
. t/lib.sh
echo on > state/flag && echo off > state/flag && rm state/flag
