# The two commands: `make run` and `make test` (README.md). Everything else
# here serves them. Each step is cheap when there is nothing to do: packages
# are checked with dpkg-query, configure runs once, builds are incremental.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: run test test-sanitize build configure deps deps-test bench fuzz format clean

run: deps build
	@scripts/run-demo.sh $(BUILD_DIR)

test: deps deps-test build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The non-GUI suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer
# in its own build directory (.ci/run runs it after `make test`).
test-sanitize: deps deps-test
	scripts/test-sanitize.sh build-sanitize $(JOBS)

# Not part of the test suite: speed is measured, not asserted.
bench: deps deps-test build
	$(BUILD_DIR)/tests/bench/bench_store
	$(BUILD_DIR)/tests/bench/bench_sweep
	$(BUILD_DIR)/tests/bench/bench_rgbd
	$(BUILD_DIR)/tests/bench/bench_attention
	$(BUILD_DIR)/tests/bench/bench_ssm
	$(BUILD_DIR)/tests/bench/bench_precision
	$(BUILD_DIR)/tests/bench/bench_specdec
	$(BUILD_DIR)/tests/bench/bench_scaling
	$(BUILD_DIR)/tests/bench/bench_lm
	$(BUILD_DIR)/tests/bench/bench_mamba
	$(BUILD_DIR)/tests/bench/bench_speculative_model
	$(BUILD_DIR)/tests/bench/bench_cuda
	xvfb-run -a -s "-screen 0 1600x1000x24" $(BUILD_DIR)/tests/bench/bench_viewers

# Not part of the test suite either: each libFuzzer target under ASan + UBSan
# for FUZZ_SECONDS (the suite replays their corpora: ctest Fuzz.*).
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/ensure-packages.sh scripts/packages-fuzz.txt
	scripts/fuzz.sh $(FUZZ_SECONDS)

deps:
	@scripts/ensure-packages.sh scripts/packages-build.txt

deps-test:
	@scripts/ensure-packages.sh scripts/packages-test.txt

configure: $(BUILD_DIR)/build.ninja

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

format:
	git ls-files '*.cpp' '*.h' '*.cu' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
