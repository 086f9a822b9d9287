/* The Parquet writer: typed batches in, a Parquet file out.
 *
 * Per included column a col_writer stages one page of values (validity bytes and the non-null
 * values in their physical form), then encodes it: definition levels (RLE, OPTIONAL columns only)
 * and values as RLE_DICTIONARY indices while the column's dictionary pays off, else PLAIN;
 * compresses the page body and appends header + body to the column's chunk buffer. When the row
 * group is full, each column writes its dictionary page (if any) and its data pages, in column
 * order. The footer carries the schema, the row groups' column chunk metadata with statistics,
 * the page index (a ColumnIndex and an OffsetIndex per chunk, written between the last row group
 * and the footer), column orders and the "buzz.schema" key-value metadata.
 *
 * Statistics follow the spec's orders: signed for integers, decimals, dates, times, timestamps;
 * IEEE for doubles with NaN left out (min -0.0 / max +0.0 for zeros); false < true; unsigned bytes
 * for strings. String min/max in statistics and the column index are cut to 64 bytes: the min as a
 * prefix (a lower bound), the max as a prefix whose last ASCII byte is incremented (an upper
 * bound), with is_*_value_exact false. */
#include "buzz/parquet.h"

#include <stdio.h>
#include <string.h>

#include "parquet_internal.h"

/* Pages hold a multiple of PAGE_ROW_ALIGN rows (except a row group's last page): DuckDB reads in
 * vectors of 2,048 rows, and a vector that spans two pages loses dictionary-level filtering and
 * grouping (measured in bench/parquet_query: ILIKE 2.9x slower with unaligned pages). */
#define PAGE_ROW_ALIGN 2048
#define PAGE_ROWS_MAX (10 * PAGE_ROW_ALIGN)
#define STAT_BYTES 64
#define DICT_MAX_BYTES (1u << 20)

/* ---------------------------------------------------------------------------------------------
 * Statistics. */
typedef struct stats {
    bool has; /* some non-null value seen (NaN-only double pages: has stays false) */
    bool has_nan; /* a NaN was seen: min/max are left out (readers such as DuckDB 1.4 order NaN
                     above every number and would trust bounds that exclude it) */
    int64_t null_count;
    int64_t imin, imax; /* integers, dates, times, timestamps, decimals up to 18 digits, bools */
    double dmin, dmax;
    buzz_i128 qmin, qmax; /* 38-digit decimals */
    buzz_buf smin, smax;  /* strings: full values (cut when written) */
} stats;

typedef struct page_meta {
    int64_t offset;    /* in the chunk's data-page buffer, then absolute once written */
    int32_t size;      /* header + compressed body */
    int64_t first_row; /* within the row group */
    int64_t null_count;
    bool is_all_null;
    bool has_bounds; /* min/max below are valid bounds of the page's values */
    uint8_t min[STAT_BYTES + 1], max[STAT_BYTES + 1];
    uint8_t min_len, max_len;
} page_meta;

/* What the footer needs of one column chunk. */
typedef struct chunk_meta {
    int64_t dict_offset; /* -1 = no dictionary page */
    int64_t data_offset;
    int64_t compressed_bytes;
    int64_t uncompressed_bytes;
    int64_t num_values;
    bool used_plain, used_dict, used_delta;
    bool has_stats;
    int64_t null_count;
    uint8_t min[STAT_BYTES + 1], max[STAT_BYTES + 1];
    uint8_t min_len, max_len;
    bool min_exact, max_exact;
    page_meta *pages;
    size_t page_count;
    int64_t column_index_offset, offset_index_offset;
    int32_t column_index_len, offset_index_len;
} chunk_meta;

typedef struct col_writer {
    const buzz_column_def *def;
    size_t schema_col; /* index into schema->columns and the typed batch */
    int phys;          /* BUZZ__PQ_* physical type */
    size_t width;      /* staged value width in bytes; 0 = byte array */
    bool is_required;
    /* The page being staged. */
    buzz_buf levels;  /* one byte per row: 1 = value */
    buzz_buf values;  /* non-null values (fixed width) or string bytes */
    buzz_buf offsets; /* strings: uint32 start of each staged value, plus the end */
    size_t page_rows, page_values;
    int64_t page_first_row;
    stats page_stats, chunk_stats;
    /* Dictionary state for the current chunk. */
    buzz__dict *dict;
    bool dict_active; /* pages of this chunk still use the dictionary */
    buzz_buf indices; /* uint32 per staged value */
    /* Encoded pages of the current chunk. */
    buzz_buf chunk;
    buzz_buf scratch, body; /* page assembly */
    buzz_buf wide;          /* int64 copies of INT32 values for DELTA_BINARY_PACKED */
    chunk_meta cur;
    size_t pages_cap;
} col_writer;

struct buzz_parquet_writer {
    const buzz_schema *schema;
    buzz_parquet_options opts;
    int codec;
    buzz_atomic_file file;
    int64_t pos; /* bytes written so far */
    col_writer *cols;
    size_t ncols;
    int64_t rg_rows; /* rows in the current row group */
    int64_t total_rows;
    chunk_meta *chunks; /* row_group_count * ncols, row-group major */
    size_t rg_count, rg_cap;
    int64_t *rg_num_rows, *rg_file_offset, *rg_total_uncompressed, *rg_total_compressed;
    buzz_buf meta;       /* footer and index assembly */
    char *metadata_json; /* owned copy (set_metadata) */
};

const char *buzz_parquet_codec_name(buzz_parquet_codec c)
{
    static const char *const names[] = {"snappy", "none", "gzip", "zstd", "lz4"};
    return (unsigned)c < BUZZ_ARRAY_LEN(names) ? names[c] : "?";
}

buzz_status buzz_parquet_codec_parse(const char *name, buzz_parquet_codec *out, buzz_error *err)
{
    static const struct {
        const char *n;
        buzz_parquet_codec c;
    } map[] = {{"snappy", BUZZ_PARQUET_SNAPPY},
               {"none", BUZZ_PARQUET_UNCOMPRESSED},
               {"uncompressed", BUZZ_PARQUET_UNCOMPRESSED},
               {"gzip", BUZZ_PARQUET_GZIP},
               {"zstd", BUZZ_PARQUET_ZSTD},
               {"lz4", BUZZ_PARQUET_LZ4_RAW},
               {"lz4_raw", BUZZ_PARQUET_LZ4_RAW}};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(map); i++)
        if (strcmp(name, map[i].n) == 0) {
            *out = map[i].c;
            return BUZZ_OK;
        }
    return buzz_error_set(err, BUZZ_ERR_ARG,
                          "unknown compression '%.40s' (expected snappy, zstd, lz4, gzip or none)",
                          name);
}

