# brisk — the two commands: `make run` and `make test`. Both install missing packages first
# (when root; otherwise they print the apt-get line), then build with CMake.
BUILD ?= build
ASAN_BUILD ?= build-asan
HOST ?= 127.0.0.1
PORT ?= 8000
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST = /usr/bin/python3 -m pytest
PYTEST_ARGS ?=

.PHONY: all deps build run test unit http asan test-asan memcheck bench format lint clean install

all: build

deps:
	@scripts/deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/seed_app --host $(HOST) --port $(PORT)

test: build
	cd $(BUILD) && ctest --output-on-failure
	BRISK_BUILD_DIR=$(CURDIR)/$(BUILD) $(PYTEST) tests/http $(PYTEST_ARGS)

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DBRISK_SANITIZE=ON >/dev/null
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

bench: build
	@scripts/deps.sh bench
	bench/run.sh

format:
	clang-format -i include/*.h src/*.h src/*/*.c src/*/*.h examples/*.c tests/unit/*.c tests/unit/*.h tests/apps/*.c

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --suppress=missingIncludeSystem -Iinclude -Isrc src examples

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
