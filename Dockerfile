# Spindle as one self-contained executable in a slim image.
#   docker build -t spindle .
#   docker run -p 8080:8080 -p 50051:50051 -v spindle-data:/data spindle          # embedded PGlite in /data
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://user:pw@db:5432/spindle spindle

# 1. Build: install what the lockfile pins (Bun arrives as a devDependency), compile dist/spindle. `npm install`
#    rather than `npm ci`, as in .ci/run: npm 11 leaves other platforms' optional @bufbuild/buf binaries out of the
#    lockfile and `npm ci` then refuses it; `npm install` still installs exactly the locked versions.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# postinstall patches postgres.js (scripts/patch-postgres.mjs), so the script must be there before installing.
COPY scripts ./scripts
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build && ./dist/spindle version

# 2. Run: the executable carries the Bun runtime, PGlite's wasm and data files and the migrations.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data spindle && mkdir -p /data && chown spindle /data
COPY --from=build /src/dist/spindle /usr/local/bin/spindle
ENV SPINDLE_ENV=production \
    SPINDLE_DATA_DIR=/data \
    HOST=:: \
    PORT=8080 \
    GRPC_PORT=50051
VOLUME ["/data"]
EXPOSE 8080 50051
USER spindle
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/spindle"]
CMD ["serve"]