static int codec_id(buzz_parquet_codec c)
{
    switch (c) {
    case BUZZ_PARQUET_UNCOMPRESSED:
        return BUZZ__PQ_CODEC_UNCOMPRESSED;
    case BUZZ_PARQUET_GZIP:
        return BUZZ__PQ_CODEC_GZIP;
    case BUZZ_PARQUET_ZSTD:
        return BUZZ__PQ_CODEC_ZSTD;
    case BUZZ_PARQUET_LZ4_RAW:
        return BUZZ__PQ_CODEC_LZ4_RAW;
    default:
        return BUZZ__PQ_CODEC_SNAPPY;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Physical layout of each Buzz type. */
static void physical_of(const buzz_column_def *d, int *phys, size_t *width)
{
    switch (d->type) {
    case BUZZ_TYPE_BOOLEAN:
        *phys = BUZZ__PQ_BOOLEAN;
        *width = 1;
        return;
    case BUZZ_TYPE_INT32:
    case BUZZ_TYPE_DATE:
        *phys = BUZZ__PQ_INT32;
        *width = 4;
        return;
    case BUZZ_TYPE_DECIMAL:
        if (d->precision <= 9) {
            *phys = BUZZ__PQ_INT32;
            *width = 4;
        } else if (d->precision <= 18) {
            *phys = BUZZ__PQ_INT64;
            *width = 8;
        } else {
            *phys = BUZZ__PQ_FIXED_LEN_BYTE_ARRAY;
            *width = 16;
        }
        return;
    case BUZZ_TYPE_DOUBLE:
        *phys = BUZZ__PQ_DOUBLE;
        *width = 8;
        return;
    case BUZZ_TYPE_INT64:
    case BUZZ_TYPE_TIME:
    case BUZZ_TYPE_TIMESTAMP:
    case BUZZ_TYPE_TIMESTAMP_TZ:
        *phys = BUZZ__PQ_INT64;
        *width = 8;
        return;
    default:
        *phys = BUZZ__PQ_BYTE_ARRAY;
        *width = 0;
        return;
    }
}

static bool column_is_required(const buzz_schema *s, const buzz_column_def *d)
{
    /* Only facts from inference can prove there are no NULLs (a user type may reject values). */
    if (d->is_user_type || s->row_count < 0 || d->type == BUZZ_TYPE_NULL)
        return false;
    if (d->value_count + d->null_count + d->empty_string_count != s->row_count)
        return false; /* no inference facts for this column */
    if (d->null_count != 0)
        return false;
    return d->type == BUZZ_TYPE_VARCHAR || d->empty_string_count == 0;
}

/* ---------------------------------------------------------------------------------------------
 * Statistics helpers. */
static void stats_reset(stats *s)
{
    s->has = false;
    s->has_nan = false;
    s->null_count = 0;
    buzz_buf_reset(&s->smin);
    buzz_buf_reset(&s->smax);
}

static void stats_free(stats *s)
{
    buzz_buf_free(&s->smin);
    buzz_buf_free(&s->smax);
}

static int str_cmp(const void *a, size_t al, const void *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return al < bl ? -1 : al > bl ? 1 : 0;
}

static buzz_status stats_add_string(stats *s, const char *p, size_t n, buzz_error *err)
{
    if (!s->has) {
        s->has = true;
        buzz_buf_reset(&s->smin);
        buzz_buf_reset(&s->smax);
        BUZZ_TRY(buzz_buf_append(&s->smin, p, n, err));
        return buzz_buf_append(&s->smax, p, n, err);
    }
    if (str_cmp(p, n, s->smin.data, s->smin.len) < 0) {
        buzz_buf_reset(&s->smin);
        BUZZ_TRY(buzz_buf_append(&s->smin, p, n, err));
    }
    if (str_cmp(p, n, s->smax.data, s->smax.len) > 0) {
        buzz_buf_reset(&s->smax);
        BUZZ_TRY(buzz_buf_append(&s->smax, p, n, err));
    }
    return BUZZ_OK;
}

static void stats_add_int(stats *s, int64_t v)
{
    if (!s->has) {
        s->has = true;
        s->imin = s->imax = v;
        return;
    }
    if (v < s->imin)
        s->imin = v;
    if (v > s->imax)
        s->imax = v;
}

static void stats_add_double(stats *s, double v)
{
    if (v != v) {
        s->has_nan = true; /* NaN: no min/max for this page or chunk */
        return;
    }
    if (!s->has) {
        s->has = true;
        s->dmin = s->dmax = v;
        return;
    }
    if (v < s->dmin)
        s->dmin = v;
    if (v > s->dmax)
        s->dmax = v;
}

static void stats_add_i128(stats *s, buzz_i128 v)
{
    if (!s->has) {
        s->has = true;
        s->qmin = s->qmax = v;
        return;
    }
    if (v < s->qmin)
        s->qmin = v;
    if (v > s->qmax)
        s->qmax = v;
}

/* Fold string page stats into the chunk's. */
static buzz_status stats_merge_strings(stats *into, const stats *from, buzz_error *err)
{
    into->null_count += from->null_count;
    if (!from->has)
        return BUZZ_OK;
    int64_t keep = into->null_count;
    BUZZ_TRY(stats_add_string(into, (const char *)from->smin.data, from->smin.len, err));
    BUZZ_TRY(stats_add_string(into, (const char *)from->smax.data, from->smax.len, err));
    into->null_count = keep;
    return BUZZ_OK;
}

static void put_le(uint8_t *out, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

static void put_be128(uint8_t *out, buzz_i128 v)
{
    __extension__ unsigned __int128 u = (unsigned __int128)v;
    for (int i = 15; i >= 0; i--) {
        out[i] = (uint8_t)u;
        u >>= 8;
    }
}

/* Cut a string max to at most STAT_BYTES: a prefix ending in an ASCII byte below 0x7F, which is
 * then incremented. Returns false when no such cut exists (the value is kept whole if it fits). */
static bool cut_max(const uint8_t *p, size_t n, uint8_t *out, uint8_t *out_len)
{
    for (size_t k = STAT_BYTES; k > 0; k--) {
        if (p[k - 1] < 0x7F) {
            memcpy(out, p, k);
            out[k - 1]++;
            *out_len = (uint8_t)k;
            return true;
        }
    }
    (void)n;
    return false;
}

/* Min/max bytes of stats for a column: plain encoding of the values (big-endian for FLBA
 * decimals). Returns has = false when there is no min/max to write. */
static void stats_bytes(const col_writer *c, const stats *s, uint8_t *min, uint8_t *min_len,
                        uint8_t *max, uint8_t *max_len, bool *min_exact, bool *max_exact, bool *has)
{
    *min_exact = *max_exact = true;
    *has = s->has;
    if (!s->has)
        return;
    switch (c->phys) {
    case BUZZ__PQ_BOOLEAN:
        min[0] = (uint8_t)s->imin;
        max[0] = (uint8_t)s->imax;
        *min_len = *max_len = 1;
        return;
    case BUZZ__PQ_INT32:
        put_le(min, (uint64_t)(uint32_t)(int32_t)s->imin, 4);
        put_le(max, (uint64_t)(uint32_t)(int32_t)s->imax, 4);
        *min_len = *max_len = 4;
        return;
    case BUZZ__PQ_INT64:
        put_le(min, (uint64_t)s->imin, 8);
        put_le(max, (uint64_t)s->imax, 8);
        *min_len = *max_len = 8;
        return;
    case BUZZ__PQ_DOUBLE: {
        if (s->has_nan) {
            *has = false;
            return;
        }
        double lo = s->dmin, hi = s->dmax;
        if (lo == 0.0)
            lo = -0.0;
        if (hi == 0.0)
            hi = 0.0;
        uint64_t a, b;
        memcpy(&a, &lo, 8);
        memcpy(&b, &hi, 8);
        put_le(min, a, 8);
        put_le(max, b, 8);
        *min_len = *max_len = 8;
        return;
    }
    case BUZZ__PQ_FIXED_LEN_BYTE_ARRAY:
        put_be128(min, s->qmin);
        put_be128(max, s->qmax);
        *min_len = *max_len = 16;
        return;
    default: {
        size_t n = s->smin.len;
        if (n > STAT_BYTES) {
            size_t k = STAT_BYTES;
            while (k > 0 && (s->smin.data[k] & 0xC0) == 0x80)
                k--; /* cut at a character boundary */
            n = k;
            *min_exact = false;
        }
        if (n)
            memcpy(min, s->smin.data, n);
        *min_len = (uint8_t)n;
        if (s->smax.len <= STAT_BYTES) {
            if (s->smax.len)
                memcpy(max, s->smax.data, s->smax.len);
            *max_len = (uint8_t)s->smax.len;
        } else if (cut_max(s->smax.data, s->smax.len, max, max_len)) {
            *max_exact = false;
        } else {
            *has = false; /* no short upper bound: leave min/max out */
        }
        return;
    }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Staging values. */
static buzz_status stage_batch(col_writer *c, const buzz_typed_column *tc, size_t from, size_t n,
                               buzz_error *err)
{
    BUZZ_TRY(buzz_buf_append(&c->levels, tc->is_valid + from, n, err));
    for (size_t r = from; r < from + n; r++) {
        if (!tc->is_valid[r]) {
            if (BUZZ_NEVER(c->is_required))
                return buzz_error_set(err, BUZZ_ERR_INTERNAL,
                                      "a NULL reached the REQUIRED column \"%.60s\"", c->def->name);
            c->page_stats.null_count++;
            continue;
        }
        c->page_values++;
        switch (c->def->type) {
        case BUZZ_TYPE_BOOLEAN: {
            uint8_t v = ((const uint8_t *)tc->values)[r];
            BUZZ_TRY(buzz_buf_append_byte(&c->values, v, err));
            stats_add_int(&c->page_stats, v);
            break;
        }
        case BUZZ_TYPE_INT32:
        case BUZZ_TYPE_DATE: {
            int32_t v;
            memcpy(&v, (const char *)tc->values + r * 4, 4);
            uint8_t b[4];
            put_le(b, (uint32_t)v, 4);
            BUZZ_TRY(buzz_buf_append(&c->values, b, 4, err));
            stats_add_int(&c->page_stats, v);
            break;
        }
        case BUZZ_TYPE_DECIMAL: {
            buzz_i128 q;
            memcpy(&q, (const char *)tc->values + r * sizeof q, sizeof q);
            uint8_t b[16];
            if (c->width == 16) {
                put_be128(b, q);
                stats_add_i128(&c->page_stats, q);
            } else {
                put_le(b, (uint64_t)(int64_t)q, c->width);
                stats_add_int(&c->page_stats, (int64_t)q);
            }
            BUZZ_TRY(buzz_buf_append(&c->values, b, c->width, err));
            break;
        }
        case BUZZ_TYPE_DOUBLE: {
            double v;
            memcpy(&v, (const char *)tc->values + r * 8, 8);
            uint64_t bits;
            memcpy(&bits, &v, 8);
            uint8_t b[8];
            put_le(b, bits, 8);
            BUZZ_TRY(buzz_buf_append(&c->values, b, 8, err));
            stats_add_double(&c->page_stats, v);
            break;
        }
        case BUZZ_TYPE_INT64:
        case BUZZ_TYPE_TIME:
        case BUZZ_TYPE_TIMESTAMP:
        case BUZZ_TYPE_TIMESTAMP_TZ: {
            int64_t v;
            memcpy(&v, (const char *)tc->values + r * 8, 8);
            uint8_t b[8];
            put_le(b, (uint64_t)v, 8);
            BUZZ_TRY(buzz_buf_append(&c->values, b, 8, err));
            stats_add_int(&c->page_stats, v);
            break;
        }
        default: {
            size_t len = tc->offsets[r + 1] - tc->offsets[r];
            /* A batch whose strings are all empty may have no chars buffer at all (NULL, as
             * buzz_typed_batch_fill leaves it): NULL + 0 is undefined behaviour, so empty
             * values point at a static empty string instead. */
            const char *p = len ? tc->chars + tc->offsets[r] : "";
            uint32_t start = (uint32_t)c->values.len;
            BUZZ_TRY(buzz_buf_append(&c->offsets, &start, sizeof start, err));
            if (len)
                BUZZ_TRY(buzz_buf_append(&c->values, p, len, err));
            BUZZ_TRY(stats_add_string(&c->page_stats, p, len, err));
            break;
        }
        }
    }
    c->page_rows += n;
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Page encoding. */
static void write_statistics(buzz__tw *w, int16_t fid, int64_t null_count, bool has,
                             const uint8_t *min, size_t min_len, const uint8_t *max, size_t max_len,
                             bool min_exact, bool max_exact)
{
    buzz__tw_field_struct_begin(w, fid);
    buzz__tw_field_i64(w, 3, null_count);
    if (has) {
        buzz__tw_field_binary(w, 5, max, max_len);
        buzz__tw_field_binary(w, 6, min, min_len);
        buzz__tw_field_bool(w, 7, max_exact);
        buzz__tw_field_bool(w, 8, min_exact);
    }
    buzz__tw_struct_end(w);
}

static buzz_status grow_pages(col_writer *c, buzz_error *err)
{
    if (c->cur.page_count < c->pages_cap)
        return BUZZ_OK;
    size_t cap = c->pages_cap ? c->pages_cap * 2 : 8;
    page_meta *p = buzz_realloc(c->cur.pages, cap * sizeof *p);
    if (!p)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for the page index");
    c->cur.pages = p;
    c->pages_cap = cap;
    return BUZZ_OK;
}

/* Try the dictionary for the staged page: fills c->indices, or turns the dictionary off. */
static buzz_status try_dictionary(col_writer *c, buzz_error *err)
{
    if (!c->dict_active || c->page_values == 0)
        return BUZZ_OK;
    buzz_buf_reset(&c->indices);
    BUZZ_TRY(buzz_buf_reserve(&c->indices, c->page_values * sizeof(uint32_t), err));
    uint32_t *idx = (uint32_t *)(void *)c->indices.data;
    size_t added = 0;
    bool full = false;
    size_t before = buzz__dict_count(c->dict);
    if (c->width == 0) {
        uint32_t *offs = (uint32_t *)(void *)c->offsets.data;
        /* offsets holds the start of each staged value; the end of the last is values.len. */
        uint32_t end = (uint32_t)c->values.len;
        BUZZ_TRY(buzz_buf_append(&c->offsets, &end, sizeof end, err));
        offs = (uint32_t *)(void *)c->offsets.data;
        /* A page whose strings are all empty has staged no bytes, so values.data is still NULL,
         * and the dictionary forms chars + offset (NULL + 0 is undefined behaviour; UBSan
         * stops there). Hand it a valid empty buffer instead. */
        const char *chars = c->values.data ? (const char *)c->values.data : "";
        BUZZ_TRY(buzz__dict_add_strings(c->dict, chars, offs, NULL, c->page_values, idx, &added,
                                        &full, err));
        c->offsets.len -= sizeof end;
    } else {
        BUZZ_TRY(buzz__dict_add_fixed(c->dict, c->values.data, NULL, c->page_values, idx, &added,
                                      &full, err));
    }
    size_t distinct_new = buzz__dict_count(c->dict) - before;
    /* The first page decides whether the dictionary pays: mostly distinct values do not. */
    bool poor = c->cur.page_count == 0 && !c->cur.used_dict && c->page_values >= 1000 &&
                distinct_new * 10 > c->page_values * 6;
    if (full || added != c->page_values || poor) {
        if (!c->cur.used_dict)
            buzz__dict_reset(c->dict); /* nothing refers to it yet */
        c->dict_active = false;
    }
    return BUZZ_OK;
}

static buzz_status flush_page(buzz_parquet_writer *w, col_writer *c, buzz_error *err)
{
    if (c->page_rows == 0)
        return BUZZ_OK;
    BUZZ_TRY(try_dictionary(c, err));
    bool use_dict = c->dict_active && c->page_values > 0;
    if (c->page_values == 0 && c->dict_active && c->cur.used_dict)
        use_dict = true; /* an all-NULL page inside a dictionary chunk: no values either way */
    buzz_buf *body = &c->body;
    buzz_buf_reset(body);
    /* Definition levels with their 4-byte length (data page v1). */
    if (!c->is_required) {
        size_t at = body->len;
        uint8_t zero4[4] = {0};
        BUZZ_TRY(buzz_buf_append(body, zero4, 4, err));
        BUZZ_TRY(buzz__rle_encode_bits(body, c->levels.data, c->page_rows, err));
        put_le(body->data + at, (uint32_t)(body->len - at - 4), 4);
    }
    int encoding;
    if (use_dict) {
        encoding = BUZZ__PQ_ENC_RLE_DICTIONARY;
        size_t count = buzz__dict_count(c->dict);
        int bw = buzz__bit_width(count > 0 ? (uint32_t)(count - 1) : 0);
        BUZZ_TRY(buzz_buf_append_byte(body, (uint8_t)bw, err));
        BUZZ_TRY(buzz__rle_encode_u32(body, (const uint32_t *)(void *)c->indices.data,
                                      c->page_values, bw, err));
        c->cur.used_dict = true;
    } else {
        encoding = BUZZ__PQ_ENC_PLAIN;
        if (c->phys == BUZZ__PQ_BOOLEAN) {
            BUZZ_TRY(buzz__plain_booleans(body, c->values.data, c->page_values, err));
        } else if (c->width == 0) {
            uint32_t end = (uint32_t)c->values.len;
            BUZZ_TRY(buzz_buf_append(&c->offsets, &end, sizeof end, err));
            BUZZ_TRY(buzz__plain_byte_array(body, (const char *)c->values.data,
                                            (const uint32_t *)(void *)c->offsets.data,
                                            c->page_values, err));
        } else if ((c->phys == BUZZ__PQ_INT32 || c->phys == BUZZ__PQ_INT64) &&
                   c->page_values >= 64 && c->page_stats.has &&
                   (c->phys == BUZZ__PQ_INT64 ||
                    (uint64_t)c->page_stats.imax - (uint64_t)c->page_stats.imin < (1ull << 31))) {
            /* DELTA_BINARY_PACKED when it is clearly smaller than PLAIN (sorted ids, narrow
             * ranges, timestamps). INT32 pages only when every delta fits in 32 bits (readers
             * reject wider miniblocks for INT32). */
            buzz_buf_reset(&c->wide);
            BUZZ_TRY(buzz_buf_reserve(&c->wide, c->page_values * 8, err));
            int64_t *v64 = (int64_t *)(void *)c->wide.data;
            for (size_t k = 0; k < c->page_values; k++) {
                const uint8_t *q = c->values.data + k * c->width;
                uint64_t u = 0;
                for (size_t b = 0; b < c->width; b++)
                    u |= (uint64_t)q[b] << (8 * b);
                v64[k] = c->width == 4 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
            }
            size_t at = body->len;
            BUZZ_TRY(buzz__delta_binary_packed(body, v64, c->page_values, err));
            if ((body->len - at) * 10 <= c->page_values * c->width * 7) {
                encoding = BUZZ__PQ_ENC_DELTA_BINARY_PACKED;
                c->cur.used_delta = true;
            } else {
                body->len = at;
                BUZZ_TRY(buzz__plain_fixed(body, c->values.data, c->page_values, c->width, err));
                c->cur.used_plain = true;
            }
        } else {
            BUZZ_TRY(buzz__plain_fixed(body, c->values.data, c->page_values, c->width, err));
        }
        if (encoding == BUZZ__PQ_ENC_PLAIN)
            c->cur.used_plain = true;
    }
    /* Compress. */
    buzz_buf *comp = &c->scratch;
    buzz_buf_reset(comp);
    BUZZ_TRY(buzz__compress(w->codec, w->opts.level, body->data, body->len, comp, err));
    if (body->len > INT32_MAX || comp->len > INT32_MAX)
        return buzz_error_set(err, BUZZ_ERR_LIMIT, "a page of column \"%.60s\" is over 2 GiB",
                              c->def->name);
    /* Page statistics. */
    uint8_t min[STAT_BYTES + 1], max[STAT_BYTES + 1], min_len = 0, max_len = 0;
    bool min_exact, max_exact, has;
    stats_bytes(c, &c->page_stats, min, &min_len, max, &max_len, &min_exact, &max_exact, &has);
    /* Header. */
    size_t header_at = c->chunk.len;
    buzz__tw tw;
    buzz__tw_init(&tw, &c->chunk, err);
    buzz__tw_struct_begin(&tw);
    buzz__tw_field_i32(&tw, 1, BUZZ__PQ_PAGE_DATA);
    buzz__tw_field_i32(&tw, 2, (int32_t)body->len);
    buzz__tw_field_i32(&tw, 3, (int32_t)comp->len);
    buzz__tw_field_struct_begin(&tw, 5);
    buzz__tw_field_i32(&tw, 1, (int32_t)c->page_rows);
    buzz__tw_field_i32(&tw, 2, encoding);
    buzz__tw_field_i32(&tw, 3, BUZZ__PQ_ENC_RLE);
    buzz__tw_field_i32(&tw, 4, BUZZ__PQ_ENC_RLE);
    write_statistics(&tw, 5, c->page_stats.null_count, has, min, min_len, max, max_len, min_exact,
                     max_exact);
    buzz__tw_struct_end(&tw);
    buzz__tw_struct_end(&tw);
    BUZZ_TRY(buzz__tw_status(&tw));
    size_t header_len = c->chunk.len - header_at;
    BUZZ_TRY(buzz_buf_append(&c->chunk, comp->data, comp->len, err));
    /* Page index entry. */
    BUZZ_TRY(grow_pages(c, err));
    page_meta *pm = &c->cur.pages[c->cur.page_count++];
    memset(pm, 0, sizeof *pm);
    pm->offset = (int64_t)header_at;
    pm->size = (int32_t)(header_len + comp->len);
    pm->first_row = c->page_first_row;
    pm->null_count = c->page_stats.null_count;
    pm->is_all_null = c->page_values == 0;
    pm->has_bounds = has;
    if (has) {
        memcpy(pm->min, min, min_len);
        memcpy(pm->max, max, max_len);
        pm->min_len = min_len;
        pm->max_len = max_len;
    }
    c->cur.uncompressed_bytes += (int64_t)(header_len + body->len);
    c->cur.compressed_bytes += (int64_t)(header_len + comp->len);
    c->cur.num_values += (int64_t)c->page_rows;
    /* Fold page stats into the chunk's. */
    if (c->width == 0 && c->phys == BUZZ__PQ_BYTE_ARRAY) {
        BUZZ_TRY(stats_merge_strings(&c->chunk_stats, &c->page_stats, err));
    } else {
        stats *cs = &c->chunk_stats, *ps = &c->page_stats;
        cs->null_count += ps->null_count;
        cs->has_nan |= ps->has_nan;
        if (ps->has) {
            if (!cs->has) {
                cs->has = true;
                cs->imin = ps->imin;
                cs->imax = ps->imax;
                cs->dmin = ps->dmin;
                cs->dmax = ps->dmax;
                cs->qmin = ps->qmin;
                cs->qmax = ps->qmax;
            } else {
                if (ps->imin < cs->imin)
                    cs->imin = ps->imin;
                if (ps->imax > cs->imax)
                    cs->imax = ps->imax;
                if (ps->dmin < cs->dmin)
                    cs->dmin = ps->dmin;
                if (ps->dmax > cs->dmax)
                    cs->dmax = ps->dmax;
                if (ps->qmin < cs->qmin)
                    cs->qmin = ps->qmin;
                if (ps->qmax > cs->qmax)
                    cs->qmax = ps->qmax;
            }
        }
    }
    /* Next page. */
    c->page_first_row += (int64_t)c->page_rows;
    c->page_rows = c->page_values = 0;
    buzz_buf_reset(&c->levels);
    buzz_buf_reset(&c->values);
    buzz_buf_reset(&c->offsets);
    stats_reset(&c->page_stats);
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Row groups. */
static buzz_status file_write(buzz_parquet_writer *w, const void *p, size_t n, buzz_error *err)
{
    BUZZ_TRY(buzz_atomic_file_write(&w->file, p, n, err));
    w->pos += (int64_t)n;
    return BUZZ_OK;
}

static buzz_status flush_row_group(buzz_parquet_writer *w, buzz_error *err)
{
    if (w->rg_rows == 0)
        return BUZZ_OK;
    if (w->rg_count == w->rg_cap) {
        size_t cap = w->rg_cap ? w->rg_cap * 2 : 8;
        chunk_meta *cm = buzz_realloc(w->chunks, cap * w->ncols * sizeof *cm + 1);
        int64_t *a = buzz_realloc(w->rg_num_rows, cap * sizeof *a);
        if (a)
            w->rg_num_rows = a;
        int64_t *b = buzz_realloc(w->rg_file_offset, cap * sizeof *b);
        if (b)
            w->rg_file_offset = b;
        int64_t *cc = buzz_realloc(w->rg_total_uncompressed, cap * sizeof *cc);
        if (cc)
            w->rg_total_uncompressed = cc;
        int64_t *d = buzz_realloc(w->rg_total_compressed, cap * sizeof *d);
        if (d)
            w->rg_total_compressed = d;
        if (cm)
            w->chunks = cm;
        if (!cm || !a || !b || !cc || !d)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for row group metadata");
        w->rg_cap = cap;
    }
    size_t rg = w->rg_count;
    w->rg_file_offset[rg] = w->pos;
    int64_t total_unc = 0, total_comp = 0;
    for (size_t i = 0; i < w->ncols; i++) {
        col_writer *c = &w->cols[i];
        BUZZ_TRY(flush_page(w, c, err));
        chunk_meta *cm = &w->chunks[rg * w->ncols + i];
        *cm = c->cur;
        cm->dict_offset = -1;
        int64_t chunk_start = w->pos;
        if (c->cur.used_dict) {
            /* Dictionary page first. */
            buzz_buf *body = &c->body, *comp = &c->scratch;
            buzz_buf_reset(body);
            buzz_buf_reset(comp);
            BUZZ_TRY(buzz__dict_write_plain(c->dict, body, err));
            BUZZ_TRY(buzz__compress(w->codec, w->opts.level, body->data, body->len, comp, err));
            buzz_buf *hdr = &w->meta;
            buzz_buf_reset(hdr);
            buzz__tw tw;
            buzz__tw_init(&tw, hdr, err);
            buzz__tw_struct_begin(&tw);
            buzz__tw_field_i32(&tw, 1, BUZZ__PQ_PAGE_DICTIONARY);
            buzz__tw_field_i32(&tw, 2, (int32_t)body->len);
            buzz__tw_field_i32(&tw, 3, (int32_t)comp->len);
            buzz__tw_field_struct_begin(&tw, 7);
            buzz__tw_field_i32(&tw, 1, (int32_t)buzz__dict_count(c->dict));
            buzz__tw_field_i32(&tw, 2, BUZZ__PQ_ENC_PLAIN);
            buzz__tw_struct_end(&tw);
            buzz__tw_struct_end(&tw);
            BUZZ_TRY(buzz__tw_status(&tw));
            cm->dict_offset = w->pos;
            BUZZ_TRY(file_write(w, hdr->data, hdr->len, err));
            BUZZ_TRY(file_write(w, comp->data, comp->len, err));
            cm->uncompressed_bytes += (int64_t)(hdr->len + body->len);
            cm->compressed_bytes += (int64_t)(hdr->len + comp->len);
        }
        cm->data_offset = w->pos;
        for (size_t p = 0; p < cm->page_count; p++)
            cm->pages[p].offset += w->pos;
        BUZZ_TRY(file_write(w, c->chunk.data, c->chunk.len, err));
        (void)chunk_start;
        /* Chunk statistics. */
        uint8_t ml = 0, xl = 0;
        bool has;
        stats_bytes(c, &c->chunk_stats, cm->min, &ml, cm->max, &xl, &cm->min_exact, &cm->max_exact,
                    &has);
        cm->has_stats = has;
        cm->min_len = ml;
        cm->max_len = xl;
        cm->null_count = c->chunk_stats.null_count;
        total_unc += cm->uncompressed_bytes;
        total_comp += cm->compressed_bytes;
        /* The pages array now belongs to the chunk metadata; start a new chunk. */
        memset(&c->cur, 0, sizeof c->cur);
        c->pages_cap = 0;
        buzz_buf_reset(&c->chunk);
        stats_reset(&c->chunk_stats);
        c->page_first_row = 0;
        if (c->dict) {
            buzz__dict_reset(c->dict);
            c->dict_active = true;
        }
    }
    w->rg_num_rows[rg] = w->rg_rows;
    w->rg_total_uncompressed[rg] = total_unc;
    w->rg_total_compressed[rg] = total_comp;
    w->rg_count++;
    w->total_rows += w->rg_rows;
    w->rg_rows = 0;
    return BUZZ_OK;
}

static size_t buffered_bytes(const buzz_parquet_writer *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->ncols; i++)
        n += w->cols[i].chunk.len + w->cols[i].values.len;
    return n;
}

typedef struct stage_job {
    buzz_parquet_writer *w;
    const buzz_typed_batch *tb;
    size_t from, n;
    buzz_status *st;
    buzz_error *errs;
} stage_job;

/* One column's share of a batch slice: stage rows in steps that end on PAGE_ROW_ALIGN boundaries
 * of the page, and close the page at such a boundary once it is full (by rows or bytes). A page
 * far over its byte budget (huge cells) is closed at once, aligned or not. */
static void stage_column(void *ctx, size_t i)
{
    stage_job *j = ctx;
    buzz_parquet_writer *w = j->w;
    col_writer *c = &w->cols[i];
    size_t off = 0;
    while (off < j->n) {
        size_t to_boundary = PAGE_ROW_ALIGN - c->page_rows % PAGE_ROW_ALIGN;
        size_t k = j->n - off < to_boundary ? j->n - off : to_boundary;
        buzz_status st = stage_batch(c, &j->tb->columns[c->schema_col], j->from + off, k,
                                     &j->errs[i]);
        off += k;
        size_t bytes = c->values.len + c->page_rows;
        bool aligned = c->page_rows % PAGE_ROW_ALIGN == 0;
        if (st == BUZZ_OK &&
            ((aligned && (c->page_rows >= PAGE_ROWS_MAX || bytes >= w->opts.page_bytes)) ||
             bytes >= 16 * w->opts.page_bytes))
            st = flush_page(w, c, &j->errs[i]);
        if (st != BUZZ_OK) {
            j->st[i] = st;
            return;
        }
    }
}

buzz_status buzz_parquet_writer_write(buzz_parquet_writer *w, const buzz_typed_batch *tb,
                                      buzz_error *err)
{
    size_t rg_rows_max = (size_t)w->opts.row_group_rows;
    if (w->ncols == 0) {
        /* No included column: rows still count (a valid file with no columns has none). */
        return BUZZ_OK;
    }
    buzz_status *sts = buzz_calloc(w->ncols, sizeof *sts);
    buzz_error *errs = buzz_malloc(w->ncols * sizeof *errs);
    if (!sts || !errs) {
        buzz_free(sts);
        buzz_free(errs);
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory in the Parquet writer");
    }
    buzz_status st = BUZZ_OK;
    size_t done = 0;
    while (st == BUZZ_OK && done < tb->row_count) {
        size_t room = rg_rows_max - (size_t)w->rg_rows;
        size_t n = tb->row_count - done < room ? tb->row_count - done : room;
        stage_job j = {w, tb, done, n, sts, errs};
        buzz_parallel_for(w->ncols, w->opts.threads ? w->opts.threads : 1, stage_column, &j);
        for (size_t i = 0; i < w->ncols && st == BUZZ_OK; i++) {
            if (sts[i] != BUZZ_OK) {
                st = sts[i];
                if (err)
                    *err = errs[i];
            }
        }
        if (st != BUZZ_OK)
            break;
        w->rg_rows += (int64_t)n;
        done += n;
        if ((size_t)w->rg_rows >= rg_rows_max || buffered_bytes(w) >= w->opts.row_group_bytes)
            st = flush_row_group(w, err);
    }
    buzz_free(sts);
    buzz_free(errs);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Footer. */
static void write_schema_element(buzz__tw *tw, const col_writer *c)
{
    const buzz_column_def *d = c->def;
    buzz__tw_struct_begin(tw);
    buzz__tw_field_i32(tw, 1, c->phys);
    if (c->phys == BUZZ__PQ_FIXED_LEN_BYTE_ARRAY)
        buzz__tw_field_i32(tw, 2, 16);
    buzz__tw_field_i32(tw, 3, c->is_required ? 0 : 1);
    buzz__tw_field_string(tw, 4, d->name);
    int converted = -1;
    switch (d->type) {
    case BUZZ_TYPE_VARCHAR:
    case BUZZ_TYPE_NULL:
        converted = 0;
        break;
    case BUZZ_TYPE_DECIMAL:
        converted = 5;
        break;
    case BUZZ_TYPE_DATE:
        converted = 6;
        break;
    case BUZZ_TYPE_TIMESTAMP_TZ:
        converted = 10;
        break;
    default:
        break;
    }
    if (converted >= 0)
        buzz__tw_field_i32(tw, 6, converted);
    if (d->type == BUZZ_TYPE_DECIMAL) {
        buzz__tw_field_i32(tw, 7, d->scale);
        buzz__tw_field_i32(tw, 8, d->precision);
    }
    /* LogicalType union (field 10). */
    bool logical = true;
    switch (d->type) {
    case BUZZ_TYPE_VARCHAR:
    case BUZZ_TYPE_NULL:
    case BUZZ_TYPE_DECIMAL:
    case BUZZ_TYPE_DATE:
    case BUZZ_TYPE_TIME:
    case BUZZ_TYPE_TIMESTAMP:
    case BUZZ_TYPE_TIMESTAMP_TZ:
        break;
    default:
        logical = false;
    }
    if (logical) {
        buzz__tw_field_struct_begin(tw, 10);
        switch (d->type) {
        case BUZZ_TYPE_DECIMAL:
            buzz__tw_field_struct_begin(tw, 5);
            buzz__tw_field_i32(tw, 1, d->scale);
            buzz__tw_field_i32(tw, 2, d->precision);
            buzz__tw_struct_end(tw);
            break;
        case BUZZ_TYPE_DATE:
            buzz__tw_field_struct_begin(tw, 6);
            buzz__tw_struct_end(tw);
            break;
        case BUZZ_TYPE_TIME:
        case BUZZ_TYPE_TIMESTAMP:
        case BUZZ_TYPE_TIMESTAMP_TZ:
            buzz__tw_field_struct_begin(tw, d->type == BUZZ_TYPE_TIME ? 7 : 8);
            buzz__tw_field_bool(tw, 1, d->type == BUZZ_TYPE_TIMESTAMP_TZ);
            buzz__tw_field_struct_begin(tw, 2); /* TimeUnit */
            buzz__tw_field_struct_begin(tw, 2); /* MICROS */
            buzz__tw_struct_end(tw);
            buzz__tw_struct_end(tw);
            buzz__tw_struct_end(tw);
            break;
        default: /* STRING */
            buzz__tw_field_struct_begin(tw, 1);
            buzz__tw_struct_end(tw);
            break;
        }
        buzz__tw_struct_end(tw);
    }
    buzz__tw_struct_end(tw);
}

static buzz_status write_page_indexes(buzz_parquet_writer *w, buzz_error *err)
{
    buzz_buf *b = &w->meta;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t rg = 0; rg < w->rg_count; rg++) {
            for (size_t i = 0; i < w->ncols; i++) {
                chunk_meta *cm = &w->chunks[rg * w->ncols + i];
                buzz_buf_reset(b);
                buzz__tw tw;
                buzz__tw_init(&tw, b, err);
                buzz__tw_struct_begin(&tw);
                if (pass == 0) {
                    /* ColumnIndex. */
                    buzz__tw_field_list_begin(&tw, 1, BUZZ__TW_BOOL, cm->page_count);
                    for (size_t p = 0; p < cm->page_count; p++)
                        buzz__tw_elem_bool(&tw, cm->pages[p].is_all_null);
                    buzz__tw_field_list_begin(&tw, 2, BUZZ__TW_BINARY, cm->page_count);
                    for (size_t p = 0; p < cm->page_count; p++)
                        buzz__tw_elem_binary(&tw, cm->pages[p].min, cm->pages[p].min_len);
                    buzz__tw_field_list_begin(&tw, 3, BUZZ__TW_BINARY, cm->page_count);
                    for (size_t p = 0; p < cm->page_count; p++)
                        buzz__tw_elem_binary(&tw, cm->pages[p].max, cm->pages[p].max_len);
                    buzz__tw_field_i32(&tw, 4, 0); /* UNORDERED */
                    buzz__tw_field_list_begin(&tw, 5, BUZZ__TW_I64, cm->page_count);
                    for (size_t p = 0; p < cm->page_count; p++)
                        buzz__tw_elem_i64(&tw, cm->pages[p].null_count);
                } else {
                    /* OffsetIndex. */
                    buzz__tw_field_list_begin(&tw, 1, BUZZ__TW_STRUCT, cm->page_count);
                    for (size_t p = 0; p < cm->page_count; p++) {
                        buzz__tw_struct_begin(&tw);
                        buzz__tw_field_i64(&tw, 1, cm->pages[p].offset);
                        buzz__tw_field_i32(&tw, 2, cm->pages[p].size);
                        buzz__tw_field_i64(&tw, 3, cm->pages[p].first_row);
                        buzz__tw_struct_end(&tw);
                    }
                }
                buzz__tw_struct_end(&tw);
                BUZZ_TRY(buzz__tw_status(&tw));
                if (pass == 0) {
                    /* A column index only where every page has bounds or is all-NULL. */
                    /* Pages with values but no bounds (only NaN, or a string max that cannot
                     * be cut short) would make the index lie: leave it out for the chunk. */
                    bool usable = true;
                    for (size_t p = 0; p < cm->page_count; p++)
                        if (!cm->pages[p].is_all_null && !cm->pages[p].has_bounds)
                            usable = false;
                    if (!usable) {
                        cm->column_index_len = 0;
                        continue;
                    }
                    cm->column_index_offset = w->pos;
                    cm->column_index_len = (int32_t)b->len;
                } else {
                    cm->offset_index_offset = w->pos;
                    cm->offset_index_len = (int32_t)b->len;
                }
                BUZZ_TRY(file_write(w, b->data, b->len, err));
            }
        }
    }
    return BUZZ_OK;
}

static buzz_status write_footer(buzz_parquet_writer *w, buzz_error *err)
{
    buzz_buf *b = &w->meta;
    buzz_buf_reset(b);
    buzz__tw tw;
    buzz__tw_init(&tw, b, err);
    buzz__tw_struct_begin(&tw);
    buzz__tw_field_i32(&tw, 1, 2);
    buzz__tw_field_list_begin(&tw, 2, BUZZ__TW_STRUCT, w->ncols + 1);
    buzz__tw_struct_begin(&tw);
    buzz__tw_field_i32(&tw, 3, 0);
    buzz__tw_field_string(&tw, 4, "schema");
    buzz__tw_field_i32(&tw, 5, (int32_t)w->ncols);
    buzz__tw_struct_end(&tw);
    for (size_t i = 0; i < w->ncols; i++)
        write_schema_element(&tw, &w->cols[i]);
    buzz__tw_field_i64(&tw, 3, w->total_rows);
    buzz__tw_field_list_begin(&tw, 4, BUZZ__TW_STRUCT, w->rg_count);
    for (size_t rg = 0; rg < w->rg_count; rg++) {
        buzz__tw_struct_begin(&tw);
        buzz__tw_field_list_begin(&tw, 1, BUZZ__TW_STRUCT, w->ncols);
        for (size_t i = 0; i < w->ncols; i++) {
            const col_writer *c = &w->cols[i];
            const chunk_meta *cm = &w->chunks[rg * w->ncols + i];
            int64_t first = cm->dict_offset >= 0 ? cm->dict_offset : cm->data_offset;
            buzz__tw_struct_begin(&tw);
            buzz__tw_field_i64(&tw, 2, first);
            buzz__tw_field_struct_begin(&tw, 3);
            buzz__tw_field_i32(&tw, 1, c->phys);
            int encs[4], ne = 0;
            if (cm->used_plain || cm->used_dict)
                encs[ne++] = BUZZ__PQ_ENC_PLAIN; /* dictionary pages are PLAIN too */
            encs[ne++] = BUZZ__PQ_ENC_RLE;
            if (cm->used_delta)
                encs[ne++] = BUZZ__PQ_ENC_DELTA_BINARY_PACKED;
            if (cm->used_dict)
                encs[ne++] = BUZZ__PQ_ENC_RLE_DICTIONARY;
            buzz__tw_field_list_begin(&tw, 2, BUZZ__TW_I32, (size_t)ne);
            for (int e = 0; e < ne; e++)
                buzz__tw_elem_i32(&tw, encs[e]);
            buzz__tw_field_list_begin(&tw, 3, BUZZ__TW_BINARY, 1);
            buzz__tw_elem_binary(&tw, c->def->name, strlen(c->def->name));
            buzz__tw_field_i32(&tw, 4, w->codec);
            buzz__tw_field_i64(&tw, 5, cm->num_values);
            buzz__tw_field_i64(&tw, 6, cm->uncompressed_bytes);
            buzz__tw_field_i64(&tw, 7, cm->compressed_bytes);
            buzz__tw_field_i64(&tw, 9, cm->data_offset);
            if (cm->dict_offset >= 0)
                buzz__tw_field_i64(&tw, 11, cm->dict_offset);
            write_statistics(&tw, 12, cm->null_count, cm->has_stats, cm->min, cm->min_len, cm->max,
                             cm->max_len, cm->min_exact, cm->max_exact);
            buzz__tw_struct_end(&tw);
            buzz__tw_field_i64(&tw, 4, cm->offset_index_offset);
            buzz__tw_field_i32(&tw, 5, cm->offset_index_len);
            if (cm->column_index_len > 0) {
                buzz__tw_field_i64(&tw, 6, cm->column_index_offset);
                buzz__tw_field_i32(&tw, 7, cm->column_index_len);
            }
            buzz__tw_struct_end(&tw);
        }
        buzz__tw_field_i64(&tw, 2, w->rg_total_uncompressed[rg]);
        buzz__tw_field_i64(&tw, 3, w->rg_num_rows[rg]);
        buzz__tw_field_i64(&tw, 5, w->rg_file_offset[rg]);
        buzz__tw_field_i64(&tw, 6, w->rg_total_compressed[rg]);
        buzz__tw_field_i16(&tw, 7, (int16_t)(rg < 32767 ? rg : 32767));
        buzz__tw_struct_end(&tw);
    }
    if (w->opts.metadata_json) {
        buzz__tw_field_list_begin(&tw, 5, BUZZ__TW_STRUCT, 1);
        buzz__tw_struct_begin(&tw);
        buzz__tw_field_string(&tw, 1, "buzz.schema");
        buzz__tw_field_string(&tw, 2, w->opts.metadata_json);
        buzz__tw_struct_end(&tw);
    }
    buzz__tw_field_string(&tw, 6, "buzz version " BUZZ_VERSION " (build buzz)");
    buzz__tw_field_list_begin(&tw, 7, BUZZ__TW_STRUCT, w->ncols);
    for (size_t i = 0; i < w->ncols; i++) {
        buzz__tw_struct_begin(&tw); /* ColumnOrder union */
        buzz__tw_field_struct_begin(&tw, 1);
        buzz__tw_struct_end(&tw); /* TypeDefinedOrder */
        buzz__tw_struct_end(&tw);
    }
    buzz__tw_struct_end(&tw);
    BUZZ_TRY(buzz__tw_status(&tw));
    if (b->len > UINT32_MAX)
        return buzz_error_set(err, BUZZ_ERR_LIMIT, "the Parquet footer is over 4 GiB");
    uint8_t tail[8];
    put_le(tail, (uint32_t)b->len, 4);
    memcpy(tail + 4, "PAR1", 4);
    BUZZ_TRY(file_write(w, b->data, b->len, err));
    return file_write(w, tail, 8, err);
}

/* ---------------------------------------------------------------------------------------------
 * Open, commit, close. */
buzz_status buzz_parquet_writer_open(buzz_parquet_writer **out, const char *path,
                                     const buzz_schema *schema, const buzz_parquet_options *opts,
                                     buzz_error *err)
{
    *out = NULL;
    buzz_parquet_writer *w = buzz_calloc(1, sizeof *w);
    if (!w)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for the Parquet writer");
    w->file.fd = -1;
    w->schema = schema;
    if (opts)
        w->opts = *opts;
    if (w->opts.row_group_rows <= 0)
        w->opts.row_group_rows = BUZZ_PARQUET_DEFAULT_ROW_GROUP_ROWS;
    if (w->opts.row_group_bytes == 0)
        w->opts.row_group_bytes = (size_t)128 << 20;
    if (w->opts.page_bytes == 0)
        w->opts.page_bytes = (size_t)1 << 20;
    if (w->opts.dictionary_bytes == 0)
        w->opts.dictionary_bytes = DICT_MAX_BYTES;
    w->codec = codec_id(w->opts.codec);
    buzz_buf_init(&w->meta, 0);
    buzz_status st = BUZZ_OK;
    size_t n = 0;
    for (size_t i = 0; i < schema->column_count; i++)
        n += schema->columns[i].include;
    w->cols = n ? buzz_calloc(n, sizeof *w->cols) : NULL;
    if (n && !w->cols)
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for the Parquet writer");
    for (size_t i = 0, k = 0; st == BUZZ_OK && i < schema->column_count; i++) {
        if (!schema->columns[i].include)
            continue;
        col_writer *c = &w->cols[k++];
        w->ncols = k;
        c->def = &schema->columns[i];
        c->schema_col = i;
        physical_of(c->def, &c->phys, &c->width);
        c->is_required = column_is_required(schema, c->def);
        buzz_buf_init(&c->levels, 0);
        buzz_buf_init(&c->values, 0);
        buzz_buf_init(&c->offsets, 0);
        buzz_buf_init(&c->indices, 0);
        buzz_buf_init(&c->chunk, 0);
        buzz_buf_init(&c->scratch, 0);
        buzz_buf_init(&c->body, 0);
        buzz_buf_init(&c->wide, 0);
        buzz_buf_init(&c->page_stats.smin, 0);
        buzz_buf_init(&c->page_stats.smax, 0);
        buzz_buf_init(&c->chunk_stats.smin, 0);
        buzz_buf_init(&c->chunk_stats.smax, 0);
        if (!w->opts.no_dictionary && c->phys != BUZZ__PQ_BOOLEAN) {
            st = buzz__dict_new(&c->dict, c->width, w->opts.dictionary_bytes, err);
            c->dict_active = st == BUZZ_OK;
        }
    }
    if (st == BUZZ_OK)
        st = buzz_atomic_file_open(&w->file, path, err);
    if (st == BUZZ_OK)
        st = file_write(w, "PAR1", 4, err);
    if (st != BUZZ_OK) {
        buzz_parquet_writer_close(w);
        return st;
    }
    *out = w;
    return BUZZ_OK;
}

buzz_status buzz_parquet_writer_set_metadata(buzz_parquet_writer *w, const char *json,
                                             buzz_error *err)
{
    char *copy = json ? buzz_strndup(json, strlen(json)) : NULL;
    if (json && !copy)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for the Parquet metadata");
    buzz_free(w->metadata_json);
    w->metadata_json = copy;
    w->opts.metadata_json = copy;
    return BUZZ_OK;
}

buzz_status buzz_parquet_writer_commit(buzz_parquet_writer *w, int64_t *out_bytes, buzz_error *err)
{
    BUZZ_TRY(flush_row_group(w, err)); /* the last, partial row group (if any rows) */
    BUZZ_TRY(write_page_indexes(w, err));
    BUZZ_TRY(write_footer(w, err));
    BUZZ_TRY(buzz_atomic_file_commit(&w->file, err));
    if (out_bytes)
        *out_bytes = w->pos;
    return BUZZ_OK;
}

void buzz_parquet_writer_close(buzz_parquet_writer *w)
{
    if (!w)
        return;
    buzz_atomic_file_abort(&w->file);
    for (size_t i = 0; i < w->ncols; i++) {
        col_writer *c = &w->cols[i];
        buzz_buf_free(&c->levels);
        buzz_buf_free(&c->values);
        buzz_buf_free(&c->offsets);
        buzz_buf_free(&c->indices);
        buzz_buf_free(&c->chunk);
        buzz_buf_free(&c->scratch);
        buzz_buf_free(&c->body);
        buzz_buf_free(&c->wide);
        stats_free(&c->page_stats);
        stats_free(&c->chunk_stats);
        buzz__dict_free(c->dict);
        buzz_free(c->cur.pages);
    }
    for (size_t i = 0; i < w->rg_count * w->ncols; i++)
        buzz_free(w->chunks[i].pages);
    buzz_free(w->chunks);
    buzz_free(w->rg_num_rows);
    buzz_free(w->rg_file_offset);
    buzz_free(w->rg_total_uncompressed);
    buzz_free(w->rg_total_compressed);
    buzz_free(w->cols);
    buzz_buf_free(&w->meta);
    buzz_free(w->metadata_json);
    buzz_free(w);
}
