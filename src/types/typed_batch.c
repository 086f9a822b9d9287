/* Typed column batches: each included column of a CSV batch parsed into a flat array (or offsets
 * and bytes for text), with validity bytes. Rejects (values that do not fit a user-given type) are
 * NULL in the batch and reported to the caller with line, column, value and reason. */
#include "buzz/types.h"

#include <string.h>

static size_t value_size(buzz_type t)
{
    switch (t) {
    case BUZZ_TYPE_BOOLEAN:
        return 1;
    case BUZZ_TYPE_INT32:
    case BUZZ_TYPE_DATE:
        return 4;
    case BUZZ_TYPE_DECIMAL:
        return sizeof(buzz_i128);
    default:
        return 8;
    }
}

void buzz_typed_batch_free(buzz_typed_batch *tb)
{
    if (!tb)
        return;
    for (size_t i = 0; i < tb->column_count; i++) {
        buzz_typed_column *c = &tb->columns[i];
        buzz_free(c->is_valid);
        buzz_free(c->values);
        buzz_free(c->offsets);
        buzz_free(c->chars);
    }
    buzz_free(tb->columns);
    memset(tb, 0, sizeof *tb);
}

static buzz_status grow(void **p, size_t *cap, size_t need, buzz_error *err)
{
    if (need <= *cap)
        return BUZZ_OK;
    size_t n = *cap ? *cap : 64; /* small first: a wide table has many columns of few rows */
    while (n < need)
        n *= 2;
    void *q = buzz_realloc(*p, n);
    if (!q)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for a typed batch (%zu bytes)",
                              n);
    *p = q;
    *cap = n;
    return BUZZ_OK;
}

/* Size column c's arrays for `rows` rows (capacity is kept across fills). */
static buzz_status prepare_column(buzz_typed_column *tc, const buzz_column_def *d, size_t rows,
                                  buzz_error *err)
{
    tc->type = d->type == BUZZ_TYPE_NULL ? BUZZ_TYPE_VARCHAR : d->type;
    tc->null_count = 0;
    if (rows > tc->rows_cap) {
        size_t vcap = tc->rows_cap;
        void *v = tc->is_valid;
        BUZZ_TRY(grow(&v, &vcap, rows, err));
        tc->is_valid = v;
        size_t ocap = tc->rows_cap * sizeof(uint32_t);
        void *o = tc->offsets;
        BUZZ_TRY(grow(&o, &ocap, (rows + 1) * sizeof(uint32_t), err));
        tc->offsets = o;
        tc->rows_cap = vcap < ocap / sizeof(uint32_t) ? vcap : ocap / sizeof(uint32_t) - 1;
    }
    if (tc->type != BUZZ_TYPE_VARCHAR) {
        void *v = tc->values;
        BUZZ_TRY(grow(&v, &tc->values_cap, rows * value_size(tc->type) + 16, err));
        tc->values = v;
    }
    tc->offsets[0] = 0;
    return BUZZ_OK;
}

