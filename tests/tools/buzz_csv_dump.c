/* tests/tools/buzz_csv_dump.c: the Buzz side of the corpus agreement test (tests/e2e/corpus.sh).
 * Reads one CSV file through the public reader API (buzz/csv.h) with all options detected and
 * writes the same normalized dump as tests/tools/duckdb_csv_dump.c, so that agreement with DuckDB
 * is a byte comparison:
 *     columns N / rows M / N name lines / M row lines, cells separated by TAB;
 *     backslash, TAB, LF and CR inside a name or cell written as \\, \t, \n and \r.
 * A missing cell (the row had too few fields) is written as the empty string, as DuckDB's NULL is.
 * Fields beyond the column count (buzz_csv_batch.extras) are not dumped: DuckDB rejects such rows.
 *
 * Column names follow DuckDB's naming rules for comparison only (this is not Buzz's behaviour):
 * Unicode space separators (category Zs) are trimmed from both ends; a name that is then empty,
 * including every name of a file without a header, becomes "column" + its 0-based index
 * zero-padded to the width of the largest index ("column0".."column9"; "column00".."column11" for
 * 12 columns); a name equal, ignoring ASCII case, to an earlier one gets "_K" appended, K counting
 * the collisions on that name, until it is unique ("a,a,A" gives a, a_1, A_2).
 *
 * Buzz drops the empty trailing columns that every row carries (Excel's ",,,," and the trailing "|"
 * of .tbl files: buzz_csv_dialect.trailing_empty_columns) where DuckDB keeps them as all-NULL
 * columns when the header names them (or there is no header); for comparison the dump shows
 * those again, as empty columns named like DuckDB's.
 *
 * Usage: buzz_csv_dump [--threads N] [--simd NAME] [--chunk BYTES] [--guess-all] FILE. The options
 * go to buzz_csv_options, so the same tool checks that every thread count, kernel and chunk size
 * gives the same dump; --guess-all keeps the reader's guessed cuts on however often they are wrong
 * (reader.c; no fall back to the boundary tracker). Exit 0 with the dump
 * on stdout; 1 when Buzz reports an error (buzz_error_format text on stderr) or stdout cannot be
 * written; 2 on a usage error. */
#include <stdio.h>
#include <string.h>

#include "buzz/csv.h"
#include "buzz/util.h"
#include "csv/csv_internal.h"
#include "dump_format.h"

#include <stdint.h>

static bool guess_all; /* --guess-all */

/* One column name being made unique: the final name and how often a later name collided with it. */
typedef struct name_slot {
    char *name; /* owned (buzz_malloc); NULL = empty slot */
    size_t len;
    size_t collisions;
} name_slot;

/* Open-addressing set of final names, compared ignoring ASCII case (DuckDB's
 * case_insensitive_map_t), so that wide tables stay linear. */
typedef struct name_set {
    name_slot *slots; /* owned; cap entries */
    size_t cap;       /* power of two, more than twice the column count */
} name_set;

static int dump_usage(void)
{
    fprintf(stderr, "usage: buzz_csv_dump [--threads N] [--simd scalar|avx2|avx512] "
                    "[--chunk BYTES] [--guess-all] FILE\n");
    return 2;
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static size_t name_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a over the lowercased bytes */
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)ascii_lower(s[i]);
        h *= 1099511628211u;
    }
    return (size_t)h;
}

static bool name_equal(const char *a, size_t a_len, const char *b, size_t b_len)
{
    if (a_len != b_len)
        return false;
    for (size_t i = 0; i < a_len; i++) {
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    }
    return true;
}

/* The slot holding a name equal to s (ignoring case), or the empty slot where it would go. */
static name_slot *name_set_find(name_set *set, const char *s, size_t len)
{
    size_t i = name_hash(s, len) & (set->cap - 1);
    while (set->slots[i].name != NULL && !name_equal(set->slots[i].name, set->slots[i].len, s, len))
        i = (i + 1) & (set->cap - 1);
    return &set->slots[i];
}

/* Length of a Unicode Zs character (space separator) starting at s, or 0. */
static size_t zs_prefix_len(const unsigned char *s, size_t len)
{
    if (len >= 1 && s[0] == 0x20)
        return 1;
    if (len >= 2 && s[0] == 0xC2 && s[1] == 0xA0) /* U+00A0 */
        return 2;
    if (len < 3)
        return 0;
    if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80) /* U+1680 */
        return 3;
    if (s[0] == 0xE2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xAF))
        return 3; /* U+2000..U+200A, U+202F */
    if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) /* U+205F */
        return 3;
    if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
        return 3;
    return 0;
}

