# kiban — developer tasks. `make` (or `make help`) lists them.
#
# Knobs (override on the command line, e.g. `make test RUN=TestStore PKG=./internal/store/...`):
#   PKG          packages for test/bench            (default ./...)
#   RUN          go test -run regexp                 (default: all)
#   GOTESTFLAGS  extra go test flags, e.g. -race -v -count=1
#   TESTTIMEOUT  go test -timeout                    (default 20m)
#   BENCH        go test -bench regexp               (default .)
#   FUZZTIME     time per fuzz target                (default 30s)
#   FUZZ         only fuzz targets matching regexp   (default: all)
#   DEMO_DB      SQLite file for `make demo`          (default $TMPDIR/kiban-demo.db)
#   DEMO_DATA    example logs of `make gen`, `make demo` (default examples/acme/data)

GO          ?= go
PKG         ?= ./...
RUN         ?=
GOTESTFLAGS ?=
TESTTIMEOUT ?= 20m
BENCH       ?= .
FUZZTIME    ?= 30s
FUZZ        ?= .
TMPDIR      ?= /tmp
DEMO_DB     ?= $(TMPDIR)/kiban-demo.db
DEMO_DATA   ?= examples/acme/data

# staticcheck 2026.2.2; the first release line that supports Go 1.26.
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK         := $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# Go files to format-check: everything but VCS, vendored, testdata and JS deps.
GOFILES = $(shell find . \( -name .git -o -name vendor -o -name testdata -o -name node_modules -o -name bin \) -prune -o -name '*.go' -print)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

.PHONY: help test check fmt vet staticcheck build gen demo bench fuzz clean

help: ## List the targets
	@echo 'Usage: make TARGET [VAR=value...]'
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-zA-Z_-]*:.*## / { printf "  %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo 'Variables: PKG RUN GOTESTFLAGS TESTTIMEOUT BENCH FUZZTIME FUZZ DEMO_DB DEMO_DATA (see the top of the Makefile)'

test: vet ## go vet, then all tests with PostgreSQL + Chromium provisioned (scripts/test-env.sh)
	bash scripts/test-env.sh $(GO) test -timeout $(TESTTIMEOUT) $(if $(RUN),-run '$(RUN)') $(GOTESTFLAGS) $(PKG)

check: fmt vet staticcheck ## gofmt, go vet and staticcheck (what CI runs before the tests)

fmt: ## Fail if any Go file is not gofmt'ed (lists them)
	@files='$(GOFILES)'; out=$$( [ -z "$$files" ] || gofmt -l $$files ); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; echo "run: gofmt -w <files>"; exit 1; fi

vet: ## go vet ./...
	$(GO) vet ./...

staticcheck: ## staticcheck ./... (fetched from the Go module proxy)
	$(STATICCHECK) ./...

build: ## Build bin/kiban
	$(GO) build -o bin/kiban ./cmd/kiban

gen: ## Generate a week of Acme's ALB access logs, with one incident, into DEMO_DATA/logs
	$(GO) run ./examples/acme/gen -out '$(DEMO_DATA)'

demo: ## Generate logs, ingest them into a fresh DEMO_DB and serve examples/acme with live error budgets
	$(GO) build -o bin/kiban ./cmd/kiban
	$(GO) run ./examples/acme/gen -out '$(DEMO_DATA)'
	rm -f '$(DEMO_DB)' '$(DEMO_DB)-wal' '$(DEMO_DB)-shm'
	find '$(DEMO_DATA)/logs' -name '*.log.gz' -print0 | sort -z | \
	  xargs -0 bin/kiban ingest logs --format alb --config examples/acme --db 'sqlite:$(DEMO_DB)' >'$(DEMO_DATA)/ingest.log'
	@echo "ingested $$(wc -l <'$(DEMO_DATA)/ingest.log') files into $(DEMO_DB); one line a file in $(DEMO_DATA)/ingest.log"
	bin/kiban slo status --config examples/acme --db 'sqlite:$(DEMO_DB)'
	bin/kiban gate checkout --config examples/acme --db 'sqlite:$(DEMO_DB)' || [ $$? -eq 1 ]
	bin/kiban serve --config examples/acme --db 'sqlite:$(DEMO_DB)'

bench: ## Run the benchmarks (no tests)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(GOTESTFLAGS) $(PKG)

fuzz: ## Run each fuzz target for FUZZTIME (default 30s)
	GO='$(GO)' FUZZTIME='$(FUZZTIME)' FUZZ='$(FUZZ)' bash scripts/fuzz.sh $(PKG)

clean: ## Remove build output
	rm -rf bin
