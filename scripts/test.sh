#!/usr/bin/env bash
# Runs every test with bun test and ends with the plain summary line CI reads: "N passed, N failed".
#
# With no arguments, every test file runs, in parallel (TEST_JOBS at a time, default cores + 1: most of a test's
# time is spent waiting on servers and databases, and every file already has databases of its own). Each file is
# its own `bun test` process; its output is printed whole when it ends, so logs never interleave. With arguments,
# one `bun test` runs them in order (files, folders or bun test flags), unless TEST_JOBS is set: then the files
# under the given paths run in parallel the same way.
#
# Everything runs in a process group of its own, so whatever a killed or leaking run leaves behind (spawned
# servers, its PostgreSQL test databases, private clusters) is removed afterwards and reported.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

launch=()
command -v setsid > /dev/null && launch=(setsid)

serial=$([ $# -gt 0 ] && [ -z "${TEST_JOBS:-}" ] && echo 1 || echo 0)
if [ "$serial" = 1 ]; then
  # One bun test with the caller's arguments (setsid execs it: its process id is the group's).
  "${launch[@]}" bun test --timeout 120000 "$@" > >(tee "$work/serial.log") 2>&1 &
  echo $! > "$work/pids"
else
  jobs=${TEST_JOBS:-$(($(nproc 2> /dev/null || echo 1) + 1))}
  # Larger files first: they tend to run longest, and starting them early keeps the tail short.
  find "${@:-tests}" -name '*.test.ts' -printf '%s %p\n' | sort -rn | cut -d' ' -f2- > "$work/files"
  echo "running $(wc -l < "$work/files") test files, $jobs at a time"
  one_file() {
    local file=$1 log
    log="$work/$(echo "$file" | tr '/' '_').log"
    local started=$SECONDS
    bun test --timeout 120000 "$file" > "$log" 2>&1 &
    local pid=$!
    echo "$pid" >> "$work/pids"
    wait "$pid"
    local status=$?
    echo "$status $((SECONDS - started)) $file" >> "$work/results"
    # One file's whole output at a time, under a lock, so parallel files never interleave.
    { flock 9; echo "=== $file (${status}, $((SECONDS - started)) s)"; cat "$log"; } 9> "$work/print.lock"
  }
  export -f one_file
  export work
  "${launch[@]}" bash -c 'xargs -a "$work/files" -d "\n" -P "$0" -I{} bash -c "one_file {}"' "$jobs" &
fi
group=$!
trap 'kill -TERM -- "-$group" 2> /dev/null || kill -TERM "$group" 2> /dev/null' INT TERM
wait "$group"
status=$?
# An interrupted wait returns early: wait again for the run itself to finish.
while kill -0 "$group" 2> /dev/null; do wait "$group"; status=$?; done
trap - INT TERM
if [ ${#launch[@]} -gt 0 ] && kill -0 -- "-$group" 2> /dev/null; then
  echo "leftovers: killing processes the run left behind: $(pgrep -g "$group" | tr '\n' ' ')"
  kill -KILL -- "-$group" 2> /dev/null
fi
[ -s "$work/pids" ] && bun tests/helpers/leftovers.ts $(cat "$work/pids") || true
wait # for tee to flush the log

if [ "$serial" = 1 ]; then
  logs=("$work/serial.log")
  failed_files=$([ "$status" -ne 0 ] && echo 1 || echo 0)
else
  logs=("$work"/*.log)
  failed_files=$(awk '$1 != 0' "$work/results" 2> /dev/null | wc -l)
  echo "slowest files:"
  sort -k2 -rn "$work/results" 2> /dev/null | head -8 | awk '{ printf "  %4d s  %s%s\n", $2, $3, ($1 != 0 ? "  (failed)" : "") }'
  [ "$failed_files" -gt 0 ] && status=1
fi
passed=0 failed=0
for log in "${logs[@]}"; do
  p=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  passed=$((passed + p)) failed=$((failed + f))
done
# A file that failed without a failing test (it crashed, or an error between tests) still counts as a failure.
if [ "$failed" -lt "$failed_files" ]; then failed=$failed_files; fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit "$status"
