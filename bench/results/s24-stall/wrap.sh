#!/bin/bash
# Starts the server with Go's gctrace on and its stderr copied to $WRAP_LOG,
# the process's start time first (gctrace stamps are seconds since start).
echo "start $(date +%s.%N) pid $$ $*" >> "$WRAP_LOG"
GODEBUG=gctrace=1 exec "$WRAP_BIN" "$@" 2> >(tee -a "$WRAP_LOG" >&2)
