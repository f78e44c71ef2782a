#!/usr/bin/env bash
# Checks what `npm run build:all` made: `file` on each binary, then for each one this machine can run (natively,
# or arm64 under Debian's qemu-user-static with libc6-arm64-cross): `version`, then `serve` on a fresh embedded
# database until `spindle health` answers, an organization and a job through the CLI and REST, and a clean stop.
#   apt-get install qemu-user-static libc6-arm64-cross file   # to run the arm64 glibc binary here
set -uo pipefail
cd "$(dirname "$0")/.."
cli=dist/spindle-linux-x64
port=18181
status=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

runner_for() {
  case "$1" in
    *-x64) echo "" ;;
    *-arm64)
      if command -v qemu-aarch64-static > /dev/null && [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
        echo "qemu-aarch64-static -L /usr/aarch64-linux-gnu"
      else echo "none: install qemu-user-static and libc6-arm64-cross"; fi ;;
    *-musl) echo "none: musl builds need musl's libstdc++ and libgcc (Alpine: apk add libstdc++ libgcc); Debian has none" ;;
  esac
}

for bin in dist/spindle-linux-x64 dist/spindle-linux-x64-musl dist/spindle-linux-arm64 dist/spindle-linux-arm64-musl; do
  [ -e "$bin" ] || { echo "$bin: missing (npm run build:all)"; status=1; continue; }
  echo "$bin: $(du -m "$bin" | cut -f1) MiB; $(file -b "$bin" | cut -d, -f1-2,4-5)"
  runner=$(runner_for "$bin")
  if [[ "$runner" == none:* ]]; then echo "  not run here (${runner#none: })"; continue; fi
  echo "  version: $($runner "$bin" version)" || { status=1; continue; }
  data="$work/$(basename "$bin")"
  mkdir -p "$data"
  started=$(date +%s)
  PORT=$port GRPC_PORT=0 HOST=127.0.0.1 SPINDLE_DATA_DIR="$data/db" $runner "$bin" serve > "$data/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do "$cli" health --url "http://127.0.0.1:$port" > /dev/null 2>&1 && break; sleep 1; done
  if ! "$cli" health --url "http://127.0.0.1:$port"; then
    echo "  did not become healthy:"; sed 's/^/    /' "$data/log"; kill -KILL "$pid"; status=1; continue
  fi
  echo "  healthy $(( $(date +%s) - started )) s after start (first start runs initdb)"
  key=$("$cli" org create "Check $(basename "$bin")" --url "http://127.0.0.1:$port" | tail -1)
  curl -fsS -XPOST "http://127.0.0.1:$port/api/v1/jobs" -H "authorization: Bearer $key" -H 'content-type: application/json' \
    -d '{"queue_name":"check","payload":{"ok":true}}' > /dev/null || status=1
  SPINDLE_URL="http://127.0.0.1:$port" SPINDLE_API_KEY="$key" "$cli" jobs ls --queue check | sed 's/^/  /'
  kill -TERM "$pid"; wait "$pid"; echo "  stopped with exit code $?"
  port=$((port + 1))
done
exit $status
