# Slipway's two commands: `make dev` runs the whole stack, `make test`
# installs what is missing and runs every check and test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
BIN := bin/slipway
NODE_BIN := node_modules/.bin
DEV_FLAGS ?=
# The Go tests run under the race detector; a package's timeout leaves room
# for ./cmd/slipway (the slowest, ~6-8 min with -race on 2 cores).
TEST_FLAGS ?= -race -timeout 30m

.PHONY: all help dev build test unit bench generate check-generated lint web-format monitoring-test web-build web-test deps node-deps postgres-bin chromium-bin clean

all: build

## help: these targets and what each does.
help:
	@awk 'sub(/^## /, "") { if (match($$0, /^[a-z-]+: /)) { if (t != "") printf "  %-17s %s\n", t, d; t = substr($$0, 1, RLENGTH - 2); d = substr($$0, RLENGTH + 1) } else d = d " " $$0 } \
		END { if (t != "") printf "  %-17s %s\n", t, d }' $(firstword $(MAKEFILE_LIST))

## deps: install what the build and tests need and is missing here.
deps: node-deps postgres-bin chromium-bin

node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@# A module boundary: Go code some npm packages ship (flatted's) stays
	@# out of ./... (go test, vet, staticcheck).
	echo 'module slipway.invalid/node_modules' > node_modules/go.mod
	touch $@

# The private Postgres clusters of `slipway dev` and the tests use the
# machine's PostgreSQL binaries; install Debian's when they are missing.
postgres-bin:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing PostgreSQL binaries"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else echo "PostgreSQL binaries (initdb, postgres) are missing: install your distribution's postgresql package" >&2; exit 1; fi

# The console's end-to-end test drives Debian's Chromium through
# playwright-core (which downloads no browser of its own).
chromium-bin:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Chromium"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "chromium is missing (the console's browser test needs it): install your distribution's chromium package" >&2; exit 1; fi

## build: the one binary, with the web console built and embedded.
build: node-deps web-build
	@if [ ! -x $(BIN) ]; then \
		echo "building $(BIN): the first build compiles the embedded Temporal server, its Web UI and go-ethereum"; \
		echo "(about 10 minutes on a fresh 2-core machine, mostly after the 'go: downloading' lines; later builds take seconds)"; fi
	$(GO) build -o $(BIN) ./cmd/slipway

## web-build: the console's assets into web/dist (committed, embedded by package web).
web-build: node-deps
	$(NODE_BIN)/vite build --config web/vite.config.ts --logLevel warn

## dev: the whole stack on this machine (see README).
dev: build postgres-bin
	./$(BIN) dev $(DEV_FLAGS)

## generate: every generated file, byte for byte from pinned tools.
generate: node-deps
	$(GO) run ./proto/deps .protodeps
	$(NODE_BIN)/buf generate
	$(GO) tool -modfile=tools.mod sqlc generate
	$(MAKE) --no-print-directory web-build

## check-generated: fail when committed generated code is stale.
gen_hash = { find proto -name '*.pb.go' -o -name '*.connect.go'; ls db/*.go; find web/src/gen web/dist -type f; } | sort | xargs sha256sum | sha256sum
check-generated:
	@before=$$($(gen_hash)); \
	$(MAKE) --no-print-directory generate >/dev/null; \
	if [ "$$before" != "$$($(gen_hash))" ]; then \
		echo "generated code was stale and is now regenerated: commit it" >&2; git status --short -- proto db web/src/gen web/dist >&2; exit 1; fi

# The console's own sources: not the generated clients in web/src/gen.
web_src = 'web/src/**/*.{ts,css}' '!web/src/gen/**'

## lint: formatting, vet, staticcheck, buf lint and format, ESLint and
## Prettier over the console's sources.
lint: node-deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v -E '\.pb\.go$$|\.connect\.go$$')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:" >&2; echo "$$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(NODE_BIN)/buf lint proto
	$(NODE_BIN)/buf format --diff --exit-code proto
	$(NODE_BIN)/eslint web/src
	$(NODE_BIN)/prettier --check --log-level warn $(web_src)

## web-format: format the console's sources with Prettier (what lint checks).
web-format: node-deps
	$(NODE_BIN)/prettier --write --log-level warn $(web_src)

## monitoring-test: check the Prometheus alert rules and run their unit tests.
monitoring-test:
	$(GO) tool -modfile=tools.mod promtool check rules monitoring/alerts.yml
	$(GO) tool -modfile=tools.mod promtool test rules monitoring/alerts_test.yml

## web-test: type-check the console and run its unit tests (Vitest).
web-test: node-deps
	$(NODE_BIN)/tsc -p web
	cd web && npx --no-install vitest run

## test: everything CI runs.
test: deps check-generated lint monitoring-test web-test
	$(GO) test $(TEST_FLAGS) ./...

## unit: the Go tests alone, for a quick loop.
unit:
	$(GO) test $(TEST_FLAGS) ./...

## bench: the API and pipeline benchmarks against their same-run baselines
## and targets; BENCH_FLAGS="-pkg ./server/ratelimit" for a subset.
BENCH_FLAGS ?=
bench: deps
	$(GO) run ./bench $(BENCH_FLAGS)

## clean: remove the binary and the fetched proto dependencies.
clean:
	rm -rf bin .protodeps
