/* tests/infer_batches.h: infers a CSV file's schema batch by batch on one thread, each batch typed
 * into a state of its own and merged in input order (as the reader hook does), optionally with
 * the general scanners only (buzz__infer_general_only: no seen cache, no fast paths). Used by
 * test_types_infer.c and the inference fuzz target to check that both ways decide alike. */
#ifndef BUZZ_TEST_INFER_BATCHES_H
#define BUZZ_TEST_INFER_BATCHES_H

#include "buzz/csv.h"
#include "buzz/types.h"
#include "types/infer_internal.h"

#include <string.h>

/* nulls: NULL for the default tokens. False when reading or inferring failed. The schema's
 * row_count and source_bytes are left unknown (-1). */
static inline bool infer_batches(const char *path, bool general, const buzz_null_tokens *nulls,
                                 size_t chunk_bytes, buzz_schema *out)
{
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    o.chunk_bytes = chunk_bytes;
    buzz_csv_reader *rd = NULL;
    if (buzz_csv_reader_open(&rd, path, &o, NULL) != BUZZ_OK)
        return false;
    const buzz_str *names;
    size_t ncols;
    buzz_csv_reader_columns(rd, &names, &ncols);
    const buzz_csv_dialect *dia = buzz_csv_reader_dialect(rd);
    buzz_infer_options io;
    memset(&io, 0, sizeof io);
    io.delimiter = dia->delimiter;
    io.nulls = nulls;
    buzz_infer *main_state = NULL, *batch_state = NULL;
    bool ok = buzz_infer_new(&main_state, ncols, &io, NULL) == BUZZ_OK;
    if (ok) {
        buzz__infer_general_only(main_state, general);
        ok = buzz__infer_new_like(&batch_state, main_state, ncols, NULL) == BUZZ_OK;
    }
    while (ok) {
        const buzz_csv_batch *b;
        ok = buzz_csv_reader_next(rd, &b, NULL) == BUZZ_OK;
        if (!ok || !b)
            break;
        buzz_infer_reset(batch_state);
        buzz_infer_add_batch(batch_state, b, 0, b->row_count);
        buzz_infer_merge(main_state, batch_state);
    }
    ok = ok && buzz_schema_from_infer(out, main_state, ncols, dia->has_header ? names : NULL, dia,
                                      &io, NULL) == BUZZ_OK;
    if (ok) {
        out->row_count = -1;
        out->source_bytes = -1;
    }
    buzz_infer_free(batch_state);
    buzz_infer_free(main_state);
    buzz_csv_reader_close(rd);
    return ok;
}

#endif /* BUZZ_TEST_INFER_BATCHES_H */
