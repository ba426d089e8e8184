# syntax=docker/dockerfile:1
#
# Slipway's images, built from the repository root:
#
#   docker build -t slipway .                 # runtime: slipway serve|worker|migrate|...
#   docker build --target anvil -t slipway-anvil .   # the dev chain of docker-compose.yml
#
# Stages:
#   build        Go toolchain; compiles ./cmd/slipway into one static binary
#                (CGO_ENABLED=0: go-ethereum then uses its pure-Go secp256k1,
#                and pgx, Temporal and the rest need no C).
#   node-tools   `npm ci` of package.json/package-lock.json: every node tool
#                the project pins, exactly as locked (solc, OpenZeppelin,
#                anvil, buf, google-proto-files).
#   node-runtime the subset a worker runs with: solc-js,
#                @openzeppelin/contracts and @ethereum-sourcify/lib-sourcify
#                (source verification; with compilers-types, which it
#                requires at run time without declaring it). Every package
#                in package.json is a devDependency (they are tools, not a library's deps), so
#                `npm ci --omit=dev` would install nothing; instead the stage
#                uninstalls every other top-level package from the locked
#                tree, which keeps the lockfile's versions of what is left.
#                The list is an allowlist, so tools added to package.json
#                later (web console, test runners) stay out of the image.
#   base         node:20 slim (the solc-js workers are node processes) with a
#                non-root user.
#   anvil        base + anvil's native binary from @foundry-rs/anvil-linux-*.
#   runtime      base + the binary + the runtime node_modules (last, so a
#                plain `docker build .` produces it).
#
# Nothing here downloads anything but the Go modules and npm packages the
# repository pins (go.sum, package-lock.json). The worker's solc auto-install
# stays off (its default for `slipway worker`): a production worker runs the
# compilers baked into its image.

ARG GO_IMAGE=golang:1.26.8-bookworm
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---------------------------------------------------------------- build
FROM ${GO_IMAGE} AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# -trimpath keeps the build machine's paths out of the binary. The build
# context has no .git (.dockerignore), so `slipway version` reports the
# module version without a VCS revision.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -o /out/slipway ./cmd/slipway

# ---------------------------------------------------------------- node
FROM ${NODE_IMAGE} AS node-tools
WORKDIR /opt/slipway
COPY package.json package-lock.json ./
# --ignore-scripts: anvil's postinstall only checks (or fetches) the native
# binary, which npm already installed as the optional dependency
# @foundry-rs/anvil-linux-<arch> matching the build platform.
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

FROM node-tools AS node-runtime
ARG RUNTIME_NODE_PACKAGES="solc @openzeppelin/contracts @ethereum-sourcify/lib-sourcify @ethereum-sourcify/compilers-types"
RUN RUNTIME_NODE_PACKAGES="$RUNTIME_NODE_PACKAGES" node -e ' \
        const p = require("./package.json"); \
        const keep = new Set(process.env.RUNTIME_NODE_PACKAGES.split(" ")); \
        for (const n of Object.keys({...p.dependencies, ...p.devDependencies})) if (!keep.has(n)) console.log(n);' \
        > /tmp/drop \
    && xargs -r npm uninstall --ignore-scripts --no-audit --no-fund --loglevel=error < /tmp/drop \
    && rm /tmp/drop \
    && test -f node_modules/solc/package.json \
    && test -f node_modules/@openzeppelin/contracts/package.json \
    && node -e 'require("./node_modules/@ethereum-sourcify/lib-sourcify")'

# ---------------------------------------------------------------- base
FROM ${NODE_IMAGE} AS base
# A fixed uid/gid so that volumes and secret files can be owned to match.
RUN groupadd --system --gid 10001 slipway \
    && useradd --system --uid 10001 --gid slipway --home-dir /home/slipway --create-home --shell /usr/sbin/nologin slipway
ENV HOME=/home/slipway

# ---------------------------------------------------------------- anvil
# The dev chain. anvil's npm package is a node wrapper around a native binary;
# the image runs the binary itself (its glibc needs are met by bookworm) so
# that signals reach anvil, not a wrapper.
FROM base AS anvil
ARG TARGETARCH
COPY --from=node-tools /opt/slipway/node_modules/@foundry-rs/anvil-linux-${TARGETARCH}/bin/anvil /usr/local/bin/anvil
RUN mkdir -p /var/lib/anvil && chown slipway:slipway /var/lib/anvil
USER slipway:slipway
EXPOSE 8545
ENTRYPOINT ["anvil"]
CMD ["--host", "0.0.0.0", "--port", "8545", "--chain-id", "31337"]

# ---------------------------------------------------------------- runtime
FROM base AS runtime
WORKDIR /opt/slipway
COPY --from=node-runtime /opt/slipway/node_modules /opt/slipway/node_modules
COPY --from=build /out/slipway /usr/local/bin/slipway
# The worker's compile pool reads solc-js and OpenZeppelin from here (it would
# also find them above the working directory) and writes its worker script and
# sockets under TMPDIR.
ENV SLIPWAY_NODE_MODULES=/opt/slipway/node_modules \
    SLIPWAY_HTTP_ADDR=0.0.0.0:8080 \
    SLIPWAY_WORKER_METRICS_ADDR=0.0.0.0:9091 \
    TMPDIR=/tmp
USER slipway:slipway
# 8080: the API (Connect, gRPC, REST, WebSocket, /healthz, /readyz, /metrics).
# 9091: a worker's /metrics and /healthz.
EXPOSE 8080 9091
ENTRYPOINT ["slipway"]
CMD ["serve"]
