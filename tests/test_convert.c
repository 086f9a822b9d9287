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
    int64_t last_done[2];
    int cancel_after;
    int polls;
} rec;

static void on_progress(void *user, buzz_convert_phase phase, int64_t done, int64_t total)
{
    rec *r = user;
    r->calls[phase]++;
    assert_true(done >= r->last_done[phase]);
    assert_true(total < 0 || done <= total);
    r->last_done[phase] = done;
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
        cmocka_unit_test(test_rejects_and_skip_inference),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
