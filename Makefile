# DCS migration dashboard. `make run` starts demo mode; `make test` installs
# what the tests need on a fresh machine and runs them all.

SHELL := /bin/bash
GO    ?= go
# The dashboard listens here in `make run`.
LISTEN ?= 127.0.0.1:8080

# playwright-go drives Chromium through the Node.js driver of the exact
# playwright-core version it pins (locked in package-lock.json). Its own
# installer downloads the driver and browsers from the internet, so instead the
# npm package is installed and the driver folder points at it.
PLAYWRIGHT_DIR := $(CURDIR)/.cache/playwright-driver
export PLAYWRIGHT_DRIVER_PATH := $(PLAYWRIGHT_DIR)
export PLAYWRIGHT_NODEJS_PATH ?= $(shell command -v node)
export CHROMIUM_PATH ?= /usr/bin/chromium
# The SSO e2e tests put a real oauth2-proxy in front of the dashboard; it is
# built from the Go module proxy at a pinned version.
OAUTH2_PROXY_VERSION := v7.15.6
export OAUTH2_PROXY_BIN := $(CURDIR)/.cache/bin/oauth2-proxy-$(OAUTH2_PROXY_VERSION)

.PHONY: all run build test unit e2e bench loadtest fuzz generate check-generated vet vendor check-vendor deps-e2e deps-postgres deps-fonts screenshots clean

all: test

## run: start the dashboard in demo mode (built-in DCS simulator) and print its URL.
run: generate
	$(GO) run ./cmd/web -listen $(LISTEN) -insecure-cookies

# Version information stamped into `make build` binaries (web -version).
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.revision=$(REVISION)

## build: static binaries (no cgo) with every asset embedded and version information, in bin/.
build: generate
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/web ./cmd/web
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/dcssim ./cmd/dcssim
	@bin/web -version

## test: everything: generated code up to date, vet, unit and handler tests, e2e in Chromium.
test: check-generated vet check-vendor unit e2e

generate:
	$(GO) tool templ generate

# Generated code is committed; CI regenerates and fails if it differs.
check-generated: generate
	@git diff --exit-code -- views || { echo "views/*_templ.go were stale: run 'make generate' and commit"; exit 1; }

vet:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e/
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed: $$out"; exit 1; }

unit: deps-postgres
	$(GO) test -race -count=1 ./...

e2e: deps-e2e deps-postgres $(OAUTH2_PROXY_BIN)
	$(GO) test -tags e2e -count=1 -timeout 15m ./e2e/

## bench: upstream economy, watcher, slow target and audit benchmarks, then cmd/benchtable: render (list of 100 tasks, detail), bytes on the wire, task page latency, the HTTP load comparison and the 60s soak, every figure against its target in one table, printed last.
bench: generate deps-postgres
	$(GO) test -run '^$$' -bench UpstreamEconomy -count 1 ./internal/taskcache/
	$(GO) test -run '^$$' -bench WatchUpstream -benchtime 1x ./internal/watch/
	$(GO) test -run '^$$' -bench ListOneSlowTarget -benchtime 20x ./handlers/
	$(GO) test -run '^$$' -bench StopAudit -benchtime 500x ./internal/store/
	$(GO) test -run '^$$' -bench AuditPageMillion -benchtime 1x -timeout 20m ./internal/store/
	$(GO) run ./cmd/benchtable -go "$(GO)"

## fuzz: run every fuzz target for FUZZTIME each (the committed seed corpora run in `make test`).
FUZZTIME ?= 30s
fuzz:
	@for t in FuzzValidTaskID FuzzParseTimestamp FuzzDecodeStats FuzzStatsNumberForms FuzzNumberUnmarshalJSON; do \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./internal/dcs/ || exit 1; done
	@for t in FuzzProxyIdentify FuzzParseCIDRs FuzzParseList; do \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./internal/auth/ || exit 1; done

## loadtest: 200 clients on the list and detail pages for 60s while the simulator injects 5% errors and 100ms latency.
loadtest: generate
	$(GO) run ./cmd/dcsload -mode soak -clients 200 -duration 60s -sim-faults "latency=100ms,error-rate=0.05"

## screenshots: the README's pictures (docs/screenshots), taken by the e2e suite in Chromium.
screenshots: deps-e2e deps-postgres deps-fonts $(OAUTH2_PROXY_BIN)
	SCREENSHOTS=1 $(GO) test -tags e2e -count=1 -run '^TestScreenshots(Chinese)?$$' ./e2e/

# A CJK font, so Chinese task names show in screenshots (pages use system fonts).
deps-fonts:
	@if ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
		echo "Installing Debian's fonts-noto-cjk"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null; \
	fi

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## vendor: copy the pinned htmx from npm into static/vendor (committed).
vendor: node_modules/.package-lock.json
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

# The committed htmx must be exactly the version package-lock.json pins.
check-vendor: node_modules/.package-lock.json
	@cmp -s node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js || { echo "static/vendor/htmx.min.js differs from the pinned npm htmx.org: run 'make vendor'"; exit 1; }

# Debian's Chromium (installed when missing) and the locked playwright-core.
deps-e2e: node_modules/.package-lock.json
	@if [ ! -x "$(CHROMIUM_PATH)" ]; then \
		echo "Installing Debian's chromium"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi
	@mkdir -p $(PLAYWRIGHT_DIR)
	@ln -sfn $(CURDIR)/node_modules/playwright-core $(PLAYWRIGHT_DIR)/package
	@[ -n "$(PLAYWRIGHT_NODEJS_PATH)" ] || { echo "node is required for the Playwright driver"; exit 1; }

# Debian's PostgreSQL server programs (installed when missing): the tests
# start throwaway clusters of their own with initdb and postgres, so nothing is
# started here.
deps-postgres:
	@if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then \
		echo "Installing Debian's postgresql"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

$(OAUTH2_PROXY_BIN):
	@mkdir -p $(dir $@)
	GOBIN=$(CURDIR)/.cache/gobin $(GO) install github.com/oauth2-proxy/oauth2-proxy/v7@$(OAUTH2_PROXY_VERSION)
	mv $(CURDIR)/.cache/gobin/oauth2-proxy $@

clean:
	rm -rf bin .cache node_modules
