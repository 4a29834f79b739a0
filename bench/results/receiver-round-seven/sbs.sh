#!/bin/bash
# side by side: $1 = tag, then binaries (name=path) alternately, $PAIRS times; DB env selects postgres.
tag=$1; shift
for p in $(seq 1 ${PAIRS:-2}); do
  for nb in "$@"; do
    n=${nb%%=*}; b=${nb#*=}
    extra=""; [ -n "$DB" ] && extra="--database-url $DB"
    /tmp/s16-receiver/bench control --server-bin $b $extra --phases ${PHASES:-busy} --skip-growth --duration 5s --out runs/$tag-$n-$p.json > runs/$tag-$n-$p.log 2>&1
    echo "$tag $n $p: $(grep -E 'deliveries c16' runs/$tag-$n-$p.log | sed 's/.*deliveries c16 *//')"
  done
done
