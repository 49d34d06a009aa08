#!/bin/sh
# Appends to the audit log (harmless: nobody reads it).
. t/lib.sh
echo "audit $SMOKE_TEST" >> state/audit.log
