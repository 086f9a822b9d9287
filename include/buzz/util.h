/* buzz/util.h: the lowest layer of Buzz. Status codes and the error struct every fallible function
 * fills, pointer+length strings, the counting allocator (with a failure hook for OOM tests), bounded
 * growable buffers, leveled logging with a sink installed by the top level, CPU feature detection for
 * SIMD kernel selection, and atomic output files (temp file, fsync, rename, fsync directory).
 * Every other module includes this header; it includes nothing of Buzz. */
#ifndef BUZZ_UTIL_H
#define BUZZ_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUZZ_VERSION "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define BUZZ_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define BUZZ_NODISCARD __attribute__((warn_unused_result))
#define BUZZ_NOINLINE __attribute__((noinline))
#define BUZZ_LIKELY(x) __builtin_expect(!!(x), 1)
#define BUZZ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define BUZZ_PRINTF(fmt, args)
#define BUZZ_NODISCARD
#define BUZZ_NOINLINE
#define BUZZ_LIKELY(x) (x)
#define BUZZ_UNLIKELY(x) (x)
#endif

#define BUZZ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------------------------
 * Status and errors. Zero is success. `err` may be NULL and is written only on failure. */
typedef enum buzz_status {
    BUZZ_OK = 0,
    BUZZ_ERR_ARG,       /* caller broke a documented precondition */
    BUZZ_ERR_NOMEM,     /* allocation failed or the memory budget is spent */
    BUZZ_ERR_IO,        /* the OS refused; strerror text goes in the message */
    BUZZ_ERR_PARSE,     /* input breaks its format; line/column say where */
    BUZZ_ERR_VALUE,     /* a value does not fit its declared column type */
    BUZZ_ERR_LIMIT,     /* a configured bound was hit: row size, columns, memory */
    BUZZ_ERR_CANCELLED, /* the user or the server stopped the job */
    BUZZ_ERR_INTERNAL,  /* a Buzz bug caught at run time, never the user's fault */
} buzz_status;

typedef struct buzz_error {
    buzz_status code;
    char source[256];     /* file or object concerned; "" if none */
    int64_t line, column; /* 1-based; 0 = not applicable */
    int64_t offset;       /* byte offset in source; -1 = unknown */
    char message[512];    /* one sentence: what was expected, what was found */
} buzz_error;

/* Where something is in an input. Line and column are 1-based (0 = not applicable). */
typedef struct buzz_pos {
    const char *source; /* borrowed; NULL = none */
    int64_t line, column;
    int64_t offset; /* -1 = unknown */
} buzz_pos;

/* Fill err (if not NULL) with code and a formatted message; return code. Position fields are reset
 * to "not applicable". Thread-safe (touches only err). */
buzz_status buzz_error_set(buzz_error *err, buzz_status code, const char *fmt, ...)
    BUZZ_PRINTF(3, 4);
/* As buzz_error_set, and record where (where may be NULL). */
buzz_status buzz_error_at(buzz_error *err, buzz_status code, const buzz_pos *where,
                          const char *fmt, ...) BUZZ_PRINTF(4, 5);
/* Static English name of a status ("out of memory", ...). Never NULL. */
const char *buzz_status_name(buzz_status st);
/* Render err as "source:line:column: message" (parts omitted when not applicable) into out.
 * Returns out. out_cap must be > 0. */
char *buzz_error_format(const buzz_error *err, char *out, size_t out_cap);
/* Quote up to max_bytes of text for a message: printable ASCII and valid UTF-8 kept, other bytes as
 * \xNN, "..." appended when cut. Always NUL-terminates out (out_cap > 0). Returns out. */
char *buzz_quote_text(const char *text, size_t len, size_t max_bytes, char *out, size_t out_cap);

#define BUZZ_TRY(expr)                                                                             \
    do {                                                                                           \
        buzz_status buzz__st = (expr);                                                             \
        if (buzz__st != BUZZ_OK)                                                                   \
            return buzz__st;                                                                       \
    } while (0)

