/* tests/test_convert.c: the conversion library (buzz/convert.h): typed CSV output, rejects with a
 * forced type, progress for both passes, cancellation and every allocation failure leaving no
 * output, no temp file and no leaked memory, and a schema that types every column skipping the
 * inference pass. */
#include "test_support.h"

#include "buzz/convert.h"

#include <dirent.h>

static const char *CSV = "id,price,day,flag\n1,\"1,234.50\",01/02/2024,yes\n2,3,13/02/2024,no\n"
                         "3,,,\n";

static void write_input(char *path, size_t cap, const char *name, const char *text)
{
    test_path(path, cap, name);
    test_write_file(path, text, strlen(text));
}

static int count_tmp_files(void)
{
    DIR *d = opendir(test_tmpdir());
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void test_convert_csv(void **state)
{
    (void)state;
    char in[600], out[600];
    write_input(in, sizeof in, "in.csv", CSV);
    test_path(out, sizeof out, "out.csv");
    buzz_convert_options o;
    memset(&o, 0, sizeof o);
    o.input = in;
    o.output = out;
    buzz_convert_summary s;
    buzz_error err;
    if (buzz_convert(&o, &s, &err) != BUZZ_OK)
        fail_msg("convert: %s", err.message);
    assert_int_equal(s.rows, 3);
    assert_int_equal(s.rejects, 0);
    assert_true(s.inferred);
    assert_int_equal(s.schema.columns[1].type, BUZZ_TYPE_DECIMAL);
    size_t len;
    char *text = test_read_file(out, &len);
    assert_non_null(text);
    assert_string_equal(text, "id,price,day,flag\r\n1,1234.50,2024-02-01,true\r\n"
                              "2,3.00,2024-02-13,false\r\n3,,,\r\n");
    assert_int_equal(s.output_bytes, (int64_t)len);
    free(text);
    buzz_convert_summary_free(&s);
    assert_int_equal(count_tmp_files(), 0);
}

typedef struct rec {
    int calls[2];
    int64_t last_done[2], last_rows[2];
    int cancel_after;
    int polls;
} rec;

static void on_progress(void *user, const buzz_convert_progress *p)
{
    rec *r = user;
    r->calls[p->phase]++;
    assert_true(p->bytes_done >= r->last_done[p->phase]);
    assert_true(p->bytes_total < 0 || p->bytes_done <= p->bytes_total);
    assert_true(p->rows_done >= r->last_rows[p->phase]);
    assert_true(p->rows_done <= 200000);
    assert_int_equal(p->input_count, 1);
    r->last_done[p->phase] = p->bytes_done;
    r->last_rows[p->phase] = p->rows_done;
}

static bool is_cancelled(void *user)
{
    rec *r = user;
    return ++r->polls > r->cancel_after;
}

static void test_progress_and_cancel(void **state)
{
    (void)state;
    char in[600], out[600];
    test_path(in, sizeof in, "big.csv");
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    fprintf(f, "a,b,c\n");
    for (int i = 0; i < 200000; i++)
        fprintf(f, "%d,%d.5,row %d\n", i, i % 100, i);
    fclose(f);
    test_path(out, sizeof out, "big.out.csv");
    buzz_convert_options o;
    memset(&o, 0, sizeof o);
    o.input = in;
    o.output = out;
    o.csv.chunk_bytes = 64 << 10;
    rec r;
    memset(&r, 0, sizeof r);
    r.cancel_after = 1 << 30;
    o.on_progress = on_progress;
    o.progress_user = &r;
    o.is_cancelled = is_cancelled;
    o.cancel_user = &r;
    buzz_convert_summary s;
    buzz_error err;
    assert_int_equal(buzz_convert(&o, &s, &err), BUZZ_OK);
    assert_true(r.calls[BUZZ_PHASE_INFER] > 1);
    assert_true(r.calls[BUZZ_PHASE_WRITE] > 1);
    assert_true(r.last_rows[BUZZ_PHASE_INFER] > 100000); /* the count lags by a chunk at most */
    assert_true(r.last_rows[BUZZ_PHASE_WRITE] > 100000);
    assert_int_equal(s.rows, 200000);
    buzz_convert_summary_free(&s);
    unlink(out);

    /* Cancelled in either pass: BUZZ_ERR_CANCELLED, no output, no temp file. */
    int total_polls = r.polls;
    for (int at = 1; at < total_polls; at += total_polls / 7 + 1) {
        memset(&r, 0, sizeof r);
        r.cancel_after = at;
        assert_int_equal(buzz_convert(&o, &s, &err), BUZZ_ERR_CANCELLED);
        assert_int_equal(access(out, F_OK), -1);
        assert_int_equal(count_tmp_files(), 0);
    }
}

/* The input grows while it is converted (an export still being written): the first progress
 * report of pass 2 appends rows, pass 2 reads them, and the conversion fails naming the change,
 * with no output and no temp file. Untouched, the same input converts. */
typedef struct grow_ctx {
    const char *path;
    bool done;
} grow_ctx;

static void grow_input(void *user, const buzz_convert_progress *p)
{
    grow_ctx *g = user;
    if (p->phase != BUZZ_PHASE_WRITE || g->done)
        return;
    g->done = true;
    FILE *f = fopen(g->path, "ab");
    assert_non_null(f);
    for (int i = 0; i < 1000; i++)
        fprintf(f, "x%d,late\n", i);
    fclose(f);
}

static void test_input_changed(void **state)
{
    (void)state;
    char in[600], out[600];
    test_path(in, sizeof in, "growing.csv");
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    fprintf(f, "a,b\n");
    for (int i = 0; i < 50000; i++)
        fprintf(f, "%d,row %d\n", i, i);
    fclose(f);
    test_path(out, sizeof out, "growing.out.csv");
    buzz_convert_options o;
    memset(&o, 0, sizeof o);
    o.input = in;
    o.output = out;
    o.csv.chunk_bytes = 64 << 10;
    buzz_convert_summary s;
    buzz_error err;
    assert_int_equal(buzz_convert(&o, &s, &err), BUZZ_OK);
    assert_int_equal(s.rows, 50000);
    buzz_convert_summary_free(&s);
    unlink(out);

    grow_ctx g = {in, false};
    o.on_progress = grow_input;
    o.progress_user = &g;
    assert_int_equal(buzz_convert(&o, &s, &err), BUZZ_ERR_IO);
    assert_true(g.done);
    assert_non_null(strstr(err.message, "changed while it was being converted"));
    assert_non_null(strstr(err.message, "growing.csv"));
    assert_int_equal(access(out, F_OK), -1);
    assert_int_equal(count_tmp_files(), 0);
}

static void test_rejects_and_skip_inference(void **state)
{
    (void)state;
    char in[600], out[600], rej[600];
    write_input(in, sizeof in, "r.csv", "a,b\n1,x\n2.5,y\nz,\n");
    test_path(out, sizeof out, "r.out.csv");
    test_path(rej, sizeof rej, "r.rejects.csv");
    const char *doc = "{\"columns\": [{\"name\": \"a\", \"type\": \"int64\"},"
                      " {\"position\": 2, \"type\": \"varchar\"}]}";
    buzz_schema user;
    buzz_error err;
    assert_int_equal(buzz_schema_parse_json(doc, strlen(doc), "u.json", &user, &err), BUZZ_OK);
    buzz_convert_options o;
    memset(&o, 0, sizeof o);
    o.input = in;
    o.output = out;
    o.rejects_path = rej;
    o.user_schema = &user;
    buzz_convert_summary s;
    if (buzz_convert(&o, &s, &err) != BUZZ_OK)
        fail_msg("convert: %s", err.message);
    assert_false(s.inferred);
    assert_int_equal(s.rejects, 2);
    size_t len;
    char *text = test_read_file(rej, &len);
    assert_string_equal(text, "line,column,value,reason\r\n3,a,2.5,not a whole number (int64)\r\n"
                              "4,a,z,not a whole number (int64)\r\n");
    free(text);
    text = test_read_file(out, &len);
    assert_string_equal(text, "a,b\r\n1,x\r\n,y\r\n,\r\n");
    free(text);
    buzz_convert_summary_free(&s);
    buzz_schema_free(&user);
}

/* Several inputs: each sniffed on its own (here ',' and ';' with CRLF), columns matched by name in
 * any order, types over all of them (the 3.5 of the second file makes `n` a decimal), rows in
 * input order, per-input figures, and progress running once per pass over the summed sizes. */
typedef struct prog2 {
    int64_t last[2], total[2];
    bool backwards;
} prog2;

static void on_progress2(void *user, const buzz_convert_progress *pr)
{
    prog2 *p = user;
    if (pr->bytes_done < p->last[pr->phase] || pr->input_count != 2 || pr->input > 1)
        p->backwards = true;
    p->last[pr->phase] = pr->bytes_done;
    p->total[pr->phase] = pr->bytes_total;
}

static void test_several_inputs(void **state)
{
    (void)state;
    char a[600], b[600], out[600];
    write_input(a, sizeof a, "multi_a.csv", "id,name,n\n1,ann,7\n2,bob,8\n");
    write_input(b, sizeof b, "multi_b.csv", "N;Name;id\r\n3.5;cy;3\r\n;\"d;e\";4\r\n");
    test_path(out, sizeof out, "multi.csv");
    const char *inputs[] = {a, b};
    buzz_convert_options o;
    memset(&o, 0, sizeof o);
    o.inputs = inputs;
    o.input_count = 2;
    o.output = out;
    prog2 p;
    memset(&p, 0, sizeof p);
    o.on_progress = on_progress2;
    o.progress_user = &p;
    buzz_convert_summary s;
    buzz_error err;
    if (buzz_convert(&o, &s, &err) != BUZZ_OK)
        fail_msg("convert: %s", err.message);
    assert_int_equal(s.rows, 4);
    assert_int_equal(s.rejects, 0);
    assert_int_equal(s.input_count, 2);
    assert_int_equal(s.inputs[0].rows, 2);
    assert_int_equal(s.inputs[1].rows, 2);
    assert_int_equal(s.inputs[1].dialect.delimiter, ';');
    assert_string_equal(s.schema.columns[0].name, "id");
    assert_string_equal(s.schema.columns[2].name, "n");
    assert_int_equal(s.schema.columns[0].type, BUZZ_TYPE_INT32);
    assert_int_equal(s.schema.columns[2].type, BUZZ_TYPE_DECIMAL);
    assert_int_equal(s.schema.columns[2].null_count, 1);
    assert_int_equal(s.schema.row_count, 4);
    char *text = test_read_file(out, NULL);
    assert_non_null(text);
    assert_string_equal(text, "id,name,n\r\n1,ann,7.0\r\n2,bob,8.0\r\n3,cy,3.5\r\n4,d;e,\r\n");
    free(text);
    for (int ph = 0; ph < 2; ph++) {
        assert_true(p.total[ph] > 0);
        assert_int_equal(p.last[ph], p.total[ph]);
    }
    assert_false(p.backwards);
    buzz_convert_summary_free(&s);

    /* The same inputs the other way round: the second file's names and order win. */
    const char *swapped[] = {b, a};
    o.inputs = swapped;
    o.on_progress = NULL;
    if (buzz_convert(&o, &s, &err) != BUZZ_OK)
        fail_msg("convert: %s", err.message);
    text = test_read_file(out, NULL);
    assert_string_equal(text, "N,Name,id\r\n3.5,cy,3\r\n,d;e,4\r\n7.0,ann,1\r\n8.0,bob,2\r\n");
    free(text);
    buzz_convert_summary_free(&s);
    assert_int_equal(count_tmp_files(), 0);
}

/* Inputs whose columns differ: a clear error naming both files and the columns, no output. */
static void test_several_inputs_mismatch(void **state)
{
    (void)state;
    char a[600], b[600], c[600], out[600];
    write_input(a, sizeof a, "mm_a.csv", "id,name,price\n1,a,2\n");
    write_input(b, sizeof b, "mm_b.csv", "id,title,price,extra\n1,a,2,x\n");
    write_input(c, sizeof c, "mm_c.csv", "1,a,2\n3,b,4\n");
    test_path(out, sizeof out, "mm.parquet");
    const char *inputs[] = {a, b};
    buzz_convert_options o;
    memset(&o, 0, sizeof o);
    o.inputs = inputs;
    o.input_count = 2;
    o.output = out;
    buzz_convert_summary s;
    buzz_error err;
    assert_int_equal(buzz_convert(&o, &s, &err), BUZZ_ERR_VALUE);
    assert_non_null(strstr(err.message, "input 2"));
    assert_non_null(strstr(err.message, "mm_b.csv"));
    assert_non_null(strstr(err.message, "missing \"name\""));
    assert_non_null(strstr(err.message, "\"title\", \"extra\""));
    assert_int_equal(access(out, F_OK), -1);
    /* A headerless second input: the hint says so. */
    inputs[1] = c;
    assert_int_equal(buzz_convert(&o, &s, &err), BUZZ_ERR_VALUE);
    assert_non_null(strstr(err.message, "--no-header"));
    assert_int_equal(access(out, F_OK), -1);
    /* Standard input twice. */
    const char *twice[] = {"-", "-"};
    o.inputs = twice;
    assert_int_equal(buzz_convert(&o, &s, &err), BUZZ_ERR_ARG);
    assert_non_null(strstr(err.message, "only once"));
    assert_int_equal(count_tmp_files(), 0);
}

/* Rejects over several inputs name the file; lines are each file's own. */
static void test_several_inputs_rejects(void **state)
{
    (void)state;
    char a[600], b[600], out[600], rej[600], sch[600];
    write_input(a, sizeof a, "rj_a.csv", "k,v\n1,x\n2,3\n");
    write_input(b, sizeof b, "rj_b.csv", "v,k\n4,3\nno,4\n");
    test_path(out, sizeof out, "rj.parquet");
    test_path(rej, sizeof rej, "rj.rejects.csv");
    const char *doc = "{\"columns\":[{\"name\":\"v\",\"type\":\"int32\"}]}";
    write_input(sch, sizeof sch, "rj.schema.json", doc);
    buzz_schema user;
    buzz_error err;
    if (buzz_schema_parse_json(doc, strlen(doc), sch, &user, &err) != BUZZ_OK)
        fail_msg("schema: %s", err.message);
    const char *inputs[] = {a, b};
    buzz_convert_options o;
    memset(&o, 0, sizeof o);
    o.inputs = inputs;
    o.input_count = 2;
    o.output = out;
    o.rejects_path = rej;
    o.user_schema = &user;
    buzz_convert_summary s;
    if (buzz_convert(&o, &s, &err) != BUZZ_OK)
        fail_msg("convert: %s", err.message);
    assert_int_equal(s.rows, 4);
    assert_int_equal(s.rejects, 2);
    char *text = test_read_file(rej, NULL);
    assert_non_null(text);
    char expect[2000];
    snprintf(expect, sizeof expect,
             "file,line,column,value,reason\r\n%s,2,v,x,not a whole number (int32)\r\n"
             "%s,3,v,no,not a whole number (int32)\r\n",
             a, b);
    assert_string_equal(text, expect);
    free(text);
    buzz_convert_summary_free(&s);
    buzz_schema_free(&user);
}

static void oom_sweep(const buzz_convert_options *opts, const char *out, const char *rej);

/* Every allocation failure: an error, no output or temp file, nothing leaked. */
static void test_oom_sweep(void **state)
{
    (void)state;
    char in[600], out[600], rej[600];
    write_input(in, sizeof in, "oom.csv", CSV);
    test_path(out, sizeof out, "oom.out.csv");
    test_path(rej, sizeof rej, "oom.rej.csv");
    buzz_convert_options o;
    memset(&o, 0, sizeof o);
    o.input = in;
    o.output = out;
    o.rejects_path = rej;
    o.csv.threads = 1;
    oom_sweep(&o, out, rej);
    /* Two inputs, the second with its columns in another order. */
    char in2[600];
    write_input(in2, sizeof in2, "oom2.csv", "flag,day,price,id\nno,13/02/2024,4,5\n");
    const char *inputs[] = {in, in2};
    o.inputs = inputs;
    o.input_count = 2;
    oom_sweep(&o, out, rej);
}

static void oom_sweep(const buzz_convert_options *opts, const char *out, const char *rej)
{
    buzz_convert_options o = *opts;
    size_t base = buzz_mem_live_bytes();
    bool done = false;
    int n;
    for (n = 1; n < 5000 && !done; n++) {
        buzz_mem_fail_after(n);
        buzz_convert_summary s;
        buzz_error err;
        buzz_status st = buzz_convert(&o, &s, &err);
        buzz_mem_fail_after(0);
        if (st == BUZZ_OK) {
            done = true;
            buzz_convert_summary_free(&s);
            unlink(out);
            unlink(rej);
        } else {
            assert_int_equal(access(out, F_OK), -1);
            assert_int_equal(access(rej, F_OK), -1);
            assert_int_equal(count_tmp_files(), 0);
        }
        assert_int_equal(buzz_mem_live_bytes(), base);
    }
    assert_true(done);
    assert_true(n > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert_csv),
        cmocka_unit_test(test_progress_and_cancel),
        cmocka_unit_test(test_input_changed),
        cmocka_unit_test(test_rejects_and_skip_inference),
        cmocka_unit_test(test_several_inputs),
        cmocka_unit_test(test_several_inputs_mismatch),
        cmocka_unit_test(test_several_inputs_rejects),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
