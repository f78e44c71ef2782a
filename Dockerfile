# Spindle as one self-contained executable in a slim Debian image, running as a non-root user.
#   scripts/build-image.sh                      # docker, podman or buildah; see the script for a machine without Docker Hub
#   docker run -p 8080:8080 -p 50051:50051 -v spindle-data:/data spindle          # embedded PGlite in /data
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://user:pw@db:5432/spindle spindle
#
# Both stages start from one Debian image (DEBIAN_IMAGE) and take everything else from Debian's and npm's
# registries: Node and npm from apt only to run `npm install` (Bun itself arrives as the pinned devDependency).

ARG DEBIAN_IMAGE=debian:bookworm-slim

# 1. Build: install what the lockfile pins, compile dist/spindle. `npm install` rather than `npm ci`, as in
#    .ci/run: the lockfile leaves other platforms' optional @bufbuild/buf binaries out and `npm ci` refuses it.
FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# postinstall patches postgres.js (scripts/patch-postgres.mjs), so the scripts must be there before installing.
COPY scripts ./scripts
# Behind a TLS-inspecting proxy, scripts/build-image.sh --ca FILE lends the build its CA bundle as a secret: it is
# trusted during the install only and never stored in a layer.
RUN --mount=type=secret,id=build-ca,required=false \
    NODE_EXTRA_CA_CERTS=/run/secrets/build-ca npm install --no-audit --no-fund
COPY . .
RUN npm run build && ./dist/spindle version

# 2. Run: the executable carries the Bun runtime, PGlite's wasm and data files, the web UI and the migrations.
FROM ${DEBIAN_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home spindle \
 && mkdir -p /data && chown spindle:spindle /data
COPY --from=build /src/dist/spindle /usr/local/bin/spindle
ENV SPINDLE_ENV=production \
    SPINDLE_DATA_DIR=/data \
    HOST=:: \
    PORT=8080 \
    GRPC_PORT=50051
# The embedded database lives here; with DATABASE_URL set nothing is written to it.
VOLUME ["/data"]
EXPOSE 8080 50051
USER spindle
WORKDIR /data
# The binary's own CLI asks /health/ready: exit 0 healthy, 7 unhealthy, 3 not answering.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD /usr/local/bin/spindle health --url "http://127.0.0.1:${PORT:-8080}"
ENTRYPOINT ["/usr/local/bin/spindle"]
CMD ["serve"]
