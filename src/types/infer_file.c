/* A whole inference pass over an open CSV reader.
 *
 * When the reader was opened with buzz_infer_hook's hook, every batch is typed by the reader
 * thread that tokenized it, right after tokenizing (the bytes are still in cache), into a state of
 * its own; this loop, on the caller's thread, only folds those states into the main state in input
 * order. Merging in input order is exact (first examples included), so the schema does not depend
 * on the thread count or on the order in which workers finish. Without the hook every batch is
 * typed here, on the caller's thread. */
#include "buzz/types.h"

#include "infer_internal.h"

#include <string.h>

static buzz_status hook_run(void *user, const buzz_csv_dialect *dialect, const buzz_csv_batch *b,
                            void **state, buzz_error *err)
{
    buzz_infer *inf = *state;
    if (!inf) {
        buzz_infer_options o = *(const buzz_infer_options *)user;
        if (!o.delimiter)
            o.delimiter = dialect->delimiter;
        BUZZ_TRY(buzz_infer_new(&inf, b->column_count, &o, err));
        *state = inf;
    } else {
        buzz_infer_reset(inf);
    }
    buzz_infer_add_batch(inf, b, 0, b->row_count);
    return BUZZ_OK;
}

static void hook_free(void *user, void *state)
{
    (void)user;
    buzz_infer_free(state);
}

void buzz_infer_hook(const buzz_infer_options *opts, buzz_csv_batch_hook *out)
{
    static const buzz_infer_options none;
    out->run = hook_run;
    out->free_state = hook_free;
    out->user = (void *)(opts ? opts : &none);
}

buzz_status buzz_infer_reader(buzz_csv_reader *rd, buzz_infer *into, const size_t *map,
                              buzz_batch_visitor on_batch, void *user, int64_t *out_rows,
                              buzz_error *err)
{
    const buzz_str *names;
    size_t ncols;
    buzz_csv_reader_columns(rd, &names, &ncols);
    bool hooked = buzz_csv_reader_options(rd)->batch_hook.run == hook_run;
    buzz_infer *scratch = NULL; /* unhooked with a map: type a batch here, then merge it */
    buzz_status st = BUZZ_OK;
    if (map && !hooked) {
        st = buzz__infer_new_like(&scratch, into, ncols, err);
    }
    int64_t rows = 0;
    while (st == BUZZ_OK) {
        const buzz_csv_batch *b;
        st = buzz_csv_reader_next(rd, &b, err);
        if (st != BUZZ_OK || !b)
            break;
        if (on_batch)
            on_batch(user, b);
        rows += (int64_t)b->row_count;
        const buzz_infer *typed = NULL;
        if (hooked && b->hook_state) {
            typed = b->hook_state;
        } else if (scratch) {
            buzz_infer_reset(scratch);
            buzz_infer_add_batch(scratch, b, 0, b->row_count);
            typed = scratch;
        } else {
            buzz_infer_add_batch(into, b, 0, b->row_count);
        }
        if (typed && map)
            buzz_infer_merge_mapped(into, typed, map);
        else if (typed)
            buzz_infer_merge(into, typed);
    }
    buzz_infer_free(scratch);
    if (out_rows)
        *out_rows = rows;
    return st;
}

buzz_status buzz_schema_from_infer(buzz_schema *out, const buzz_infer *inf, size_t ncols,
                                  const buzz_str *names, const buzz_csv_dialect *dialect,
                                  const buzz_infer_options *opts, buzz_error *err)
{
    memset(out, 0, sizeof *out);
    out->source_bytes = -1;
    out->row_count = -1;
    buzz_status st = buzz_schema_init_columns(out, ncols, err);
    for (size_t c = 0; st == BUZZ_OK && c < ncols; c++) {
        buzz_column_def *d = &out->columns[c];
        if (inf)
            buzz_infer_column(inf, c, d);
        d->description = buzz_strndup("", 0);
        if (!d->description)
            st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    }
    if (st == BUZZ_OK)
        st = buzz_schema_set_names(out, names, err);
    if (st == BUZZ_OK) {
        out->context = buzz_strndup("", 0);
        out->source_name = buzz_strndup("", 0);
        if (!out->context || !out->source_name)
            st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    }
    if (st == BUZZ_OK) {
        if (dialect) {
            out->has_dialect = true;
            out->dialect = *dialect;
        }
        if (opts && opts->nulls) {
            out->has_nulls = true;
            out->nulls = *opts->nulls;
        }
        if (opts && opts->has_date_order) {
            out->has_date_order = true;
            out->date_order = opts->date_order;
        }
    }
    if (st != BUZZ_OK)
        buzz_schema_free(out);
    return st;
}

buzz_status buzz_schema_infer(buzz_csv_reader *rd, const buzz_infer_options *opts,
                              buzz_batch_visitor on_batch, void *user, buzz_schema *out,
                              buzz_error *err)
{
    memset(out, 0, sizeof *out);
    const buzz_str *names;
    size_t ncols;
    buzz_csv_reader_columns(rd, &names, &ncols);
    const buzz_csv_dialect *dia = buzz_csv_reader_dialect(rd);
    buzz_infer_options o = opts ? *opts : (buzz_infer_options){0};
    if (!o.delimiter)
        o.delimiter = dia->delimiter;
    buzz_infer *main_state = NULL;
    int64_t rows = 0;
    buzz_status st = buzz_infer_new(&main_state, ncols, &o, err);
    if (st == BUZZ_OK)
        st = buzz_infer_reader(rd, main_state, NULL, on_batch, user, &rows, err);
    if (st == BUZZ_OK)
        st = buzz_schema_from_infer(out, main_state, ncols, dia->has_header ? names : NULL, dia,
                                    opts, err);
    if (st == BUZZ_OK) {
        out->row_count = rows;
        out->source_bytes = buzz_csv_reader_input_bytes(rd);
    }
    buzz_infer_free(main_state);
    return st;
}
