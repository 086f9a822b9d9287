# Buzz build. `make` builds build/buzz; `make test` sets up, builds and runs every test;
# `make asan` runs the same suite under AddressSanitizer + UndefinedBehaviorSanitizer;
# `make serve` sets up, builds and starts the service (until it exists: prints `buzz --help`).
# Kernels for AVX2/AVX-512 are compiled in with function target attributes and picked at run time;
# the build never uses -mavx2 or -march=native.

CC       ?= cc
BUILD    ?= build
DEPS     := .deps
OPT      ?= -O2 -g
SAN      ?=
CPPFLAGS := -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(EXTRA_CPPFLAGS)
CFLAGS   := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla -pthread \
            $(OPT) $(SAN) -MMD -MP $(EXTRA_CFLAGS)
LDLIBS   := -ljansson -lsnappy -llz4 -lzstd -lz -lm -pthread
DUCKDB_CPPFLAGS := -isystem $(DEPS)/duckdb/include
DUCKDB_LIBS     := -L$(abspath $(DEPS)/duckdb/lib) -Wl,-rpath,$(abspath $(DEPS)/duckdb/lib) -lduckdb

LIB_SRCS := $(sort $(wildcard src/util/*.c src/csv/*.c src/types/*.c src/parquet/*.c src/convert/*.c \
                             src/query/*.c))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

.PHONY: all setup test unit asan serve fuzz fuzz-smoke bench clean format

all: $(BUILD)/buzz

setup:
	@./scripts/setup

$(BUILD)/libbuzz.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/buzz: $(CLI_OBJS) $(BUILD)/libbuzz.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libbuzz.a $(DUCKDB_LIBS) $(LDLIBS)

# Only the query module includes duckdb.h (its public header hides DuckDB).
$(BUILD)/obj/src/query/%.o: CPPFLAGS += $(DUCKDB_CPPFLAGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/libbuzz.a $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DUCKDB_CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libbuzz.a -lcmocka \
	    $(DUCKDB_LIBS) $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c tests/tools/dump_format.h $(BUILD)/libbuzz.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DUCKDB_CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libbuzz.a \
	    $(DUCKDB_LIBS) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libbuzz.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DUCKDB_CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libbuzz.a \
	    $(DUCKDB_LIBS) $(LDLIBS)

# The unit and end-to-end suite for one build directory (used by `test` and `asan`).
unit: $(BUILD)/buzz $(TEST_BINS) $(TOOL_BINS) $(BUILD)/bench/rss_run
	@BUZZ_BUILD=$(BUILD) ./tests/run

test: setup
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory CC=clang BUILD=build/clang all  # zero warnings with clang too
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-smoke

asan: setup
	@$(MAKE) --no-print-directory BUILD=build build/tools/duckdb_csv_dump
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    EXTRA_CPPFLAGS=-DBUZZ_DEBUG unit

serve: setup all
	./$(BUILD)/buzz --help

# libFuzzer targets (clang). FUZZ_SECONDS per target in the smoke run.
FUZZ_SECONDS ?= 30
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/%)
# The query module needs DuckDB; the fuzz targets do not link it (fuzz_parquet links it itself).
FUZZ_LIB_SRCS := $(filter-out src/query/%,$(LIB_SRCS))
# Targets include test helpers (tests/csv_render.h, ...) as well as the library's headers.
FUZZ_HDRS := $(wildcard include/buzz/*.h src/*/*.h tests/*.h)
# fuzz_parquet reads its files back through DuckDB's C API, so it alone links libduckdb. The
# library is not instrumented (only our C code is checked); it runs under the same
# -fsanitize=fuzzer,address,undefined flags with no ASAN_OPTIONS: our side is C, so there are no
# container-overflow or ODR reports, and DuckDB's allocations go through ASan's interceptors.
# Only libFuzzer's per-input leak scan is a problem (DuckDB's caches trigger it on most inputs and
# it made runs ~3x slower): the target turns it off itself unless -detect_leaks is given, and
# checks Buzz's own allocations instead (see LLVMFuzzerInitialize in fuzz/fuzz_parquet.c).
build/fuzz/fuzz_parquet: fuzz/fuzz_parquet.c $(FUZZ_LIB_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(DUCKDB_CPPFLAGS) -DBUZZ_DEBUG -std=c11 -g -O1 -pthread \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $@ $< $(FUZZ_LIB_SRCS) $(DUCKDB_LIBS) $(LDLIBS)

build/fuzz/%: fuzz/%.c $(FUZZ_LIB_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -DBUZZ_DEBUG -std=c11 -g -O1 -pthread \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $@ $< $(FUZZ_LIB_SRCS) $(LDLIBS)

fuzz: $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ./fuzz/smoke $(FUZZ_BINS)

bench: setup all $(BENCH_BINS)
	BUZZ_BUILD=$(BUILD) ./bench/run

clean:
	rm -rf build

format:
	clang-format -i $(LIB_SRCS) $(CLI_SRCS) include/buzz/*.h

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
