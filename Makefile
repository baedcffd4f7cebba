# sidecarctl: build, test, lint, examples, conformance.
GO       ?= go
BIN      ?= bin/sidecarctl
PKGS     ?= ./...

.PHONY: build test lint examples conformance clean

build:
	$(GO) build -o $(BIN) ./cmd/sidecarctl

# test runs every test (race detector on) after the lint checks.
test: lint
	$(GO) test -race -count=1 $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# examples builds sidecarctl and runs every bundled scenario, comparing with its golden output.
examples: build
	@./examples/run.sh $(BIN)

# conformance runs the shared Kruise corpus through the built binary and compare.py.
conformance: build
	@./sidecarset/sidecarsettest/run-conformance.sh $(BIN) ../shared/conformance

clean:
	rm -rf bin
