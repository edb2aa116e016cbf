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
#   DEMO_ADDR    where `make demo` serves           (default $KIBAN_ADDR, else 127.0.0.1:8080)
#   SERVER       kiban server `make seed` calls      (default $KIBAN_URL, else http://127.0.0.1:8080)
#   TOKEN        editor token for `make seed`        (default $KIBAN_TOKEN)

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
DEMO_ADDR   ?= $(or $(KIBAN_ADDR),127.0.0.1:8080)
SERVER      ?= $(or $(KIBAN_URL),http://127.0.0.1:8080)
TOKEN       ?= $(KIBAN_TOKEN)

# staticcheck 2026.2.2; the first release line that supports Go 1.26.
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK         := $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# Go files to format-check: everything but VCS, vendored, testdata and JS deps.
GOFILES = $(shell find . \( -name .git -o -name vendor -o -name testdata -o -name node_modules -o -name bin \) -prune -o -name '*.go' -print)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

.PHONY: help test check fmt vet staticcheck build gen demo seed bench fuzz clean

help: ## List the targets
	@echo 'Usage: make TARGET [VAR=value...]'
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-zA-Z_-]*:.*## / { printf "  %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo 'Variables: PKG RUN GOTESTFLAGS TESTTIMEOUT BENCH FUZZTIME FUZZ DEMO_DB DEMO_DATA DEMO_ADDR SERVER TOKEN (see the top of the Makefile)'

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

gen: ## Generate a week of Acme's ALB access logs (with one incident) and three months of FOCUS billing data into DEMO_DATA
	$(GO) run ./examples/acme/gen -out '$(DEMO_DATA)'

demo: ## Generate logs and billing data, ingest and import them into a fresh DEMO_DB, seed Acme's past incidents and serve examples/acme
	$(GO) build -o bin/kiban ./cmd/kiban
	$(GO) build -o bin/acme-seed ./examples/acme/seed
	$(GO) run ./examples/acme/gen -out '$(DEMO_DATA)'
	rm -f '$(DEMO_DB)' '$(DEMO_DB)-wal' '$(DEMO_DB)-shm'
	find '$(DEMO_DATA)/logs' -name '*.log.gz' -print0 | sort -z | \
	  xargs -0 bin/kiban ingest logs --format alb --config examples/acme --db 'sqlite:$(DEMO_DB)' >'$(DEMO_DATA)/ingest.log'
	@echo "ingested $$(wc -l <'$(DEMO_DATA)/ingest.log') files into $(DEMO_DB); one line a file in $(DEMO_DATA)/ingest.log"
	bin/kiban slo status --config examples/acme --db 'sqlite:$(DEMO_DB)'
	bin/kiban gate checkout --config examples/acme --db 'sqlite:$(DEMO_DB)' || [ $$? -eq 1 ]
	bin/kiban cost import --config examples/acme --db 'sqlite:$(DEMO_DB)' '$(DEMO_DATA)'/billing/focus/*.csv.gz
	bin/kiban cost budgets --config examples/acme --db 'sqlite:$(DEMO_DB)'
	bin/kiban cost anomalies --db 'sqlite:$(DEMO_DB)'
	@# Seed the incidents through the API of a server in the background (the
	@# seed never touches the database), stop it, then serve in the foreground.
	@echo "seeding Acme's past incidents through the API of a kiban server on $(DEMO_ADDR)"
	@addr='$(DEMO_ADDR)'; host=$${addr%:*}; port=$${addr##*:}; \
	case "$$host" in ''|0.0.0.0|'[::]') host=127.0.0.1 ;; esac; \
	bin/kiban serve --config examples/acme --db 'sqlite:$(DEMO_DB)' --addr "$$addr" --log-level error >/dev/null & pid=$$!; \
	trap 'kill $$pid 2>/dev/null || true; wait $$pid 2>/dev/null || true' EXIT INT TERM; \
	healthy() { exec 3<>"/dev/tcp/$$host/$$port" && printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n' "$$host" >&3 && grep -q '^ok' <&3; }; \
	for i in $$(seq 100); do \
	  kill -0 $$pid 2>/dev/null || { echo "kiban serve stopped before answering on $$addr (is the port in use? set DEMO_ADDR)" >&2; exit 1; }; \
	  if (healthy) 2>/dev/null; then break; fi; \
	  [ $$i -lt 100 ] || { echo "kiban serve did not answer /healthz on $$addr within 10 s" >&2; exit 1; }; \
	  sleep 0.1; \
	done; \
	token=$$(bin/kiban token create --db 'sqlite:$(DEMO_DB)' --name demo-seed --role editor | tail -n1); \
	bin/acme-seed --server "http://$$host:$$port" --token "$$token"
	bin/kiban serve --config examples/acme --db 'sqlite:$(DEMO_DB)' --addr '$(DEMO_ADDR)'

seed: ## Create Acme's past incidents through the API of a running server: make seed SERVER=URL TOKEN=<editor token>
	@[ -n '$(TOKEN)' ] || { echo 'make seed needs an editor token: make seed TOKEN=... (kiban token create --name seed --role editor --db ...)' >&2; exit 2; }
	@echo '$(GO) run ./examples/acme/seed --server $(SERVER) --token ***'
	@KIBAN_TOKEN='$(TOKEN)' $(GO) run ./examples/acme/seed --server '$(SERVER)'

bench: ## Run the benchmarks (no tests)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(GOTESTFLAGS) $(PKG)

fuzz: ## Run each fuzz target for FUZZTIME (default 30s)
	GO='$(GO)' FUZZTIME='$(FUZZTIME)' FUZZ='$(FUZZ)' bash scripts/fuzz.sh $(PKG)

clean: ## Remove build output
	rm -rf bin
