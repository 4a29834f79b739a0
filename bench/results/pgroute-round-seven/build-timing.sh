#!/bin/sh
# usage: build-timing.sh OUT
cd /work/wt/s16-pgroute && python3 /tmp/s16-pgroute/instrument.py && go build -o "$1" ./cmd/superplane-server; rc=$?
git checkout internal/store/eventroute.go; rm -f internal/store/zz_timing.go; exit $rc
