# make conformance: run every engine CI has on every suite (each with --against oracle) and rewrite
# docs/conformance.md and its HTML report (build/conformance/html). Runs that finished before are kept (--reuse):
# `make conformance-clean` first to run everything again. CONFORMANCE_ARGS passes more options, e.g.
# CONFORMANCE_ARGS="--engines wasmtime,node --suites wasm-3.0 -j 2".
PYTHON ?= python3
CONFORMANCE_ARGS ?=

.PHONY: conformance conformance-clean

conformance:
	$(PYTHON) -m reports.conformance --reuse --results build/conformance --html build/conformance/html $(CONFORMANCE_ARGS)

conformance-clean:
	rm -rf build/conformance
