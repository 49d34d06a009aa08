#!/bin/sh
# Opens and closes a session.
. t/lib.sh
touch state/session && rm state/session
