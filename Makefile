# mqsim: one Makefile. `make` builds ./mqsim; `make run` runs the main scenario; `make test` runs the Check suite.
PREFIX   ?= /usr/local
CC       ?= cc
OPT      ?= -O2 -g
WARN      = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
PKGS      = gsl libcjson check
# Evaluated lazily, after the deps check has had its chance to install pkg-config and the libraries.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs gsl libcjson)
CHECK_LIBS = $(shell pkg-config --libs check)

ifeq ($(SANITIZE),1)
SAN       = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
BUILD     = build/san
OPT       = -O1 -g
else
SAN       =
BUILD     = build/rel
endif

CFLAGS_ALL = -std=c11 -D_POSIX_C_SOURCE=200809L $(OPT) $(WARN) $(SAN) -I. $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)

SIM_SRC   = $(wildcard sim/*.c)
MODEL_SRC = $(filter-out models/main.c,$(wildcard models/*.c))
LIB_OBJ   = $(patsubst %.c,$(BUILD)/%.o,$(SIM_SRC) $(MODEL_SRC))
TEST_SRC  = $(wildcard tests/test_*.c)
TEST_BIN  = $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
DEPS_OK   = build/.deps-ok

.PHONY: all run test bench clean install deps
all: mqsim

deps: $(DEPS_OK)
$(DEPS_OK): .ci/deps.sh
	@sh .ci/deps.sh
	@mkdir -p build && touch $@

$(BUILD)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libmqsim.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

ifeq ($(SANITIZE),1)
mqsim: $(BUILD)/mqsim
else
mqsim: $(BUILD)/models/main.o $(BUILD)/libmqsim.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm
endif

$(BUILD)/mqsim: $(BUILD)/models/main.o $(BUILD)/libmqsim.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libmqsim.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) -lm

run: mqsim
	./mqsim scenarios/master_crash.json

# Each test binary is a Check runner; tests/run.sh runs them all and prints one closing line.
test: $(TEST_BIN) $(BUILD)/mqsim-for-tests
	@MQSIM=$(BUILD)/mqsim-for-tests sh tests/run.sh $(TEST_BIN)

$(BUILD)/mqsim-for-tests: $(BUILD)/models/main.o $(BUILD)/libmqsim.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

bench: mqsim $(BUILD)/tests/bench_heap
	@sh tests/bench.sh ./mqsim $(BUILD)/tests/bench_heap

$(BUILD)/tests/bench_heap: $(BUILD)/tests/bench_heap.o $(BUILD)/sim/heap.o
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

install: mqsim
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 mqsim $(DESTDIR)$(PREFIX)/bin/mqsim

clean:
	rm -rf build mqsim out

-include $(shell find build -name '*.d' 2>/dev/null)
