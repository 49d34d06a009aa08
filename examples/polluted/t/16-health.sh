#!/bin/sh
# Health check.
. t/lib.sh
echo healthy
