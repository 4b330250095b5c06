# wasmplane: the two commands a fresh machine needs are `make run` and `make test`.
SHELL := /bin/bash
MVN ?= mvn -B -ntp
PLUGINS_DIR := plugins/build

.PHONY: all build plugins test run bench soak clean toolchains

all: build

# Installs what the build needs beyond Maven (wat2wasm, clang for wasm32-wasi, node for AssemblyScript).
toolchains:
	@scripts/install-toolchains.sh

# Test and demo plugins: WAT, AssemblyScript (@solo-io/proxy-runtime) and C (clang --target=wasm32-wasi), built from source.
plugins: toolchains
	@plugins/build.sh

build: plugins
	$(MVN) -q install -DskipTests

test: plugins
	$(MVN) install

run: build
	@scripts/run-demo.sh

# JMH request round of the Wasm host (docs/bench/wasm-runtime.txt), JMH stream path of the proxy
# (docs/bench/dataplane-stream.txt), then the proxy load benchmark (docs/bench/proxy.md).
bench: build
	@scripts/bench-wasm-runtime.sh
	@scripts/bench-dataplane.sh
	@scripts/bench.sh

# Long fault and load run (loopback only, bounded): SOAK_MINUTES (default 10), SOAK_RPS per load worker (default 40).
# Writes docs/soak.md (the table, totals and the machine load).
SOAK_MINUTES ?= 10
SOAK_RPS ?= 40
soak: build
	$(MVN) -pl integration test -Dtest=SoakRun -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dsoak.minutes=$(SOAK_MINUTES) -Dsoak.rps=$(SOAK_RPS) -Dsurefire.timeout=$$(( ($(SOAK_MINUTES) + 10) * 60 ))

clean:
	$(MVN) -q clean
	rm -rf $(PLUGINS_DIR)