/* Length of a Zs character ending at s[len - 1], or 0. */
static size_t zs_suffix_len(const unsigned char *s, size_t len)
{
    for (size_t n = 1; n <= 3 && n <= len; n++) {
        if (zs_prefix_len(s + len - n, n) == n)
            return n;
    }
    return 0;
}

/* Make the final DuckDB-style name of column col (of count) from Buzz's name; stored in set. */
static buzz_status make_name(name_set *set, buzz_str raw, size_t col, size_t count,
                             name_slot **out_slot, buzz_error *err)
{
    const unsigned char *p = (const unsigned char *)raw.ptr;
    size_t len = raw.len;
    for (size_t n = zs_prefix_len(p, len); n > 0; n = zs_prefix_len(p, len)) {
        p += n;
        len -= n;
    }
    for (size_t n = zs_suffix_len(p, len); n > 0; n = zs_suffix_len(p, len))
        len -= n;

    buzz_buf name;
    buzz_buf_init(&name, 0);
    buzz_status st;
    if (len > 0) {
        st = buzz_buf_append(&name, p, len, err);
    } else {
        int width = snprintf(NULL, 0, "%zu", count - 1);
        st = buzz_buf_printf(&name, err, "column%0*zu", width, col);
    }
    name_slot *slot = NULL;
    while (st == BUZZ_OK) {
        slot = name_set_find(set, (const char *)name.data, name.len);
        if (slot->name == NULL)
            break;
        slot->collisions++;
        st = buzz_buf_printf(&name, err, "_%zu", slot->collisions);
    }
    if (st == BUZZ_OK)
        st = buzz_buf_append_byte(&name, 0, err); /* a NUL, so data can be moved into the slot */
    if (st != BUZZ_OK) {
        buzz_buf_free(&name);
        return st;
    }
    slot->name = (char *)name.data; /* takes ownership of the buffer */
    slot->len = name.len - 1;
    slot->collisions = 0;
    *out_slot = slot;
    return BUZZ_OK;
}

/* Append s with the dump's escapes. */
static buzz_status put_escaped(buzz_buf *out, const char *s, size_t len, buzz_error *err)
{
    size_t run = 0; /* start of the bytes not yet appended */
    for (size_t i = 0; i < len; i++) {
        const char *esc = dump_escape(s[i]);
        if (!esc)
            continue;
        BUZZ_TRY(buzz_buf_append(out, s + run, i - run, err));
        BUZZ_TRY(buzz_buf_append(out, esc, 2, err));
        run = i + 1;
    }
    return buzz_buf_append(out, s + run, len - run, err);
}

/* Append the rows of one batch to out and count them. */
static buzz_status put_batch(buzz_buf *out, const buzz_csv_batch *b, size_t column_count,
                             size_t trailing, int64_t *row_count, buzz_error *err)
{
    if (b->column_count != column_count) {
        return buzz_error_set(err, BUZZ_ERR_INTERNAL,
                              "batch at row %lld has %zu columns, the reader announced %zu",
                              (long long)b->first_row, b->column_count, column_count);
    }
    for (size_t r = 0; r < b->row_count; r++) {
        for (size_t c = 0; c < column_count; c++) {
            buzz_csv_cell cell = buzz_csv_batch_cell(b, r, c);
            if (c > 0)
                BUZZ_TRY(buzz_buf_append_byte(out, '\t', err));
            if (buzz_csv_cell_is_missing(cell))
                continue;
            BUZZ_TRY(put_escaped(out, b->data + cell.offset, buzz_csv_cell_len(cell), err));
        }
        for (size_t k = 0; k < trailing; k++)
            BUZZ_TRY(buzz_buf_append_byte(out, '\t', err));
        BUZZ_TRY(buzz_buf_append_byte(out, '\n', err));
    }
    *row_count += (int64_t)b->row_count;
    return BUZZ_OK;
}

