# datashare: the contract server and validator for dataShareOutgoingFlow.
# `make run` starts the server on 127.0.0.1:8080; `make test` runs every test.

GO      ?= go
ADDR    ?= 127.0.0.1:8080
# The spec linters run through npx at pinned versions; both are known to run on Node 20.
SPECTRAL := npx --yes @stoplight/spectral-cli@6.16.3
REDOCLY  := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx --yes @redocly/cli@2.77.0
GOFILES  := $(shell find . -name '*.go' -not -path './gen/*' -not -path './.git/*')

.PHONY: all generate check-generated fmt lint vet test bench run build lint-spec clean

all: check-generated lint test

## generate: regenerate gen/ from openapi.yaml (oapi-codegen, pinned in go.mod as a tool)
generate:
	$(GO) generate ./gen/...

## check-generated: fail when gen/, go.mod or go.sum differ from what generate and tidy produce
check-generated: generate
	$(GO) mod tidy
	@if [ -n "$$(git status --porcelain -- gen go.mod go.sum)" ]; then \
		git status --short -- gen go.mod go.sum; git diff --stat -- gen go.mod go.sum; \
		echo "gen/, go.mod or go.sum are stale or edited by hand: run 'make generate' and 'go mod tidy', and commit"; \
		exit 1; \
	fi

## fmt: format the hand-written Go code
fmt:
	gofmt -w $(GOFILES)

## lint: go vet, and fail on unformatted code
lint: vet
	@out="$$(gofmt -l $(GOFILES))"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## test: every test, with the race detector; the PostgreSQL tests run when a server answers at
## DATASHARE_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test) and are skipped,
## saying so, when none does (DATASHARE_REQUIRE_POSTGRES=1 makes them fail instead)
test:
	$(GO) test -race ./...

## bench: the benchmarks of the whole stack, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## run: start the server on its default address (ADDR=host:port to change it), seeded with the
## example fixture (SEED=file to use another, SEED= for none)
SEED    ?= server/fixture/example.yaml
run:
	$(GO) run ./cmd/datashare serve --addr $(ADDR) $(if $(SEED),--seed $(SEED))

## build: build bin/datashare
build:
	$(GO) build -o bin/datashare ./cmd/datashare

## lint-spec: lint openapi.yaml (and the control API's server/control.yaml) with Spectral (spectral:oas) and Redocly (recommended); any
## error or warning fails (Redocly itself fails on errors only, hence the check of its output)
lint-spec:
	$(SPECTRAL) lint --ruleset .ci/spectral.yaml --fail-severity=warn openapi.yaml server/control.yaml
	@out="$$($(REDOCLY) lint --config .ci/redocly.yaml --format=stylish openapi.yaml server/control.yaml 2>&1)"; status=$$?; \
		echo "$$out" | grep -v '[║╔╚]'; \
		if [ $$status -ne 0 ] || echo "$$out" | grep -Eq '^ +[0-9]+:[0-9]+ +(warning|error) '; then \
			echo "redocly reports problems in openapi.yaml"; exit 1; fi

clean:
	rm -rf bin