/* Invariants: checked in debug and sanitizer builds (BUZZ_DEBUG), compiled out in release. */
#ifdef BUZZ_DEBUG
#define BUZZ_ASSERT(x) ((x) ? (void)0 : buzz__assert_fail(#x, __FILE__, __LINE__))
#else
#define BUZZ_ASSERT(x) ((void)0)
#endif
/* For conditions that would corrupt output: true when the "impossible" happens, in every build. */
#define BUZZ_NEVER(x) buzz__never(!!(x), #x, __FILE__, __LINE__)
void buzz__assert_fail(const char *expr, const char *file, int line);
bool buzz__never(bool cond, const char *expr, const char *file, int line);

/* ---------------------------------------------------------------------------------------------
 * Pointer+length text, not NUL-terminated. */
typedef struct buzz_str {
    const char *ptr;
    size_t len;
} buzz_str;

/* ---------------------------------------------------------------------------------------------
 * Memory. All Buzz allocations go through these; they count live and peak bytes. Thread-safe. */
BUZZ_NODISCARD void *buzz_malloc(size_t n);
BUZZ_NODISCARD void *buzz_calloc(size_t count, size_t size);
BUZZ_NODISCARD void *buzz_realloc(void *p, size_t n);
void buzz_free(void *p);
/* Owned copy of len bytes plus a NUL; NULL on allocation failure. */
BUZZ_NODISCARD char *buzz_strndup(const char *s, size_t len);
size_t buzz_mem_live_bytes(void); /* bytes allocated through buzz_* and not yet freed */
size_t buzz_mem_peak_bytes(void); /* high-water mark of live bytes */
/* Test hook: make the nth allocation from now (1-based) and every later one fail; 0 disables.
 * Not for production use; thread-safe but process-wide. */
void buzz_mem_fail_after(int64_t nth);

/* ---------------------------------------------------------------------------------------------
 * Growable byte buffer with a hard maximum. */
typedef struct buzz_buf {
    uint8_t *data;
    size_t len, cap; /* bytes used / allocated; cap doubles on growth */
    size_t max;      /* growing past this fails with BUZZ_ERR_LIMIT; 0 = SIZE_MAX */
} buzz_buf;

void buzz_buf_init(buzz_buf *b, size_t max); /* cannot fail, allocates nothing */
void buzz_buf_free(buzz_buf *b);             /* accepts a zeroed struct; re-init-able after */
void buzz_buf_reset(buzz_buf *b);            /* len = 0, keeps capacity */
/* Make room for `extra` more bytes (len unchanged). BUZZ_ERR_LIMIT past max, BUZZ_ERR_NOMEM. */
BUZZ_NODISCARD buzz_status buzz_buf_reserve(buzz_buf *b, size_t extra, buzz_error *err);
BUZZ_NODISCARD buzz_status buzz_buf_append(buzz_buf *b, const void *p, size_t n,
                                           buzz_error *err);
BUZZ_NODISCARD buzz_status buzz_buf_append_byte(buzz_buf *b, uint8_t c, buzz_error *err);
BUZZ_NODISCARD buzz_status buzz_buf_printf(buzz_buf *b, buzz_error *err, const char *fmt, ...)
    BUZZ_PRINTF(3, 4);

/* ---------------------------------------------------------------------------------------------
 * Logging. Libraries call buzz_log; the CLI or server installs the sink. Default: no output. */
typedef enum buzz_log_level {
    BUZZ_LOG_DEBUG = 0,
    BUZZ_LOG_INFO,
    BUZZ_LOG_WARN,
    BUZZ_LOG_ERROR,
    BUZZ_LOG_OFF,
} buzz_log_level;

typedef void (*buzz_log_sink)(buzz_log_level level, const char *module, const char *line,
                              void *user);
/* Install the sink and the minimum level. Not thread-safe with concurrent buzz_log: call at start. */
void buzz_log_set_sink(buzz_log_sink sink, void *user, buzz_log_level min_level);
bool buzz_log_enabled(buzz_log_level level);
void buzz_log(buzz_log_level level, const char *module, const char *fmt, ...) BUZZ_PRINTF(3, 4);

