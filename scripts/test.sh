#!/usr/bin/env bash
# Runs every test with bun test and ends with the plain summary line CI reads: "N passed, N failed".
# bun runs in a process group of its own, so whatever a killed or leaking run leaves behind (spawned servers,
# its PostgreSQL test databases) is removed afterwards and reported.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
log=$(mktemp)
launch=()
command -v setsid > /dev/null && launch=(setsid)
"${launch[@]}" bun test --timeout 120000 "$@" > >(tee "$log") 2>&1 &
pid=$!
trap 'kill -TERM -- "-$pid" 2> /dev/null || kill -TERM "$pid" 2> /dev/null' INT TERM
wait "$pid"
status=$?
# An interrupted wait returns early: wait again for bun itself to finish.
while kill -0 "$pid" 2> /dev/null; do wait "$pid"; status=$?; done
trap - INT TERM
if [ ${#launch[@]} -gt 0 ] && kill -0 -- "-$pid" 2> /dev/null; then
  echo "leftovers: killing processes the run left behind: $(pgrep -g "$pid" | tr '\n' ' ')"
  kill -KILL -- "-$pid" 2> /dev/null
fi
bun tests/helpers/leftovers.ts "$pid" || true
wait # for tee to flush the log
passed=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit "$status"
