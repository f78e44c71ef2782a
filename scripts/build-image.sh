#!/usr/bin/env bash
# Builds the Spindle image from the Dockerfile with whichever builder this machine has, and optionally starts it
# and checks it.
#
#   scripts/build-image.sh                     # docker (daemon), else podman, else buildah; tag spindle:local
#   scripts/build-image.sh --smoke             # then run it: healthy, non-root, /data a volume, a job through the CLI
#   scripts/build-image.sh --smoke-postgres postgres://user@host:5432/db
#                                              # then two replicas on that PostgreSQL: a job enqueued on one is
#                                              # claimed on the other
#
# Options:
#   --tag NAME          image name (spindle:local)
#   --builder B         docker | podman | buildah (default: the first that works)
#   --base IMAGE        the Debian image both stages start from (debian:bookworm-slim)
#   --debootstrap       no registry for base images (no Docker Hub): make the Debian base locally with debootstrap
#                       from apt's mirror and import it as localhost/spindle-debian:bookworm
#   --ca FILE           a CA bundle npm must trust during the build (a TLS-inspecting proxy); passed as a build
#                       secret, never stored in the image
#   --vfs               podman/buildah: use the vfs storage driver (no overlay in nested containers)
#
# Environment: BUILD_FLAGS and RUN_FLAGS, extra flags for `build` and `run`; PODMAN_GLOBAL, flags before any podman
# command. Inside a container (as on the machine this was verified on, see docs/distribution.md):
#   BUILD_FLAGS="--isolation chroot" RUN_FLAGS="--ulimit nofile=4096:4096 --ulimit nproc=4096:4096"
#   PODMAN_GLOBAL="--runtime runc --cgroup-manager cgroupfs"
set -euo pipefail
cd "$(dirname "$0")/.."

tag=spindle:local
builder=""
base=debian:bookworm-slim
debootstrap=false
ca=""
storage=()
smoke=false
smoke_pg=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift ;;
    --builder) builder=$2; shift ;;
    --base) base=$2; shift ;;
    --debootstrap) debootstrap=true ;;
    --ca) ca=$2; shift ;;
    --vfs) storage=(--storage-driver vfs) ;;
    --smoke) smoke=true ;;
    --smoke-postgres) smoke_pg=$2; shift ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (--help)" >&2; exit 2 ;;
  esac
  shift
done
read -r -a podman_global <<< "${PODMAN_GLOBAL:-}"
read -r -a run_flags <<< "${RUN_FLAGS:-}"
read -r -a build_flags <<< "${BUILD_FLAGS:-}"

if [ -z "$builder" ]; then
  if command -v docker > /dev/null && docker info > /dev/null 2>&1; then builder=docker
  elif command -v podman > /dev/null; then builder=podman
  elif command -v buildah > /dev/null; then builder=buildah
  else echo "no image builder: install docker, podman or buildah" >&2; exit 1; fi
fi
case "$builder" in
  docker) tool=(docker) ;;
  podman) tool=(podman "${storage[@]}" "${podman_global[@]}") ;;
  buildah) tool=(buildah "${storage[@]}") ;;
  *) echo "unknown builder $builder" >&2; exit 2 ;;
esac
# Running needs docker or podman: buildah builds only, so its image is run with podman on the same storage.
runner=("${tool[@]}")
if [ "$builder" = buildah ]; then
  command -v podman > /dev/null || { [ "$smoke" = false ] && [ -z "$smoke_pg" ]; } || { echo "--smoke needs podman beside buildah" >&2; exit 1; }
  runner=(podman "${storage[@]}" "${podman_global[@]}")
fi

