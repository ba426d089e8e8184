# Slipway's two commands: `make dev` runs the whole stack, `make test`
# installs what is missing and runs every check and test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
BIN := bin/slipway
NODE_BIN := node_modules/.bin
DEV_FLAGS ?=
TEST_FLAGS ?= -timeout 20m

.PHONY: all dev build test unit bench generate check-generated lint monitoring-test deps node-deps postgres-bin clean

all: build

## deps: install what the build and tests need and is missing here.
deps: node-deps postgres-bin

node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The private Postgres clusters of `slipway dev` and the tests use the
# machine's PostgreSQL binaries; install Debian's when they are missing.
postgres-bin:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing PostgreSQL binaries"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else echo "PostgreSQL binaries (initdb, postgres) are missing: install your distribution's postgresql package" >&2; exit 1; fi

## build: the one binary.
build: node-deps
	$(GO) build -o $(BIN) ./cmd/slipway

## dev: the whole stack on this machine (see README).
dev: build postgres-bin
	./$(BIN) dev $(DEV_FLAGS)

## generate: every generated file, byte for byte from pinned tools.
generate: node-deps
	$(GO) run ./proto/deps .protodeps
	$(NODE_BIN)/buf generate
	$(GO) tool -modfile=tools.mod sqlc generate

## check-generated: fail when committed generated code is stale.
gen_hash = { find proto -name '*.pb.go' -o -name '*.connect.go'; ls db/*.go; } | sort | xargs sha256sum | sha256sum
check-generated:
	@before=$$($(gen_hash)); \
	$(MAKE) --no-print-directory generate >/dev/null; \
	if [ "$$before" != "$$($(gen_hash))" ]; then \
		echo "generated code was stale and is now regenerated: commit it" >&2; git status --short -- proto db >&2; exit 1; fi

## lint: formatting, vet, staticcheck, buf lint and format.
lint: node-deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v -E '\.pb\.go$$|\.connect\.go$$')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:" >&2; echo "$$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(NODE_BIN)/buf lint proto
	$(NODE_BIN)/buf format --diff --exit-code proto

## monitoring-test: check the Prometheus alert rules and run their unit tests.
monitoring-test:
	$(GO) tool -modfile=tools.mod promtool check rules monitoring/alerts.yml
	$(GO) tool -modfile=tools.mod promtool test rules monitoring/alerts_test.yml

## test: everything CI runs.
test: deps check-generated lint monitoring-test
	$(GO) test $(TEST_FLAGS) ./...

## unit: the Go tests alone, for a quick loop.
unit:
	$(GO) test $(TEST_FLAGS) ./...

## bench: the API and pipeline benchmarks against their same-run baselines
## and targets; BENCH_FLAGS="-pkg ./server/ratelimit" for a subset.
BENCH_FLAGS ?=
bench: deps
	$(GO) run ./bench $(BENCH_FLAGS)

clean:
	rm -rf bin .protodeps
