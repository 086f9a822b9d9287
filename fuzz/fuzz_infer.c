/* fuzz/fuzz_infer.c: libFuzzer target for whole-file inference and the schema document. Any bytes
 * are written to a file and read as CSV; the inferred schema must then read every cell of the same
 * file with no reject at all (the promise of whole-file inference), with 1 and 2 threads giving the
 * same schema, and the general scanners alone (no seen cache, no fast paths) giving it too; the
 * schema document must survive to_json -> parse_json -> apply unchanged. */
#include "buzz/csv.h"
#include "buzz/types.h"
#include "../tests/infer_batches.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_infer: %s\n", what);
        abort();
    }
}

static bool infer(const char *path, unsigned threads, buzz_schema *out)
{
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = threads;
    o.chunk_bytes = 4096; /* many batches, so merging is exercised */
    buzz_infer_options io;
    memset(&io, 0, sizeof io);
    if (threads > 1)
        buzz_infer_hook(&io, &o.batch_hook); /* typed on the workers, merged in order */
    buzz_csv_reader *rd = NULL;
    if (buzz_csv_reader_open(&rd, path, &o, NULL) != BUZZ_OK)
        return false;
    bool ok = buzz_schema_infer(rd, &io, NULL, NULL, out, NULL) == BUZZ_OK;
    buzz_csv_reader_close(rd);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz_infer.%d.csv", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    buzz_schema s1, s2;
    if (!infer(path, 1, &s1))
        return 0;
    check(infer(path, 2, &s2), "second inference failed");
    char *j1 = NULL, *j2 = NULL;
    check(buzz_schema_to_json(&s1, BUZZ_SCHEMA_JSON_STATS, &j1, NULL) == BUZZ_OK, "to_json");
    check(buzz_schema_to_json(&s2, BUZZ_SCHEMA_JSON_STATS, &j2, NULL) == BUZZ_OK, "to_json 2");
    check(strcmp(j1, j2) == 0, "schema depends on the thread count");
    {
        buzz_schema g;
        check(infer_batches(path, true, NULL, 4096, &g), "general inference failed");
        g.row_count = s1.row_count;
        g.source_bytes = s1.source_bytes;
        char *jg = NULL;
        check(buzz_schema_to_json(&g, BUZZ_SCHEMA_JSON_STATS, &jg, NULL) == BUZZ_OK, "to_json g");
        if (strcmp(j1, jg) != 0)
            fprintf(stderr, "fast:\n%s\ngeneral:\n%s\n", j1, jg);
        check(strcmp(j1, jg) == 0, "the fast paths decide differently from the general scanners");
        buzz_free(jg);
        buzz_schema_free(&g);
    }

    /* Every cell reads without a reject under the inferred schema. */
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    o.chunk_bytes = 4096;
    buzz_csv_reader *rd = NULL;
    check(buzz_csv_reader_open(&rd, path, &o, NULL) == BUZZ_OK, "reopen");
    buzz_typed_batch tb;
    memset(&tb, 0, sizeof tb);
    for (;;) {
        const buzz_csv_batch *b;
        if (buzz_csv_reader_next(rd, &b, NULL) != BUZZ_OK || !b)
            break;
        check(buzz_typed_batch_fill(&tb, b, &s1, NULL, NULL, NULL) == BUZZ_OK, "fill");
        if (tb.reject_count != 0) {
            fprintf(stderr, "schema: %s\n", j1);
            check(false, "a value was rejected under its inferred type");
        }
    }
    buzz_typed_batch_free(&tb);
    buzz_csv_reader_close(rd);

    /* The document reads back and applies onto the file's schema without changing types. */
    buzz_schema u;
    check(buzz_schema_parse_json(j1, strlen(j1), "fuzz", &u, NULL) == BUZZ_OK, "parse own json");
    check(u.column_count == s1.column_count, "column count after parse");
    check(buzz_schema_apply(&s2, &u, NULL) == BUZZ_OK, "apply own json");
    for (size_t c = 0; c < s1.column_count; c++) {
        check(s2.columns[c].type == s1.columns[c].type, "type changed by apply");
        check(s2.columns[c].scale == s1.columns[c].scale, "scale changed by apply");
        check(strcmp(s2.columns[c].name, s1.columns[c].name) == 0, "name changed by apply");
    }
    buzz_schema_free(&u);
    buzz_free(j1);
    buzz_free(j2);
    buzz_schema_free(&s1);
    buzz_schema_free(&s2);
    unlink(path);
    return 0;
}
