# mqsim: one Makefile. `make` builds ./mqsim; `make run` runs the main scenario; `make test` runs the Check suite.
PREFIX   ?= /usr/local
CC       ?= cc
OPT      ?= -O3 -g
# Link-time optimisation for the binaries that run simulations (mqsim, its test copies, the bare loop): the
# whole program in one partition (partitions would part sim/dist.h's .symver from its callers). Objects are
# fat, so the unit tests link their ordinary code without a whole-program link each. `make LTO=` turns it
# off. README, "Benchmarks", has what it and -O3 bought.
LTO      ?= -flto=auto -flto-partition=one -ffat-lto-objects
WARN      = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
PKGS      = gsl libcjson check
# Evaluated lazily, after the deps check has had its chance to install pkg-config and the libraries.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs gsl libcjson)
CHECK_LIBS = $(shell pkg-config --libs check)

ifeq ($(SANITIZE),1)
TEST_ENV  = MQSIM_SANITIZED=1
SAN       = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
BUILD     = build/san
OPT       = -O1 -g
LTO       =
else
SAN       =
BUILD     = build/rel
endif

CFLAGS_ALL = -std=c11 -D_POSIX_C_SOURCE=200809L $(OPT) $(LTO) $(WARN) $(SAN) -I. $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)
# A simulating binary's link: the whole program again, with the compile's optimisation. A unit test's link
# takes the fat objects' ordinary code (-fno-lto: gcc would otherwise optimise the whole program anew for each).
LDFLAGS_BIN = $(OPT) $(LTO) $(LDFLAGS_ALL)
LDFLAGS_TEST = $(if $(LTO),-fno-lto) $(LDFLAGS_ALL)

