#!/bin/bash
# measure2.sh: after measure.sh, more apply N=100 rounds (sbs-apply100-b.log), then the plugin
# processes' profiles through 6 applies of 100 for new (profplugins.sh), as done for base and floor
# before the change.
here=$(cd "$(dirname "$0")" && pwd)
while pgrep -f "bash measure.sh" > /dev/null; do sleep 5; done
bash $here/sbs.sh ${1:-10} 100 apply > $here/sbs-apply100-b.log 2>&1
uptime >> $here/load.txt
bash $here/profplugins.sh new 100 6 /tmp/s23-provider/prof/apply100-new > /tmp/s23-provider/prof-new.log 2>&1
echo done2
