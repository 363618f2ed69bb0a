# KGRec: `make demo` runs the main job, `make test` runs every test (what .ci/run calls).
# Everything is built once, in release mode with testing enabled, so timed code and tests share it.
SWIFT_FLAGS := -c release -Xswiftc -enable-testing
BIN := .build/release

.PHONY: deps build binaries test test-debug demo protos protos-check bench-rpc bench-train bench-ml100k bench-recbole bench-load clean

deps:
	scripts/setup.sh

build: deps
	swift build $(SWIFT_FLAGS) --build-tests

# The executables only (same configuration as `build`, so the two share compiled modules).
binaries: deps
	swift build $(SWIFT_FLAGS)

protos:
	scripts/gen-protos.sh

protos-check:
	scripts/gen-protos.sh --check

test: build protos-check
	# Serial: CPU-bound model tests would otherwise starve the 2-thread cooperative pool that the
	# transport tests' deadline and keepalive checks rely on (the whole suite takes ~15 s).
	swift test $(SWIFT_FLAGS) --skip-build --no-parallel
	KGREC_BIN=$(BIN)/kgrec .venv/bin/python -m pytest -q Tests/interop

# The numeric kernels' tests in a debug build, which keeps the shape preconditions and dynamic
# exclusivity checks that release (-Ounchecked) compiles out (~4 min build, ~6 min tests on 2 cores).
test-debug: deps
	swift build -c debug --build-tests --scratch-path .build-debug
	swift test -c debug --scratch-path .build-debug --skip-build --no-parallel --filter KGRecTensorTests

demo: binaries
	$(BIN)/kgrec demo

# Benchmarks (release builds; each prints a table with ratios against a peer run in the same invocation).
bench-rpc: binaries
	.venv/bin/python Benchmarks/rpc.py --kgrec $(BIN)/kgrec

bench-train: binaries
	Benchmarks/train.sh

bench-ml100k: binaries
	KGREC_BIN=$(BIN)/kgrec Benchmarks/quality.sh

bench-recbole: binaries
	KGREC_BIN=$(BIN)/kgrec Benchmarks/recbole.sh

bench-load: binaries
	KGREC_BIN=$(BIN)/kgrec Benchmarks/load.sh

clean:
	rm -rf .build
