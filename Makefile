# occbench: the two commands a new user types.
#   make run    install what is missing, build, run the occupancy ladder on
#               this machine, print the per-kernel summary
#   make test   install what is missing, build, run the test suite (ctest)
# Other targets: build, deps, install (PREFIX=/usr/local: occbench and
# occbench-analyze in PREFIX/bin, events, job scripts and man pages under
# PREFIX/share), test-sanitize (ASan+UBSan unit tests), format,
# format-check (fails when a tracked C file is not clang-formatted), clean.

BUILD      ?= build
BUILD_SAN  ?= build-sanitize
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
PRESET     ?= small
WINDOW     ?= 3
RANKS      ?= $(shell $(CURDIR)/scripts/physical-cores 2>/dev/null || nproc)
HOST       := $(shell hostname -s 2>/dev/null || hostname)
STAMP      := $(shell date -u +%Y%m%dT%H%M%SZ)
RESULTS    ?= results/$(HOST)-$(STAMP).h5
CMAKE_ARGS ?=
PREFIX     ?= /usr/local

# Debian packages occbench needs to build, test and plot.
PACKAGES = cmake make gcc pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools \
           libpapi-dev papi-tools libhwloc-dev hwloc libcmocka-dev libfftw3-dev gnuplot-nox \
           libxml2-utils procps python3 python3-h5py util-linux clang-format slurm-wlm munge \
           chromium xz-utils

# Open MPI refuses root unless told; CI and the build VM run as root.
MPIRUN_ROOT := $(if $(filter 0,$(shell id -u)),--allow-run-as-root,)

.PHONY: run test build install deps configure test-sanitize format format-check clean

run: build
	@mkdir -p results
	mpirun $(MPIRUN_ROOT) --bind-to none -n $(RANKS) $(BUILD)/occbench --preset $(PRESET) --window $(WINDOW) \
	    --output $(RESULTS) --site "$(HOST)"
	$(BUILD)/occbench-analyze summary $(RESULTS)
	@echo "next: $(BUILD)/occbench-analyze plot $(RESULTS) -o report   (then open report/index.html)"
	@echo "      $(BUILD)/occbench-analyze validate $(RESULTS)"
	@echo "      make install PREFIX=\$$HOME/.local puts occbench and occbench-analyze in PREFIX/bin"

test: build
	cd $(BUILD) && ctest --output-on-failure -j 2

build: configure
	cmake --build $(BUILD) -j $(JOBS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DOB_WERROR=ON $(CMAKE_ARGS)

deps:
	@sh scripts/install-deps $(PACKAGES)

test-sanitize: deps
	@test -f $(BUILD_SAN)/CMakeCache.txt || cmake -S . -B $(BUILD_SAN) -DOB_WERROR=ON \
	    -DOB_SANITIZE=ON -DOB_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(BUILD_SAN) -j $(JOBS)
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure -L unit

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
