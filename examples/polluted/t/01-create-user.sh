#!/bin/sh
# Creates a user record and removes it.
. t/lib.sh
echo alice > state/user && rm state/user
