# lowrank -- thin wrapper over CMake.  `make demo` and `make test` do all the
# set-up on a fresh Debian 12 machine (missing packages are installed).
BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=
# The sanitizer build (gcc, ASan+UBSan+LSan) and the fuzz build (clang,
# libFuzzer) that `make test` also runs; see docs/RELIABILITY.md.
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 10

.PHONY: all deps build test demo bench install clean sanitize fuzz asan-build fuzz-build

all: build

deps:
	@scripts/deps.sh build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DLOWRANK_SANITIZE=ON $(CMAKE_FLAGS)

asan-build: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

$(FUZZ_BUILD)/CMakeCache.txt:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DLOWRANK_FUZZ=ON $(CMAKE_FLAGS)

fuzz-build: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

# Normal suite, sanitized suite, TEST_FUZZ_SECONDS of each fuzz harness.
test: build asan-build fuzz-build
	@scripts/test-all.sh $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(TEST_FUZZ_SECONDS) $(JOBS)

# make fuzz FUZZ_SECONDS=N: every harness for N seconds (JOBS at once).
fuzz: fuzz-build
	@scripts/fuzz.sh -b $(FUZZ_BUILD) -t $(FUZZ_SECONDS) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build
	@bench/run.sh $(BUILD)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
