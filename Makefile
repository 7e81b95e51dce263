# brisk — the two commands: `make run` and `make test`. Both install missing packages first
# (when root; otherwise they print the apt-get line), then build with CMake.
BUILD ?= build
ASAN_BUILD ?= build-asan
HOST ?= 127.0.0.1
PORT ?= 8000
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST = /usr/bin/python3 -m pytest
PYTEST_ARGS ?=
# ON turns compiler warnings into errors (.ci/run sets it); OFF by default for users.
BRISK_WERROR ?= OFF
CMAKE_FLAGS = -DBRISK_WERROR=$(BRISK_WERROR)

.PHONY: all deps build run test unit http asan test-asan memcheck bench format lint clean install soak techempower bench-db bench-gateway bench-typed compat compat-reference

all: build

deps:
	@scripts/deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/seed_app --host $(HOST) --port $(PORT)

test: build
	cd $(BUILD) && ctest --output-on-failure
	BRISK_BUILD_DIR=$(CURDIR)/$(BUILD) $(PYTEST) tests/http $(PYTEST_ARGS)

# Developer tool, not part of `make test`: the items API against the real FastAPI reference
# (../shared/reference, outside this repository), every case of tests/compat/items_cases.py sent
# to both; prints each difference and fails unless all match. COMPAT_ARGS: e.g. --only REGEX --show.
REFERENCE ?= ../shared/reference
COMPAT_CASES ?= tests/compat/items_cases.py
COMPAT_ARGS ?=
compat-reference:
	@test -f $(REFERENCE)/diff.py -a -x $(REFERENCE)/run.sh || { \
	    echo "make compat needs the FastAPI reference: no $(REFERENCE)/diff.py and run.sh here" \
	         "(set REFERENCE=DIR to where shared/reference is)" >&2; exit 2; }

compat: compat-reference build
	python3 $(REFERENCE)/diff.py --reference $(REFERENCE) --cases $(COMPAT_CASES) \
	    --binary $(BUILD)/items_api $(COMPAT_ARGS)

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DBRISK_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The same tests under AddressSanitizer (LeakSanitizer on) and UndefinedBehaviorSanitizer.
test-asan: asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure
	BRISK_BUILD_DIR=$(CURDIR)/$(ASAN_BUILD) BRISK_SANITIZE=1 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(PYTEST) tests/http $(PYTEST_ARGS)

# valgrind memcheck of the test app under a short scripted load: no error, no leak, exit 0.
memcheck: build
	/usr/bin/python3 scripts/memcheck.py $(BUILD)/test_app

# The TechEmpower example against a throwaway local PostgreSQL holding TechEmpower's tables, on
# 127.0.0.1:8080 until Ctrl-C.
techempower: build
	/usr/bin/python3 scripts/techempower.py $(BUILD)

bench: build
	@scripts/deps.sh bench
	bench/run.sh

# Database benchmark: examples/techempower vs pgbench and FastAPI + asyncpg (bench/db.py).
bench-db: build
	@scripts/deps.sh bench
	/usr/bin/python3 bench/db.py --build $(BUILD)

# A typed operation (examples/items_api PUT) against /fast and FastAPI's items API (bench/typed.py).
bench-typed: build
	@scripts/deps.sh bench
	/usr/bin/python3 bench/typed.py --build $(BUILD)

# examples/gateway: 1,000 concurrent bk_fetch calls to an upstream that waits 1 s each.
bench-gateway: build
	ulimit -n 20000; /usr/bin/python3 bench/gateway.py --build $(BUILD)

format:
	clang-format -i include/*.h src/*/*.c src/*/*.h examples/*.c tests/unit/*.c tests/unit/*.h tests/apps/*.c

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --suppress=missingIncludeSystem -D__CPPCHECK__ -DLIBPQ_HAS_PIPELINING=1 -Iinclude -Isrc src examples
	@# llhttp >= 9 is strict only while no lenient flag is set (docs/security.md).
	@! grep -rn 'llhttp_set_lenient' src || { echo "src/ must not set llhttp lenient flags" >&2; exit 1; }

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# Soak: SOAK_SECONDS (default 600) of mixed load against the test app (one worker), sampling RSS,
# fds, CPU and errors each second; pass = no unexpected error, fds back to baseline, RSS growth
# < 5% after warm-up. Samples: /tmp/brisk-soak.csv (SOAK_OUT). Not part of `make test` or CI.
SOAK_SECONDS ?= 600
SOAK_PLOT ?= docs/soak.png
soak: build
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_PLOT=$(SOAK_PLOT) /usr/bin/python3 scripts/soak.py $(BUILD)/test_app

# libFuzzer harnesses (fuzz/): clang + ASan + UBSan, each run FUZZ_SECONDS on a copy of its seed
# corpus in $(FUZZ_BUILD)/fuzz-work/; non-zero exit when any of them crashes.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?=

.PHONY: fuzz fuzz-build

fuzz-build:
	@scripts/deps.sh fuzz
	@command -v clang >/dev/null || { echo "make fuzz needs clang (apt-get install clang libclang-rt-dev)" >&2; exit 1; }
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBRISK_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_HARNESSES)
