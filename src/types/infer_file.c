/* A whole inference pass over an open CSV reader. Each batch's rows are split into one slice per
 * thread: the caller's thread types slice 0 into the main state while helper threads type the
 * others into their own states, which are then merged into the main state in slice order and
 * reset. Because merging in input order is exact (first examples included), the schema does not
 * depend on the thread count. */
#include "buzz/types.h"

#include <pthread.h>
#include <string.h>

#define MAX_THREADS 64

typedef struct slice_job {
    buzz_infer *state;
    const buzz_csv_batch *batch;
    size_t begin, end;
} slice_job;

static void *slice_main(void *arg)
{
    slice_job *j = arg;
    buzz_infer_add_batch(j->state, j->batch, j->begin, j->end);
    return NULL;
}

buzz_status buzz_schema_infer(buzz_csv_reader *rd, const buzz_infer_options *opts,
                              unsigned threads, buzz_batch_visitor on_batch, void *user,
                              buzz_schema *out, buzz_error *err)
{
    memset(out, 0, sizeof *out);
    const buzz_str *names;
    size_t ncols;
    buzz_csv_reader_columns(rd, &names, &ncols);
    if (threads == 0)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    buzz_infer *states[MAX_THREADS] = {0};
    buzz_status st = BUZZ_OK;
    for (unsigned t = 0; t < threads && st == BUZZ_OK; t++)
        st = buzz_infer_new(&states[t], ncols, opts, err);
    int64_t rows = 0;
    while (st == BUZZ_OK) {
        const buzz_csv_batch *b;
        st = buzz_csv_reader_next(rd, &b, err);
        if (st != BUZZ_OK || !b)
            break;
        if (on_batch)
            on_batch(user, b);
        rows += (int64_t)b->row_count;
        /* Small batches, or few cells, are not worth threads. */
        unsigned use = threads;
        if ((size_t)use > b->row_count / 1024)
            use = (unsigned)(b->row_count / 1024);
        if (use <= 1) {
            buzz_infer_add_batch(states[0], b, 0, b->row_count);
            continue;
        }
        slice_job jobs[MAX_THREADS];
        pthread_t tids[MAX_THREADS];
        bool started[MAX_THREADS] = {false};
        size_t per = b->row_count / use;
        for (unsigned t = 0; t < use; t++) {
            jobs[t].state = states[t];
            jobs[t].batch = b;
            jobs[t].begin = t * per;
            jobs[t].end = t + 1 == use ? b->row_count : (t + 1) * per;
        }
        for (unsigned t = 1; t < use; t++)
            started[t] = pthread_create(&tids[t], NULL, slice_main, &jobs[t]) == 0;
        slice_main(&jobs[0]);
        for (unsigned t = 1; t < use; t++) {
            if (started[t])
                pthread_join(tids[t], NULL);
            else
                slice_main(&jobs[t]); /* no thread: do it here */
            buzz_infer_merge(states[0], states[t]);
            buzz_infer_reset(states[t]);
        }
    }
    if (st == BUZZ_OK)
        st = buzz_schema_init_columns(out, ncols, err);
    if (st == BUZZ_OK) {
        for (size_t c = 0; c < ncols; c++) {
            buzz_column_def *d = &out->columns[c];
            buzz_infer_column(states[0], c, d);
            d->description = buzz_strndup("", 0);
            if (!d->description)
                st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
        }
    }
    const buzz_csv_dialect *dia = buzz_csv_reader_dialect(rd);
    if (st == BUZZ_OK)
        st = buzz_schema_set_names(out, dia->has_header ? names : NULL, err);
    if (st == BUZZ_OK) {
        out->context = buzz_strndup("", 0);
        out->source_name = buzz_strndup("", 0);
        if (!out->context || !out->source_name)
            st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    }
    if (st == BUZZ_OK) {
        out->has_dialect = true;
        out->dialect = *dia;
        out->row_count = rows;
        out->source_bytes = buzz_csv_reader_input_bytes(rd);
        if (opts && opts->nulls) {
            out->has_nulls = true;
            out->nulls = *opts->nulls;
        }
        if (opts && opts->has_date_order) {
            out->has_date_order = true;
            out->date_order = opts->date_order;
        }
    }
    for (unsigned t = 0; t < threads; t++)
        buzz_infer_free(states[t]);
    if (st != BUZZ_OK)
        buzz_schema_free(out);
    return st;
}