# ---- the Debian base, made locally when no registry serves it -------------------------------------------------
if [ "$debootstrap" = true ]; then
  base=localhost/spindle-debian:bookworm
  if ! "${tool[@]}" image inspect "$base" > /dev/null 2>&1; then
    command -v debootstrap > /dev/null || { echo "--debootstrap needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
    mirror=$(grep -hoE '^URIs: *http[^ ]*debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | sed 's/^URIs: *//')
    rootfs=$(mktemp -d)
    echo "making $base with debootstrap from ${mirror:-http://deb.debian.org/debian}"
    debootstrap --variant=minbase bookworm "$rootfs/root" "${mirror:-http://deb.debian.org/debian}" > "$rootfs/log" 2>&1 ||
      { tail -20 "$rootfs/log" >&2; exit 1; }
    rm -rf "$rootfs"/root/var/cache/apt/archives/*.deb "$rootfs"/root/var/lib/apt/lists/*
    tar -C "$rootfs/root" -cf "$rootfs/base.tar" .
    if [ "$builder" = buildah ]; then
      ctr=$(buildah "${storage[@]}" from scratch)
      buildah "${storage[@]}" add "$ctr" "$rootfs/base.tar" / > /dev/null
      buildah "${storage[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash "$ctr"
      buildah "${storage[@]}" commit -q "$ctr" "$base" > /dev/null
      buildah "${storage[@]}" rm "$ctr" > /dev/null
    else
      "${tool[@]}" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["/bin/bash"]' "$rootfs/base.tar" "$base" > /dev/null
    fi
    rm -rf "$rootfs"
  fi
fi

# ---- build ---------------------------------------------------------------------------------------------------------
args=(--build-arg "DEBIAN_IMAGE=$base" -t "$tag" "${build_flags[@]}")
[ -n "$ca" ] && args+=(--secret "id=build-ca,src=$ca")
started=$(date +%s)
case "$builder" in
  docker) DOCKER_BUILDKIT=1 docker build "${args[@]}" . ;;
  podman) "${tool[@]}" build --format docker --network host "${args[@]}" . ;;
  buildah) "${tool[@]}" bud --format docker --network host "${args[@]}" . ;;
esac
echo "built $tag with $builder in $(( $(date +%s) - started )) s"
if [ "$builder" = buildah ] && [ "${runner[0]}" = podman ] && ! "${runner[@]}" image inspect "$tag" > /dev/null 2>&1; then
  # podman keeps its own image list: hand it the image buildah stored.
  buildah "${storage[@]}" push "$tag" "containers-storage:$tag" > /dev/null 2>&1 || true
fi
"${runner[@]}" image inspect "$tag" --format 'user={{.Config.User}} volumes={{json .Config.Volumes}} healthcheck={{json .Config.Healthcheck.Test}} size={{.Size}}' 2>/dev/null ||
  "${tool[@]}" inspect --type image --format 'user={{.Config.User}} volumes={{json .Config.Volumes}}' "$tag"

# ---- smoke checks --------------------------------------------------------------------------------------------------
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
containers=()
cleanup() { for c in "${containers[@]}"; do "${runner[@]}" rm -f -v "$c" > /dev/null 2>&1 || true; done; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_healthy() { # url
  for _ in $(seq 1 90); do curl -fsS "$1/health/ready" > /dev/null 2>&1 && return 0; sleep 1; done
  return 1
}
start() { # name port [extra run args...]
  local name=$1 port=$2; shift 2
  "${runner[@]}" run -d --name "$name" "${run_flags[@]}" -p "127.0.0.1:$port:8080" -e "JWT_SECRET=$secret" "$@" "$tag" > /dev/null
  containers+=("$name")
  wait_healthy "http://127.0.0.1:$port" || { "${runner[@]}" logs "$name" >&2; echo "$name did not become healthy" >&2; exit 1; }
}
cli() { "${runner[@]}" exec "$@"; }

if [ "$smoke" = true ]; then
  port=$(free_port)
  start spindle-smoke "$port"
  [ "$(cli spindle-smoke id -u)" = 10001 ] || { echo "the server does not run as uid 10001" >&2; exit 1; }
  cli spindle-smoke spindle health --url http://127.0.0.1:8080 # the image's own HEALTHCHECK command
  mounts=$("${runner[@]}" inspect spindle-smoke --format '{{range .Mounts}}{{.Destination}} {{end}}')
  [[ " $mounts " == *" /data "* ]] || { echo "/data is not a volume ($mounts)" >&2; exit 1; }
  key=$(cli spindle-smoke spindle org create "Smoke Org" --url http://127.0.0.1:8080 | tail -1)
  curl -fsS -XPOST "http://127.0.0.1:$port/api/v1/jobs" -H "authorization: Bearer $key" -H 'content-type: application/json' \
    -d '{"queue_name":"smoke","payload":{"from":"the image"}}' > /dev/null
  cli -e SPINDLE_API_KEY="$key" spindle-smoke spindle jobs ls --url http://127.0.0.1:8080
  echo "smoke: healthy on :$port, runs as uid 10001, /data is a volume, the CLI works inside"
fi

if [ -n "$smoke_pg" ]; then
  # Two replicas on one PostgreSQL (reached through the host network when it runs there).
  p1=$(free_port); p2=$(free_port)
  pg_args=(-e "DATABASE_URL=$smoke_pg")
  [[ "$smoke_pg" == *127.0.0.1* || "$smoke_pg" == *localhost* ]] && pg_args=(--network host -e "DATABASE_URL=$smoke_pg")
  if [ "${pg_args[0]}" = --network ]; then
    for n in 1 2; do
      p=$([ $n = 1 ] && echo "$p1" || echo "$p2")
      "${runner[@]}" run -d --name "spindle-replica-$n" "${run_flags[@]}" "${pg_args[@]}" -e "PORT=$p" -e GRPC_PORT=0 -e "JWT_SECRET=$secret" "$tag" > /dev/null
      containers+=("spindle-replica-$n")
      wait_healthy "http://127.0.0.1:$p" || { "${runner[@]}" logs "spindle-replica-$n" >&2; exit 1; }
    done
  else
    start spindle-replica-1 "$p1" "${pg_args[@]}"
    start spindle-replica-2 "$p2" "${pg_args[@]}"
  fi
  org=$(curl -fsS -XPOST "http://127.0.0.1:$p1/api/v1/organizations" -H 'content-type: application/json' \
    -d "{\"name\":\"Replica Smoke\",\"slug\":\"replica-smoke-$(date +%s)\"}")
  key=$(echo "$org" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"]["key"])')
  id=$(curl -fsS -XPOST "http://127.0.0.1:$p1/api/v1/jobs" -H "authorization: Bearer $key" -H 'content-type: application/json' \
    -d '{"queue_name":"replicas","payload":{"n":1}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  claimed=$(curl -fsS -XPOST "http://127.0.0.1:$p2/api/v1/jobs/claim" -H "authorization: Bearer $key" -H 'content-type: application/json' \
    -d '{"queue_name":"replicas","worker_id":"smoke"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
  [ "$claimed" = "$id" ] || { echo "replica 2 claimed '$claimed', expected $id" >&2; exit 1; }
  echo "smoke: two replicas on $smoke_pg; job $id enqueued on :$p1 was claimed on :$p2"
fi
