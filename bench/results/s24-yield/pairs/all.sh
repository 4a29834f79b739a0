#!/bin/bash
# The side-by-side sets of the report, base (552ac58) against after (this branch, bound 128):
# unpaced 6 pairs, --rate 600 3 pairs, the tenants phase 2 pairs.
cd "$(dirname "$0")"
SET=u ROUNDS=6 VARIANTS="base after" ./run.sh
SET=r600 ROUNDS=3 ARGS="--rate 600" VARIANTS="base after" ./run.sh
SET=ten ROUNDS=2 PHASES=tenants VARIANTS="base after" ./run.sh
