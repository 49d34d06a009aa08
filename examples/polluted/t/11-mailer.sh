#!/bin/sh
# Queues a mail and sends it.
. t/lib.sh
echo mail > state/outbox && rm state/outbox
