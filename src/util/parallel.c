/* buzz_parallel_for: a fork-join loop over items with an atomic cursor. Threads are started per
 * call; callers use it per batch (about a million cells), where a thread start (tens of
 * microseconds) is noise. */
#include "buzz/util.h"

#include <pthread.h>
#include <stdatomic.h>

#define MAX_THREADS 64

typedef struct loop {
    size_t n;
    atomic_size_t next;
    void (*fn)(void *ctx, size_t i);
    void *ctx;
} loop;

static void *worker(void *arg)
{
    loop *l = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&l->next, 1);
        if (i >= l->n)
            break;
        l->fn(l->ctx, i);
    }
    return NULL;
}

void buzz_parallel_for(size_t n, unsigned threads, void (*fn)(void *ctx, size_t i), void *ctx)
{
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    if ((size_t)threads > n)
        threads = (unsigned)n;
    if (threads <= 1) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i);
        return;
    }
    loop l = {.n = n, .fn = fn, .ctx = ctx};
    atomic_init(&l.next, 0);
    pthread_t tids[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    for (unsigned t = 1; t < threads; t++)
        started[t] = pthread_create(&tids[t], NULL, worker, &l) == 0;
    worker(&l);
    for (unsigned t = 1; t < threads; t++)
        if (started[t])
            pthread_join(tids[t], NULL);
}