/* Read the whole file and build the dump in out. */
static buzz_status dump_file(const char *path, const buzz_csv_options *opts, buzz_buf *out,
                             buzz_error *err)
{
    buzz_csv_reader *rd = NULL;
    name_set set = {0};
    buzz_buf header, rows;
    buzz_buf_init(&header, 0);
    buzz_buf_init(&rows, 0);
    int64_t row_count = 0;

    buzz_status st = buzz_csv_reader_open(&rd, path, opts, err);
    if (st)
        goto done;
    if (guess_all)
        buzz__csv_reader_set_spec_limit(rd, SIZE_MAX);
    const buzz_str *names;
    size_t column_count;
    buzz_csv_reader_columns(rd, &names, &column_count);
    /* DuckDB keeps the trailing empty columns that the header names (or all of them without a
     * header), and reads only the header's columns otherwise. */
    const buzz_csv_dialect *dia = buzz_csv_reader_dialect(rd);
    size_t trailing = dia->has_header ? dia->header_trailing_empty : dia->trailing_empty_columns;
    size_t shown = column_count + trailing;

    set.cap = 16;
    while (set.cap <= 2 * shown)
        set.cap *= 2;
    set.slots = buzz_calloc(set.cap, sizeof *set.slots);
    if (set.slots == NULL) {
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for %zu column names",
                            column_count);
        goto done;
    }
    for (size_t c = 0; c < shown && st == BUZZ_OK; c++) {
        name_slot *slot;
        buzz_str none = {"", 0};
        st = make_name(&set, c < column_count ? names[c] : none, c, shown, &slot, err);
        if (st == BUZZ_OK)
            st = put_escaped(&header, slot->name, slot->len, err);
        if (st == BUZZ_OK)
            st = buzz_buf_append_byte(&header, '\n', err);
    }

    for (;;) {
        const buzz_csv_batch *batch;
        if (st)
            break;
        st = buzz_csv_reader_next(rd, &batch, err);
        if (st || batch == NULL)
            break;
        st = put_batch(&rows, batch, column_count, trailing, &row_count, err);
    }
    if (st == BUZZ_OK) {
        st = buzz_buf_printf(out, err, "columns %zu\nrows %lld\n", shown,
                             (long long)row_count);
    }
    if (st == BUZZ_OK)
        st = buzz_buf_append(out, header.data, header.len, err);
    if (st == BUZZ_OK)
        st = buzz_buf_append(out, rows.data, rows.len, err);

done:
    if (set.slots != NULL) {
        for (size_t i = 0; i < set.cap; i++)
            buzz_free(set.slots[i].name);
        buzz_free(set.slots);
    }
    buzz_buf_free(&header);
    buzz_buf_free(&rows);
    buzz_csv_reader_close(rd);
    return st;
}

/* Decimal count (threads, chunk bytes) without atoi (STYLE.md 14): digits only, no overflow. */
static bool parse_count(const char *s, unsigned *out)
{
    unsigned v = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > 100000u)
            return false;
        v = v * 10u + (unsigned)(*s - '0');
    }
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    buzz_csv_options opts;
    memset(&opts, 0, sizeof opts);
    const char *path = NULL;
    buzz_error err;
    memset(&err, 0, sizeof err);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            if (!parse_count(argv[++i], &opts.threads)) {
                fprintf(stderr, "buzz_csv_dump: --threads expects a number, got \"%s\"\n",
                        argv[i]);
                return dump_usage();
            }
        } else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc) {
            unsigned bytes;
            if (!parse_count(argv[++i], &bytes) || bytes < 64) {
                fprintf(stderr, "buzz_csv_dump: --chunk expects 64 to 1000000 bytes, got \"%s\"\n",
                        argv[i]);
                return dump_usage();
            }
            opts.chunk_bytes = bytes;
        } else if (strcmp(argv[i], "--guess-all") == 0) {
            guess_all = true;
        } else if (strcmp(argv[i], "--simd") == 0 && i + 1 < argc) {
            if (buzz_simd_parse(argv[++i], &opts.simd, &err) != BUZZ_OK) {
                fprintf(stderr, "buzz_csv_dump: %s\n", err.message);
                return dump_usage();
            }
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return dump_usage();
        } else if (path == NULL && argv[i][0] != '\0') {
            path = argv[i];
        } else {
            return dump_usage();
        }
    }
    if (path == NULL)
        return dump_usage();

    buzz_buf out;
    buzz_buf_init(&out, 0);
    buzz_status st = dump_file(path, &opts, &out, &err);
    if (st != BUZZ_OK) {
        char msg[1024];
        fprintf(stderr, "buzz_csv_dump: %s: %s\n", buzz_status_name(st),
                buzz_error_format(&err, msg, sizeof msg));
        buzz_buf_free(&out);
        return 1;
    }
    bool ok = fwrite(out.data, 1, out.len, stdout) == out.len;
    ok = fflush(stdout) == 0 && ok;
    buzz_buf_free(&out);
    if (!ok) {
        fprintf(stderr, "buzz_csv_dump: cannot write the dump to stdout\n");
        return 1;
    }
    return 0;
}
