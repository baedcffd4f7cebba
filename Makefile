# sidecarctl: build, test, lint, examples, conformance.
GO       ?= go
BIN      ?= bin/sidecarctl
PKGS     ?= ./...

.PHONY: build install test unit e2e e2e-assets lint examples conformance clean bench fuzz

# kube-apiserver and etcd for the e2e suite, built once from the Go module proxy.
E2E_ASSETS ?= $(CURDIR)/.cache/kubebuilder-assets

# The version `sidecarctl version` prints: the tag or commit, -dirty with uncommitted changes.
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS  := -X github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/cli.buildVersion=$(VERSION)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/sidecarctl

# install puts sidecarctl in $(go env GOPATH)/bin; a link named kubectl-sidecarctl next to it
# makes it a kubectl plugin (`kubectl sidecarctl ...`).
install:
	$(GO) install -ldflags "$(LDFLAGS)" ./cmd/sidecarctl
	ln -sf sidecarctl "$$($(GO) env GOPATH)/bin/kubectl-sidecarctl"

# test runs every test: lint, the unit and golden tests, and the e2e suite against a real
# kube-apiserver and etcd (built on first use, about 10 minutes on 2 cores).
test: lint unit e2e

unit:
	$(GO) test -race -count=1 $(PKGS)

e2e-assets:
	./e2e/assets.sh $(E2E_ASSETS) >/dev/null

e2e: e2e-assets
	SIDECARCTL_E2E=1 KUBEBUILDER_ASSETS=$(E2E_ASSETS) $(GO) test -race -count=1 ./e2e/ ./cmd/sidecarctl/internal/server/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# examples builds sidecarctl and runs every bundled scenario, comparing with its golden output.
examples: build
	@./examples/run.sh $(BIN)

# conformance runs the Kruise corpus through the built binary and compare.py: Kruise v1.8's
# outputs (expected/), then every other release's (expected-vX/, with --kruise-version X
# --kruise-exact), and a summary line per release. The corpus is the one embedded in the
# repository; CONFORMANCE_DIR=DIR runs another one laid out the same way (DIR/cases,
# DIR/expected, DIR/expected-vX; sidecarset/sidecarsettest/CONFORMANCE.md).
CONFORMANCE_DIR ?= sidecarset/sidecarsettest/testdata
conformance: build
	@./sidecarset/sidecarsettest/run-conformance.sh $(BIN) $(CONFORMANCE_DIR)

# bench runs every benchmark of the performance goals (README "Performance") and ends with
# one summary line of ratios from this run. A few minutes; the load test sends 1,000
# admissions/s for 10 s to a TLS server on 127.0.0.1 in the test process, and the memory
# benchmark streams 20,000 then 200,000 pods through `inject` in a child process (its peak
# RSS, and the ratio of the two, end the line). CI only checks that
# the benchmarks run: go test -short -run '^$$' -bench . -benchtime=1x ./...
BENCHTIME ?= 1s
BENCH_PKGS ?= ./sidecarset/ ./cmd/sidecarctl/internal/server/ ./cmd/sidecarctl/internal/cli/ ./cmd/sidecarctl/internal/loadgen/
bench:
	@mkdir -p .cache
	@$(GO) test -p 1 -run '^$$' -bench . -benchmem -benchtime=$(BENCHTIME) $(BENCH_PKGS) > .cache/bench.out 2>&1 || { cat .cache/bench.out; exit 1; }
	@$(GO) run ./cmd/sidecarctl/internal/loadgen/benchsummary < .cache/bench.out

# fuzz runs each native fuzz target of the admission webhooks in turn for FUZZTIME (raw
# AdmissionReview bytes against the corpus's states; README "Fuzzing"). A failing input is
# written to cmd/sidecarctl/internal/server/testdata/fuzz/<Target>/, which go test replays from
# then on. FUZZ_PARALLEL is go test's -parallel: the fuzzing workers. FUZZMINIMIZETIME bounds
# the minimisation of each new input (go's default, 60s, can eat a short run whole).
FUZZTIME ?= 30s
FUZZ_PARALLEL ?= 1
FUZZMINIMIZETIME ?= 5s
FUZZ_PKG ?= ./cmd/sidecarctl/internal/server/
FUZZ_TARGETS ?= FuzzPodAdmission FuzzPodObject FuzzSidecarSetAdmission FuzzSidecarSetObject FuzzBindingAdmission
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  echo "$$t for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) -parallel $(FUZZ_PARALLEL) $(FUZZ_PKG) || exit 1; \
	done

clean:
	rm -rf bin