/* Rows [r0, r1) of one column. Text offsets continue from offsets[r0]. */
static buzz_status fill_rows(buzz_typed_column *tc, const buzz_column_def *d, size_t col,
                             const buzz_csv_batch *in, size_t r0, size_t r1,
                             const buzz_null_tokens *nulls, buzz_reject_fn on_reject, void *user,
                             int64_t *rejects, buzz_error *err)
{
    size_t vs = value_size(tc->type);
    const buzz_csv_cell *cells = col < in->column_count ? in->cells + col * in->row_stride : NULL;
    uint64_t chars = tc->offsets[r0];
    for (size_t r = r0; r < r1; r++) {
        buzz_csv_cell cell = cells ? cells[r] : (buzz_csv_cell){0, BUZZ_CSV_CELL_MISSING};
        buzz_value v;
        buzz_parse_result pr;
        if (cell.len_flags & BUZZ_CSV_CELL_MISSING) {
            v.is_null = true;
            v.text = NULL;
            v.text_len = 0;
            pr = BUZZ_PARSE_OK;
        } else {
            pr = buzz_value_parse(d, nulls, in->data + cell.offset,
                                  cell.len_flags & BUZZ_CSV_CELL_LEN_MASK,
                                  (cell.len_flags & BUZZ_CSV_CELL_QUOTED) != 0, &v);
        }
        if (pr != BUZZ_PARSE_OK) {
            (*rejects)++;
            if (on_reject) {
                char why[160];
                buzz_reject rj = {
                    .line = in->row_lines ? in->row_lines[r] : 0,
                    .row = in->first_row + (int64_t)r,
                    .column = col,
                    .column_name = d->name,
                    .value = v.text,
                    .value_len = v.text_len,
                    .reason = buzz_parse_reason(d, pr, why, sizeof why),
                };
                on_reject(user, &rj);
            }
        }
        tc->is_valid[r] = !v.is_null;
        tc->null_count += v.is_null;
        uint8_t *dst = tc->type == BUZZ_TYPE_VARCHAR ? NULL : (uint8_t *)tc->values + r * vs;
        switch (tc->type) {
        case BUZZ_TYPE_VARCHAR: {
            size_t n = v.is_null ? 0 : v.text_len;
            if (chars + n > UINT32_MAX)
                return buzz_error_set(err, BUZZ_ERR_LIMIT,
                                      "text column \"%.60s\" holds over 4 GiB in one batch",
                                      d->name);
            if (n) {
                void *c = tc->chars;
                BUZZ_TRY(grow(&c, &tc->chars_cap, (size_t)chars + n, err));
                tc->chars = c;
                memcpy(tc->chars + chars, v.text, n);
            }
            chars += n;
            tc->offsets[r + 1] = (uint32_t)chars;
            break;
        }
        case BUZZ_TYPE_BOOLEAN:
            *dst = v.is_null ? 0 : (uint8_t)v.v.b;
            break;
        case BUZZ_TYPE_INT32: {
            int32_t x = v.is_null ? 0 : v.v.i32;
            memcpy(dst, &x, 4);
            break;
        }
        case BUZZ_TYPE_DATE: {
            int32_t x = v.is_null ? 0 : v.v.days;
            memcpy(dst, &x, 4);
            break;
        }
        case BUZZ_TYPE_DECIMAL: {
            buzz_i128 x = v.is_null ? 0 : v.v.dec;
            memcpy(dst, &x, sizeof x);
            break;
        }
        case BUZZ_TYPE_DOUBLE: {
            double x = v.is_null ? 0.0 : v.v.f64;
            memcpy(dst, &x, 8);
            break;
        }
        default: {
            int64_t x = v.is_null ? 0 : v.v.i64;
            memcpy(dst, &x, 8);
            break;
        }
        }
    }
    return BUZZ_OK;
}

/* Rows are filled in blocks of this many, every column of a block before the next block, so the
 * block's cell bytes (about 256 KiB for rows of ~250 bytes) stay in the core's cache while each
 * column reads its values; column after column over the whole batch would miss the cache on
 * nearly every value once the batch outgrows L2. */
#define FILL_BLOCK_ROWS 1024

buzz_status buzz_typed_batch_fill(buzz_typed_batch *tb, const buzz_csv_batch *in,
                                  const buzz_schema *schema, buzz_reject_fn on_reject, void *user,
                                  buzz_error *err)
{
    if (tb->column_count != schema->column_count) {
        buzz_typed_batch_free(tb);
        if (schema->column_count) {
            tb->columns = buzz_calloc(schema->column_count, sizeof *tb->columns);
            if (!tb->columns)
                return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for a typed batch");
        }
        tb->column_count = schema->column_count;
    }
    buzz_null_tokens defaults;
    const buzz_null_tokens *nulls = &schema->nulls;
    if (!schema->has_nulls) {
        buzz_null_tokens_default(&defaults);
        nulls = &defaults;
    }
    tb->row_count = in->row_count;
    tb->first_row = in->first_row;
    tb->reject_count = 0;
    size_t rows = in->row_count;
    for (size_t c = 0; c < schema->column_count; c++)
        if (schema->columns[c].include)
            BUZZ_TRY(prepare_column(&tb->columns[c], &schema->columns[c], rows, err));
    for (size_t r0 = 0; r0 < rows; r0 += FILL_BLOCK_ROWS) {
        size_t r1 = rows - r0 < FILL_BLOCK_ROWS ? rows : r0 + FILL_BLOCK_ROWS;
        for (size_t c = 0; c < schema->column_count; c++) {
            if (!schema->columns[c].include)
                continue;
            BUZZ_TRY(fill_rows(&tb->columns[c], &schema->columns[c], c, in, r0, r1, nulls,
                               on_reject, user, &tb->reject_count, err));
        }
    }
    return BUZZ_OK;
}