SIM_SRC   = $(wildcard sim/*.c sim/*/*.c)
MODEL_SRC = $(filter-out models/cmd/main.c,$(wildcard models/*/*.c))
LIB_OBJ   = $(patsubst %.c,$(BUILD)/%.o,$(SIM_SRC) $(MODEL_SRC))
TEST_SRC  = $(wildcard tests/test_*.c)
TEST_BIN  = $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
DEPS_OK   = build/.deps-ok

# ---- MPI build: `make MPI=1` (Open MPI's mpicc, from Debian's libopenmpi-dev and openmpi-bin) ----
# Compiles with MQSIM_MPI into build/mpi, so `mpirun -np N ./mqsim sweep SWEEP.json` shares a sweep's runs
# among the ranks. The binary is ./mqsim, copied from build/mpi/mqsim each time (renamed into place: a running
# ./mqsim keeps its file) and dated 1970: older than the default build's objects, so that a later plain `make`
# puts the default ./mqsim back. The default build is unchanged.
ifeq ($(MPI),1)
CC        = mpicc
BUILD     = build/mpi
DEPS_OK   = build/.deps-mpi-ok
DEPS_ARGS = --mpi
override CFLAGS += -DMQSIM_MPI
endif

.PHONY: all run test bench clean install deps
all: mqsim

deps: $(DEPS_OK)
$(DEPS_OK): .ci/deps.sh
	@sh .ci/deps.sh $(DEPS_ARGS)
	@mkdir -p build && touch $@

$(BUILD)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libmqsim.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

ifeq ($(SANITIZE),1)
mqsim: $(BUILD)/mqsim
else ifeq ($(MPI),1)
.PHONY: mqsim
mqsim: $(BUILD)/mqsim
	cp $(BUILD)/mqsim $@.tmp && touch -t 197001010000 $@.tmp && mv -f $@.tmp $@
else
mqsim: $(BUILD)/models/cmd/main.o $(BUILD)/libmqsim.a
	$(CC) $(LDFLAGS_BIN) -o $@ $^ $(PKG_LIBS) -lm
endif

$(BUILD)/mqsim: $(BUILD)/models/cmd/main.o $(BUILD)/libmqsim.a
	$(CC) $(LDFLAGS_BIN) -o $@ $^ $(PKG_LIBS) -lm

# What the tests share (tests/harness.h): tests/harness*.c, linked into every test binary.
TEST_HARNESS = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/harness*.c))

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_HARNESS) $(BUILD)/libmqsim.a
	$(CC) $(LDFLAGS_TEST) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) -lm

run: mqsim
	./mqsim scenarios/master_crash.json

# The layout's rules (README "Layout"): layers, private headers, no include cycle, no file too long; and a
# self-test that plants each kind of crossing in a copy and expects it caught.
.PHONY: check-layers
check-layers:
	@sh tests/check_layers.sh
	@sh tests/check_layers_selftest.sh

# Each test binary is a Check runner; tests/run.sh runs them all and prints one closing line.
test: check-layers $(TEST_BIN) $(BUILD)/mqsim-for-tests $(BUILD)/mqsim-planted
	@MQSIM=$(BUILD)/mqsim-for-tests MQSIM_PLANTED=$(BUILD)/mqsim-planted $(TEST_ENV) sh tests/run.sh $(TEST_BIN)

# A test-only variant with a planted bug (DLedger voters that ignore the candidate's log), for the test
# that shows explore finds and shrinks a real failure.
$(BUILD)/planted/broker_dledger.o: models/broker/broker_dledger.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DMQSIM_PLANTED_BUG -MMD -MP -c $< -o $@

$(BUILD)/mqsim-planted: $(BUILD)/models/cmd/main.o $(BUILD)/planted/broker_dledger.o $(BUILD)/libmqsim.a
	$(CC) $(LDFLAGS_BIN) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/mqsim-for-tests: $(BUILD)/models/cmd/main.o $(BUILD)/libmqsim.a
	$(CC) $(LDFLAGS_BIN) -o $@ $^ $(PKG_LIBS) -lm

bench: mqsim $(BUILD)/tests/bench_heap
	@sh tests/bench.sh ./mqsim $(BUILD)/tests/bench_heap

$(BUILD)/tests/bench_heap: $(BUILD)/tests/bench_heap.o $(BUILD)/sim/heap.o
	$(CC) $(LDFLAGS_BIN) -o $@ $^ $(PKG_LIBS) -lm

# ---- Fuzzing: `make fuzz` (libFuzzer, with clang and libclang-rt from Debian) ----
# Builds tests/fuzz/fuzz_*.c against every sim/ and models/ source compiled again by clang into build/fuzz,
# with AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer, then runs each target for
# FUZZ_SECONDS from the shipped scenarios and its corpus in build/fuzz/corpus; any crash, hang (an input over
# 10 s), memory over 2 GiB, leak or sanitizer report fails, with the input kept in build/fuzz/artifacts.
# The default build is unchanged.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR      = build/fuzz
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   = -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g $(WARN) $(FUZZ_SAN) -I. $(PKG_CFLAGS)
FUZZ_NAMES    = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN      = $(addprefix $(FUZZ_DIR)/,$(FUZZ_NAMES))
FUZZ_LIB_OBJ  = $(patsubst %.c,$(FUZZ_DIR)/%.o,$(SIM_SRC) $(MODEL_SRC))

.PHONY: fuzz fuzz-build valgrind
fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_DIR) $(FUZZ_NAMES)

build/.deps-fuzz-ok: .ci/deps.sh
	@sh .ci/deps.sh --fuzz
	@mkdir -p build && touch $@

$(FUZZ_DIR)/%.o: %.c | $(DEPS_OK) build/.deps-fuzz-ok
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/libmqsim.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

.SECONDARY: $(patsubst %,$(FUZZ_DIR)/tests/fuzz/%.o,$(FUZZ_NAMES))
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/libmqsim.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) -lm

# ---- Valgrind: `make valgrind` runs a short master_crash under memcheck; any error or definite leak fails ----
build/.deps-valgrind-ok: .ci/deps.sh
	@sh .ci/deps.sh --valgrind
	@mkdir -p build && touch $@

valgrind: mqsim build/.deps-valgrind-ok
	@d=$$(mktemp -d /tmp/mqsim-valgrind-XXXXXX) && \
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --track-origins=yes \
	    ./mqsim scenarios/master_crash.json --set run.duration_ms=60000 --trace off --quiet --out $$d; \
	rc=$$?; rm -rf $$d; [ $$rc = 0 ] && echo "valgrind: no errors" || { echo "valgrind: failed (exit $$rc)" >&2; exit 1; }

# ---- `make html-check`: a run's index.html in headless Chromium (Debian's chromium) ----
# Runs master_crash, draws its figures and page into build/html-check/master_crash, loads the page in the
# browser (tests/html_check.sh: a screenshot, no console message, the figures in the DOM) and keeps the
# screenshot as build/html-check/master_crash.png.
.PHONY: html-check
build/.deps-browser-ok: .ci/deps.sh
	@sh .ci/deps.sh --browser
	@mkdir -p build && touch $@

html-check: mqsim build/.deps-browser-ok
	@rm -rf build/html-check && mkdir -p build/html-check
	./mqsim scenarios/master_crash.json --quiet --out build/html-check/master_crash
	./mqsim plot build/html-check/master_crash --quiet
	@sh tests/html_check.sh --screenshot build/html-check/master_crash.png --size 1200,2400 \
	    build/html-check/master_crash/index.html

install: mqsim
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mqsim/plots
	install -m 755 mqsim $(DESTDIR)$(PREFIX)/bin/mqsim
	install -m 644 plots/*.gp $(DESTDIR)$(PREFIX)/share/mqsim/plots

clean:
	rm -rf build mqsim out

-include $(shell find build -name '*.d' 2>/dev/null)
