/* util/mem.c: the counting allocator. Every Buzz allocation carries a 16-byte header holding its
 * size, so live and peak bytes are exact (Redis zmalloc, SQLite's memory high-water mark); the
 * pipeline's memory bound is checked against these counters. buzz_mem_fail_after lets tests fail
 * the Nth allocation to walk every NOMEM path (libuv test-loop-oom.c). */
#include "buzz/util.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define HDR 16 /* keeps the user pointer 16-byte aligned */

static atomic_size_t live_bytes;
static atomic_size_t peak_bytes;
static atomic_llong fail_countdown; /* 0 = off; n = the nth allocation from now fails */

static bool should_fail(void)
{
    long long c = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (BUZZ_LIKELY(c == 0))
        return false;
    if (c == 1)
        return true; /* stays at 1: every later allocation fails too */
    atomic_fetch_sub(&fail_countdown, 1);
    return false;
}

static void account(size_t add, size_t sub)
{
    size_t now = atomic_fetch_add(&live_bytes, add) + add;
    if (sub)
        now = atomic_fetch_sub(&live_bytes, sub) - sub;
    size_t peak = atomic_load_explicit(&peak_bytes, memory_order_relaxed);
    while (now > peak && !atomic_compare_exchange_weak(&peak_bytes, &peak, now)) {
    }
}

void *buzz_malloc(size_t n)
{
    if (should_fail() || n > SIZE_MAX - HDR)
        return NULL;
    unsigned char *p = malloc(n + HDR);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    account(n, 0);
    return p + HDR;
}

void *buzz_calloc(size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n))
        return NULL;
    void *p = buzz_malloc(n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *buzz_realloc(void *ptr, size_t n)
{
    if (!ptr)
        return buzz_malloc(n);
    if (should_fail() || n > SIZE_MAX - HDR)
        return NULL;
    unsigned char *base = (unsigned char *)ptr - HDR;
    size_t old;
    memcpy(&old, base, sizeof old);
    unsigned char *p = realloc(base, n + HDR);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    account(n, old);
    return p + HDR;
}

void buzz_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *base = (unsigned char *)ptr - HDR;
    size_t old;
    memcpy(&old, base, sizeof old);
    atomic_fetch_sub(&live_bytes, old);
    free(base);
}

char *buzz_strndup(const char *s, size_t len)
{
    char *p = buzz_malloc(len + 1);
    if (p) {
        if (len)
            memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

size_t buzz_mem_live_bytes(void)
{
    return atomic_load(&live_bytes);
}

size_t buzz_mem_peak_bytes(void)
{
    return atomic_load(&peak_bytes);
}

void buzz_mem_fail_after(int64_t nth)
{
    atomic_store(&fail_countdown, nth > 0 ? (long long)nth : 0);
}