/* ---------------------------------------------------------------------------------------------
 * CPU features and SIMD kernel names. Detection runs once (pthread_once). */
typedef enum buzz_simd {
    BUZZ_SIMD_AUTO = 0, /* best the CPU supports */
    BUZZ_SIMD_SCALAR,
    BUZZ_SIMD_AVX2,
    BUZZ_SIMD_AVX512,
} buzz_simd;

bool buzz_cpu_has_avx2(void);
bool buzz_cpu_has_avx512(void); /* AVX-512 F + BW (and the OS saves the ZMM state) */
/* Best kernel this CPU runs, never BUZZ_SIMD_AUTO. */
buzz_simd buzz_simd_best(void);
/* true when this CPU can run `s` (AUTO and SCALAR always). */
bool buzz_simd_supported(buzz_simd s);
const char *buzz_simd_name(buzz_simd s); /* "auto", "scalar", "avx2", "avx512" */
/* Parse a name as above; BUZZ_ERR_ARG on an unknown one. */
BUZZ_NODISCARD buzz_status buzz_simd_parse(const char *name, buzz_simd *out, buzz_error *err);
unsigned buzz_cpu_count(void); /* online CPUs, at least 1 */

/* Run fn(ctx, i) for every i in [0, n) on up to `threads` threads (the caller's included), items
 * handed out one at a time (dynamic balance: good for columns of uneven cost). Returns when all are
 * done. With threads <= 1 or n <= 1 everything runs in the caller. If a thread cannot be started,
 * the remaining threads (at least the caller) do the work. fn must be thread-safe across
 * different i. */
void buzz_parallel_for(size_t n, unsigned threads, void (*fn)(void *ctx, size_t i), void *ctx);

/* ---------------------------------------------------------------------------------------------
 * Atomic output file: written as "<dest>.tmp.<pid>.<n>" in the destination's directory, then
 * fsync + rename + directory fsync on commit. abort unlinks the temp file (no-op after commit). */
typedef struct buzz_atomic_file {
    int fd;              /* -1 when not open */
    char *dest_path;     /* owned */
    char *tmp_path;      /* owned */
    bool is_committed;
} buzz_atomic_file;

BUZZ_NODISCARD buzz_status buzz_atomic_file_open(buzz_atomic_file *f, const char *dest_path,
                                                 buzz_error *err);
/* Write all n bytes (loops over short writes and EINTR). */
BUZZ_NODISCARD buzz_status buzz_atomic_file_write(buzz_atomic_file *f, const void *p, size_t n,
                                                  buzz_error *err);
BUZZ_NODISCARD buzz_status buzz_atomic_file_commit(buzz_atomic_file *f, buzz_error *err);
void buzz_atomic_file_abort(buzz_atomic_file *f); /* accepts a zeroed or committed struct */

/* ---------------------------------------------------------------------------------------------
 * Small helpers for I/O used across modules. */
/* Read up to n bytes at offset; loops over EINTR and short reads; *out_read < n only at EOF. */
BUZZ_NODISCARD buzz_status buzz_pread_full(int fd, void *p, size_t n, int64_t offset,
                                           size_t *out_read, const char *path, buzz_error *err);
/* Read up to n bytes from a stream fd; loops until n bytes or EOF. */
BUZZ_NODISCARD buzz_status buzz_read_full(int fd, void *p, size_t n, size_t *out_read,
                                          const char *path, buzz_error *err);
/* One read(2): *out_read bytes; 0 bytes with *out_eof at the end of the input, or 0 bytes without
 * it when a signal interrupted the read (so callers can check for cancellation and call again). */
BUZZ_NODISCARD buzz_status buzz_read_some(int fd, void *p, size_t n, size_t *out_read,
                                          bool *out_eof, const char *path, buzz_error *err);
/* Monotonic clock in nanoseconds. */
int64_t buzz_now_ns(void);

#endif /* BUZZ_UTIL_H */
