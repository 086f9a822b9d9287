/* tests/test_csv_sniff.c: the dialect sniffer (src/csv/sniff.c). Table-driven cases give an input
 * (as the whole head, or split into head, middle and tail samples) and options, and name the
 * dialect properties they expect; a rendering of the detected dialect is compared key by key. Also
 * invalid option combinations, generated large inputs with samples, allocation failures, and a run
 * over every file of the external corpus (first 1 MiB as the head), which must neither crash nor
 * print. */
#include "test_support.h"

#include <dirent.h>
#include <inttypes.h>

#include "csv/csv_internal.h"

/* String literal with its length (inputs may hold NUL bytes). */
#define S(x) x, sizeof(x) - 1

typedef struct sniff_case {
    const char *in;
    size_t in_len;
    buzz_csv_options opts;
    const char *want; /* "key=value ..." pairs, each must match the rendering */
} sniff_case;

static void put_char(char *out, size_t cap, const char *key, int c)
{
    size_t n = strlen(out);
    if (c == BUZZ_CSV_NONE)
        snprintf(out + n, cap - n, "%s=none ", key);
    else if (c == '\t')
        snprintf(out + n, cap - n, "%s=tab ", key);
    else if (c == ' ')
        snprintf(out + n, cap - n, "%s=space ", key);
    else
        snprintf(out + n, cap - n, "%s=%c ", key, c);
}

/* "d=, q=\" e=\" c=none nl=lf h=1 sep=0 skip=0 cols=3 trail=0 foot=0 merge=0 ic=0 rag=0 hc=0" */
static void render_dialect(const buzz_csv_dialect *d, char *out, size_t cap)
{
    static const char *const nl[] = {"auto", "lf", "crlf", "cr"};
    out[0] = '\0';
    put_char(out, cap, "d", (uint8_t)d->delimiter);
    put_char(out, cap, "q", d->quote);
    put_char(out, cap, "e", d->escape);
    put_char(out, cap, "c", d->comment);
    size_t n = strlen(out);
    snprintf(out + n, cap - n,
             "nl=%s h=%d sep=%d skip=%" PRId64 " cols=%zu trail=%zu foot=%" PRId64
             " merge=%d ic=%d rag=%d hc=%d",
             nl[d->newline & 3], d->has_header, d->has_sep_line, d->skip_lines, d->column_count,
             d->trailing_empty_columns, d->footer_lines, d->merge_delimiters,
             d->has_inline_comments, d->ragged_rows, d->skip_header_copies);
}

/* Every "key=value" of want appears in got. */
static bool matches(const char *got, const char *want)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", want);
    char *save = NULL;
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char needle[80];
        snprintf(needle, sizeof needle, "%s ", tok);
        char hay[600];
        snprintf(hay, sizeof hay, " %s ", got);
        char pat[84];
        snprintf(pat, sizeof pat, " %s", needle);
        if (!strstr(hay, pat))
            return false;
    }
    return true;
}

static buzz_status sniff_head(const char *in, size_t len, const buzz_csv_options *o,
                              buzz_csv_dialect *d, buzz_error *err)
{
    buzz__csv_samples s = {0};
    s.head = (const uint8_t *)in;
    s.head_len = len;
    s.head_is_all = true;
    memset(d, 0, sizeof *d);
    return buzz__csv_sniff(&s, o, d, err);
}

static const sniff_case cases[] = {
    /* Delimiters. */
    {S("a,b,c\n1,2,3\n4,5,6\n"), {0}, "d=, q=\" e=\" nl=lf h=1 cols=3 skip=0 trail=0 foot=0"},
    {S("a;b;c\n1;2;3\n4;5;6\n"), {0}, "d=; h=1 cols=3"},
    {S("a\tb\tc\n1\t2\t3\n4\t5\t6\n"), {0}, "d=tab h=1 cols=3"},
    {S("a|b|c\n1|2|3\n4|5|6\n"), {0}, "d=| h=1 cols=3"},
    {S("a:b:c\n1:2:3\n4:5:6\n"), {0}, "d=: h=1 cols=3"},
    {S("a^b^c\n1^2^3\n4^5^6\n"), {0}, "d=^ h=1 cols=3"},
    {S("a~b~c\n1~2~3\n4~5~6\n"), {0}, "d=~ h=1 cols=3"},
    {S("x y z\n1 2 3\n4 5 6\n7 8 9\n"), {0}, "d=space h=1 cols=3 merge=0"},
    /* A header with one name more than the rows: the header, rows padded. */
    {S("one,two,three,four\n1,a,alice\n2,b,bob\n3,c,carol\n"), {0}, "skip=0 h=1 cols=4"},
    /* A header with a trailing delimiter the rows lack: still the header. */
    {S("a,b,c,\n1,2,3\n4,5,6\n7,8,9\n"), {0}, "skip=0 h=1 cols=3 trail=0"},
    /* The same with a single row: the tie of field counts goes to the row's. */
    {S("id,name,lat,lon,\n1,name,0,0"), {0}, "skip=0 h=1 cols=4 trail=0"},
    {S("id,name,lat,lon,\n1,name,0,0\n"), {0}, "skip=0 h=1 cols=4 trail=0"},
    /* Not when the first record's extra field is not empty, or the row is not exactly one
     * shorter. */
    {S("id,name,lat,lon,x\n1,name,0,0\n"), {0}, "cols=5"},
    {S("id,name,lat,lon,\n1,name,0\n"), {0}, "cols=5"},
    /* A header naming only its first column, above data with empty cells. */
    {S("a,,,,\n123,x,,,v1\n345,y,,,v2\n678,z,,,v3\n"), {0}, "skip=0 h=1 cols=5"},
    /* A TSV whose titles start with quotes that open nothing: no quoting. */
    {S("id\ttitle\n1\t\"Swing it\" magistern\n2\tFoo\n3\tBar\n4\t\"!\"\n5\tBaz\n"), {0},
     "d=tab q=none cols=2 h=1"},
    /* Space-aligned columns: runs of spaces are one separator. */
    {S("name      age  city\nBob        42  Paris\nAlice       7  Rome\nCharlotte 101  Oslo\n"), {0},
     "d=space merge=1 h=1 cols=3"},
    {S("  id   amount\n   1    10.50\n   2   200.00\n  13     3.25\n"), {0},
     "d=space merge=1 h=1 cols=2"},
    /* Prose with double spaces is no table. */
    {S("This is text.  It has two spaces  after some words,\nbut no columns at all.\n"), {0},
     "merge=0"},
    {S("hello world, said he\nnothing here\nmore text, and more here too\n"), {0}, "d=,"},
    /* Decimal commas: ';' delimits. */
    {S("1,5;2,5;3,5\n4,5;5,5;6,5\n7,25;8,5;9,75\n"), {0}, "d=; h=0 cols=3"},
    {S("name;price;qty\nfoo;1,5;3\nbar;2,75;4\nbaz;10,0;5\n"), {0}, "d=; h=1 cols=3"},
    /* Quotes and escapes. */
    {S("id,text\n1,\"a,b\"\n2,\"c,d,e\"\n3,\"x\"\n"), {0}, "d=, q=\" e=\" h=1 cols=2"},
    {S("id,text\n1,\"line\nbreak, here\"\n2,\"x\"\n3,\"y\"\n"), {0}, "d=, q=\" h=1 cols=2"},
    {S("id,text\n1,'a,b'\n2,'c,d,e'\n3,'x,y'\n"), {0}, "d=, q=' e=' cols=2"},
    {S("id,t\n1,\"a\\\"b,c\"\n2,\"d\\\"e,f\"\n3,\"g\"\n"), {0}, "q=\" e=\\ cols=2"},
    {S("id,t\n1,\"a\"\"b,c\"\n2,\"d\"\"e,f\"\n3,\"g\"\n"), {0}, "q=\" e=\" cols=2"},
    {S("1,2\n3,4\n"), {0}, "q=\" e=\" h=0"}, /* no quotes at all: standard CSV */
    /* Record delimiters. */
    {S("a,b\r\n1,2\r\n3,4\r\n"), {0}, "nl=crlf h=1 cols=2"},
    {S("a,b\r1,2\r3,4\r"), {0}, "nl=cr h=1 cols=2"},
    {S("a,b\n1,2\r\n3,4\n5,6\n"), {0}, "nl=lf cols=2"}, /* mixed: LF majority */
    /* Excel sep= line. */
    {S("sep=;\na;b\n1;2\n3;4\n"), {0}, "d=; sep=1 skip=1 h=1 cols=2"},
    {S("sep=|\r\na|b\r\n1|2\r\n"), {0}, "d=| sep=1 skip=1 nl=crlf cols=2"},
    {S("\"sep=,\"\na,b\n1,2\n"), {0}, "d=, sep=1 skip=1"},
    /* Preamble. */
    {S("Sales report\nGenerated 2024-01-01\n\nid,amount,day\n1,2.5,2024-01-01\n2,3.5,2024-01-02\n"
       "3,4,2024-01-03\n"),
     {0},
     "d=, skip=3 h=1 cols=3"},
    {S("Report Q1,,,\n,,,\nid,amount,day,x\n1,2.5,2024-01-01,a\n2,3.5,2024-01-02,b\n"),
     {0},
     "skip=2 h=1 cols=4"},
    {S("sep=;\nTitle\nid;v\n1;2\n3;4\n5;6\n"), {0}, "d=; sep=1 skip=2 h=1 cols=2"},
    /* Header yes/no. */
    {S("1,2,3\n4,5,6\n7,8,9\n"), {0}, "h=0 cols=3"},
    {S("2024-01-01,1.5\n2024-01-02,2.5\n2024-01-03,3.5\n"), {0}, "h=0 cols=2"},
    {S("day,flag\n2024-01-01,true\n2024-01-02,false\n"), {0}, "h=1 cols=2"},
    {S("name,city\nJohn,Boston\nMary,Denver\nPeter,Austin\n"), {0}, "h=1 cols=2"},
    /* No typed column: an all-text first row of distinct names is a header unless the body shows
     * it is data. */
    {S("John,Boston\nMary,Denver\nPete,Austin\n"), {0}, "h=1 cols=2"},
    {S("Name,Town\nJohn,Rome\nMary,Oslo\n"), {0}, "h=1 cols=2"}, /* same shapes as the body */
    {S("col1|col2|col3\nval1|val2|val3\n"), {0}, "h=1 cols=3"},
    {S("one\ntwo\n"), {0}, "h=1 cols=1"},
    {S("name,name\nJohn,Boston\nMary,Denver\n"), {0}, "h=0"}, /* duplicate names */
    {S("bar,baz\nbar,baz\nbar,baz\n"), {0}, "h=0 cols=2"}, /* every body row copies the first */
    {S("x\nx\nx\nx\n"), {0}, "h=0 cols=1"},
    {S("bar,baz\nbar,baz\n"), {0}, "h=1 cols=2"}, /* one copy proves nothing */
    {S("x\nx\n"), {0}, "h=1 cols=1"},
    {S("Alice,StreetA,TEST5\nBob,StreetB,TEST5\n"), {0}, "h=0"}, /* a name reappears as a value */
    {S("happy\nsad\nhappy\nangry\n"), {0}, "h=0 cols=1"},
    /* A header repeated by a concatenated export is still a header (but not in one column, where
     * it cannot be told from a repeated value). */
    {S("name,city\nJohn,Boston\nMary,Denver\nname,city\nPete,Austin\n"), {0}, "h=1 cols=2"},
    /* The first row equals a body value up to digits and blanks: data. */
    {S("line1;line1_2;line1_3\nline2;line2_2;line2_3\nline3;line3_2;line3_3\n"), {0}, "h=0"},
    {S("{\"duck\": 1}\n{\"duck\": 2}\n"), {0}, "h=0 cols=1"},
    {S("[10.0.0.1]\n[10.0.0.22]\n[10.0.1.3]\n"), {0}, "h=0 cols=1"},
    {S("\"{'val':x}\"\n\"{'val': x}\"\n\"{'val':'y'}\"\n"), {0}, "h=0 cols=1"},
    /* A name above a column the body leaves empty or fills with a lone value beats a repeat. */
    {S("bar,baz\n,baz\n"), {0}, "h=1 cols=2"},
    {S("bar,baz\n2025-05-12,baz\n"), {0}, "h=1 cols=2"},
    {S(",a,b\n0,1,2\n1,3,4\n"), {0}, "h=1 cols=3"},           /* pandas index column */
    /* Comments. */
    {S("# exported by x\na,b\n1,2\n# note\n3,4\n"), {0}, "c=# cols=2 h=1"},
    {S("#id,v\n1,2\n3,4\n"), {0}, "c=none"}, /* '#' prefix on a real header */
    {S("a,b\n;comment here\n1,2\n3,4\n"), {0}, "c=; d=, cols=2"},
    /* Indented comment lines (the tokenizer skips them after blanks too). */
    {S(" # note\n1;3\n # note\n1;3\n1;3\n1;3"), {0}, "c=# d=; cols=2 ic=0"},
    /* Inline comments: only where cutting at the comment byte restores the table. */
    {S("# note\na;b\n1;3#5;7\n6;7\n8;9\n"), {0}, "c=# d=; cols=2 ic=1 h=1"},
    {S("# A few comments\na;b\n1;3#bla;x\n6;7#bla\n# more\n1;3\n"), {0}, "c=# d=; cols=2 ic=1"},
    {S("# palette\nname,color\nred,#FF0000\nblue,#0000FF\ngreen,#00FF00\n"), {0},
     "c=# cols=2 ic=0"},
    {S("# addresses\nid,street,city\n1,Apt #5 Main St,Rome\n2,Via Roma 3,Oslo\n3,Elm St,Nice\n"),
     {0}, "c=# cols=3 ic=0"},
    {S("a;b\n1;3#5;7\n6;7\n8;9\n"), {.comment = '#'}, "c=# cols=2 ic=1"},
    {S("a;b\n1;3#5;7\n6;7\n8;9\n"), {.comment = '#', .inline_comments = -1}, "c=# ic=0"},
    {S("name,color\nred,#FF0000\nblue,#0000FF\n"), {.comment = '#', .inline_comments = 1},
     "c=# cols=2 ic=1"},
    {S("a;b\n1;3#5;7\n6;7\n8;9\n"), {.inline_comments = 1}, "c=none ic=0"},
    /* A table whose values hold another delimiter: the reading that splits every record alike
     * wins over one that needs the first record as a preamble. */
    {S("a;b\nbla,bla;bla,bla\nbla,bla;bla,bla\nbla,bla;bla,bla\nbla,bla;bla,bla\nbla;bla\n"), {0},
     "d=; cols=2 h=1 skip=0"},
    /* A preamble as long as the table: the table's count is the mode after it. */
    {S("Vendor\tTest\nStart\t06/02/2024\nEnd\t06/29/2024\nA\tB\tC\tD\n1\t2\t3\t4\t\n5\t6\t7\t8\t\n"),
     {0}, "d=tab skip=3 h=1 cols=4 trail=1"},
    /* ... but never one wider than the table: these are rows with extra fields. */
    {S("name,age,day,n\nbob,3,1,2\nbob,3,2,5\nbob,3,x,y,7\nbob,3,x,y,7\nbob,3,a\nbob,3,b\n"
       "bob,3,c\n"),
     {0}, "skip=0"},
    /* One column of decimal-comma values is no split table. */
    {S("foo\n12,5\n145,00\n5.25\n"), {0}, "cols=1 h=1"},
    /* Doubled quotes inside unquoted fields do not rule out the quote byte. */
    {S("x,y\n\"\",a\"\"b\nc\"\"d,\"\"\n\"ef,\"\"gh\"\"\",\n,\"\"\"ij\"\",kl\"\nmn\",op\"\"\n"), {0},
     "d=, q=\" cols=2 h=1"},
    /* Trailing empty columns. */
    {S("a,b,c,,,\n1,2,3,,,\n4,5,6,,,\n"), {0}, "cols=3 trail=3 h=1"},
    {S("a,b,c\n1,2,3,,\n4,5,6,,\n7,8,9,,\n"), {0}, "cols=3 trail=2 h=1"},
    {S("a,b,c,d\n1,2,3,\n4,5,6,\n"), {0}, "cols=4 trail=0 h=1"}, /* named empty column */
    {S("1,2,,\n3,4,,\n5,6,,\n"), {0}, "cols=2 trail=2 h=0"},
    /* Footers. */
    {S("a,b,c,d\n1,2,3,4\n5,6,7,8\n9,1,2,3\nTotal,15\n"), {0}, "cols=4 foot=1 h=1"},
    {S("a,b,c,d\n1,2,3,4\n5,6,7,8\nTotal,15\n\nGenerated by tool\n"), {0}, "cols=4 foot=2"},
    {S("a,b,c,d\n1,2,3,4\n5,6,7,8\n9,1,2\n"), {0}, "foot=0"}, /* one short row is no footer */
    /* Rows of totals with the table's width: footer lines when their first cell is a totals
     * label that no row above starts with, with two records above. */
    {S("id;amount;city\n1;2,5;x\n2;3,5;y\n3;4;z\nTotal;10;\n"), {0}, "d=; cols=3 foot=1 h=1"},
    {S("a,b,c\n1,2,3\n4,5,6\nTOTAL:,,9\n"), {0}, "cols=3 foot=1"},
    {S("a,b,c\n1,2,3\n4,5,6\n  Grand Total (EUR) ,,9\nExported by tool\n\n"), {0},
     "cols=3 foot=2"},
    {S("a,b,c\n1,2,3\n4,5,6\nSubtotal,,9\nTotal,,9\n"), {0}, "cols=3 foot=2"},
    {S("a;b;c\nx;2;3\ny;5;6\nSumme;7;9\n"), {0}, "d=; cols=3 foot=1"},
    {S("a,b\n1,2\nTotal,2\n"), {0}, "cols=2 foot=1 h=1"},
    {S("a,b\nTotal,2\n"), {0}, "cols=2 foot=0"}, /* nothing above but the header */
    /* The label after empty cells (a total under the amount column's neighbour). */
    {S("region;city;kind;amount\nN;x;a;2,5\nS;y;b;3,5\nE;z;c;4\n;;Total;10\n"), {0},
     "d=; cols=4 foot=1 h=1"},
    {S("a,b,c\n1,2,3\n4,5,6\n,Grand total:,9\n,,\nNote: EUR\n"), {0}, "cols=3 foot=3"},
    /* Not totals: the label starts rows above, a longer name, a word that only begins so. */
    {S("cat,n\nTotal,1\nother,2\nTotal,3\n"), {0}, "cols=2 foot=0"},
    {S("product,n\nrowing machine,1\nbench,2\nTotal Gym,3\n"), {0}, "cols=2 foot=0"},
    {S("word,n\napple,1\nbanana,2\nTotally,3\n"), {0}, "cols=2 foot=0"},
    {S("id,kind,n\n1,Total,2\n2,part,3\n3,Total,4\n"), {0}, "cols=3 foot=0"},
    {S("id,kind,n\n1,part,2\n2,part,3\n,Total,4\n,,\n"), {0}, "cols=3 foot=2"},
    /* Notes padded to the table's width (Excel): after typed first columns, or when they read
     * like a sentence or a "key: value"; not when the table has rows with one value, nor a
     * short name under a text column. */
    {S("id;city;n\n1;x;2\n2;y;3\n3;z;4\nExported 2024-05-01;;\n"), {0}, "d=; cols=3 foot=1 h=1"},
    {S("id;city;n\n1;x;2\n2;y;3\n3;z;4\nConfidential;;\n"), {0}, "d=; cols=3 foot=0"},
    {S("a,b\n1,x\n2.5,y\nz,\n"), {0}, "cols=2 foot=0"},
    {S("name;city;n\nann;x;2\nbob;y;3\ncid;z;4\nExported by tool;;\n"), {0},
     "d=; cols=3 foot=1"},
    {S("name;city;n\nann;x;2\nbob;y;3\ncid;z;4\nSource: ERP;;\n;;\n"), {0},
     "d=; cols=3 foot=2"},
    {S("name;city;n\nann;x;2\nbob;y;3\ncid;z;4\ndan smith;;\n"), {0}, "d=; cols=3 foot=0"},
    {S("name;city;n\nann;;\nbob;y;3\ncid;z;4\nExported by tool;;\n"), {0},
     "d=; cols=3 foot=0"},
    {S("id;city;n\n1;x;2\n2;y;3\n3;z;4\n4;;\n"), {0}, "d=; cols=3 foot=0"},
    {S("id;city;n\n1;x;2\n2;y;3\nTotal;;9\nExported by tool;;\n;;\n"), {0},
     "d=; cols=3 foot=3"},
    /* Rows of empty cells go with a footer around them, and stay rows without one. */
    {S("a;b;c\n1;2;3\n4;5;6\nTotal;;9\n;;\n;;\nExported by tool\n;;\n"), {0},
     "d=; cols=3 foot=5"},
    {S("a;b;c\n1;2;3\n4;5;6\n7;8;9\n;;\n;;\n"), {0}, "d=; cols=3 foot=0"},
    {S("a,b,c,d,e\n1,2,3,4,5\n6,7,8,9,0\n,,,,Total\n"), {0}, "cols=5 foot=0"},
    /* --footer replaces the detection: 0 keeps the totals row, N drops the last N lines. */
    {S("a,b,c\n1,2,3\n4,5,6\nTotal,,9\n"), {.has_footer_lines = true, .footer_lines = 0},
     "cols=3 foot=0"},
    {S("a,b,c\n1,2,3\n4,5,6\n7,8,9\n"), {.has_footer_lines = true, .footer_lines = 2},
     "cols=3 foot=2"},
    /* A short last row starting like the rows above is data, not a footer. */
    {S("name,age,day,n\nbob a,3,2023-01-01,2\nbob a,3,2023-01-02,5\nbob a,x,2023-01-03\nbob a,x\n"),
     {0},
     "cols=4 foot=0 h=1"},
    /* Copies of the header are skipped when it names typed columns, not in a table of text. */
    {S("id,amount\n1,2.5\n2,3.5\nid,amount\n3,4.5\n"), {0}, "h=1 hc=1"},
    {S("name,city\nann,Oslo\nbob,Rome\nname,city\ncid,Pisa\n"), {0}, "h=1 hc=0"},
    {S("1,2.5\n2,3.5\n3,4.5\n"), {0}, "h=0 hc=0"},
    /* Degenerate inputs. */
    {S(""), {0}, "d=, q=\" nl=lf h=0 cols=0 skip=0 foot=0"},
    {S("a,b,c"), {0}, "d=, cols=3 h=1"},
    {S("1,2,3"), {0}, "d=, cols=3 h=0"},
    {S("\n\n\n"), {0}, "cols=0"},
    {S("just one column\nof text\n"), {0}, "d=, cols=1"},
    {S("\x00\x01\x02\xff\xfe,\"\x00\n\x80\x81\"\"\r\x00"), {0}, "nl=lf"}, /* garbage: no crash */
    /* Broken files: the majority wins. */
    {S("a,b,c\n1,2,3\n4,5\n6,7,8,9\n1,2,3\n4,5,6\n7,8,9\n"), {0}, "d=, cols=3 h=1 rag=0"},
    {S("a,b,c\n1,\"x,2,3\n4,5,6\n7,8,9\n1,2,3\n"), {0}, "d=, cols=3"}, /* unterminated quote */
    {S("a,b,c\n1,x\"y,3\n4,5,6\n7,8\x00,9\n"), {0}, "d=, cols=3 h=1"}, /* stray quote, NUL */
    {S("a,b\n1,2\na,b\n3,4\n5,6\n"), {0}, "d=, cols=2 h=1"},           /* repeated header */
    /* Options override. */
    {S("a;b,c\n1;2,3\n"), {.delimiter = ';'}, "d=; cols=2"},
    {S("a,'b,c'\n1,'2,3'\n"), {.quote = BUZZ_CSV_NONE}, "q=none e=none cols=3"},
    {S("a,b\n\"1\\\"\",2\n"), {.escape = '\\'}, "q=\" e=\\"},
    {S("a,b\n#x\n1,2\n"), {.comment = BUZZ_CSV_NONE}, "c=none"},
    {S("a,b\n1,2\n"), {.comment = '%'}, "c=%"},
    {S("1,2,3\n4,5,6\n"), {.header = 1}, "h=1"},
    {S("a,b,c\n1,2,3\n"), {.header = -1}, "h=0"},
    {S("a,b\r1,2\r\n"), {.newline = BUZZ_NEWLINE_LF}, "nl=lf"},
    {S("title\nmore\na,b\n1,2\n"), {.has_skip_lines = true, .skip_lines = 1}, "skip=1"},
    {S("sep=;\na;b\n1;2\n"), {.has_skip_lines = true, .skip_lines = 0}, "sep=0 skip=0"},
    {S("sep=;\na,b\n1,2\n"), {.delimiter = ','}, "d=, sep=1 skip=1"},
    {S("a\"b\n1\"2\n3\"4\n"), {.delimiter = '"'}, "d=\" q=none cols=2"},
};

/* Sniff each case's head as the whole input; every mismatch is printed, then the test fails. */
static void check_cases(const char *what, const sniff_case *cs, size_t n)
{
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        buzz_csv_dialect d;
        buzz_error err = {0};
        buzz_status st = sniff_head(cs[i].in, cs[i].in_len, &cs[i].opts, &d, &err);
        if (st != BUZZ_OK)
            fail_msg("%s %zu: status %d (%s)", what, i, st, err.message);
        char got[512];
        render_dialect(&d, got, sizeof got);
        if (!matches(got, cs[i].want)) {
            print_error("%s %zu: got \"%s\", want \"%s\"\n", what, i, got, cs[i].want);
            failed++;
        }
    }
    if (failed)
        fail_msg("%zu of %zu %ss failed", failed, n, what);
}

static void test_cases(void **state)
{
    (void)state;
    check_cases("case", cases, BUZZ_ARRAY_LEN(cases));
}

static void test_invalid_options(void **state)
{
    (void)state;
    static const struct {
        buzz_csv_options o;
        const char *flag;
    } bad[] = {
        {{.delimiter = '\n'}, "--delimiter"},
        {{.delimiter = '\r'}, "--delimiter"},
        {{.delimiter = 300}, "--delimiter"},
        {{.delimiter = BUZZ_CSV_NONE}, "--delimiter"},
        {{.delimiter = ',', .quote = ','}, "--quote"},
        {{.delimiter = ';', .escape = ';'}, "--escape"},
        {{.delimiter = '#', .comment = '#'}, "--comment"},
        {{.quote = '\n'}, "--quote"},
        {{.quote = BUZZ_CSV_NONE, .escape = '\\'}, "--escape"},
        {{.quote = '"', .comment = '"'}, "--comment"},
        {{.comment = '\n'}, "--comment"},
        {{.escape = -5}, "--escape"},
        {{.header = 2}, "--header"},
        {{.inline_comments = 2}, "inline comments"},
        {{.newline = (buzz_newline)9}, "--newline"},
        {{.has_skip_lines = true, .skip_lines = -1}, "--skip"},
        {{.has_footer_lines = true, .footer_lines = -1}, "--footer"},
        {{.ragged_rows = 3}, "ragged rows"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(bad); i++) {
        buzz_csv_dialect d;
        buzz_error err = {0};
        buzz_status st = sniff_head(S("a,b\n1,2\n"), &bad[i].o, &d, &err);
        if (st != BUZZ_ERR_ARG || !strstr(err.message, bad[i].flag))
            fail_msg("bad option %zu: status %d, message \"%s\", want %s", i, st, err.message,
                     bad[i].flag);
    }
    buzz__csv_samples s = {0};
    assert_int_equal(buzz__csv_sniff(&s, NULL, NULL, NULL), BUZZ_ERR_ARG);
}

/* Generated file of `rows` records; samples cut at arbitrary bytes like the reader does. */
typedef struct big_file {
    char *data;
    size_t len;
} big_file;

static big_file make_file(const char *header, const char *row_fmt, size_t rows, const char *footer)
{
    big_file f = {0};
    size_t cap = rows * 128 + 4096;
    f.data = malloc(cap);
    assert_non_null(f.data);
    f.len = (size_t)snprintf(f.data, cap, "%s", header);
    for (size_t r = 0; r < rows; r++)
        f.len += (size_t)snprintf(f.data + f.len, cap - f.len, row_fmt, r, r * 7 % 1000, r % 13);
    f.len += (size_t)snprintf(f.data + f.len, cap - f.len, "%s", footer);
    return f;
}

static buzz_status sniff_sampled(const big_file *f, size_t head_len, const buzz_csv_options *o,
                                 buzz_csv_dialect *d)
{
    buzz__csv_samples s = {0};
    size_t part = 16 << 10;
    s.head = (const uint8_t *)f->data;
    s.head_len = head_len < f->len ? head_len : f->len;
    s.head_is_all = s.head_len == f->len;
    for (size_t i = 0; i < 4 && f->len > 4 * part; i++) {
        size_t off = f->len / 5 * (i + 1) + 7 * i + 3;
        s.mid[i] = (const uint8_t *)f->data + off;
        s.mid_len[i] = off + part < f->len ? part : f->len - off;
        s.mid_count++;
    }
    size_t tl = part < f->len ? part : f->len;
    s.tail = (const uint8_t *)f->data + f->len - tl;
    s.tail_len = tl;
    memset(d, 0, sizeof *d);
    return buzz__csv_sniff(&s, o, d, NULL);
}

static void test_sampled(void **state)
{
    (void)state;
    static const struct {
        const char *header, *row, *footer;
        size_t head_len;
        const char *want;
    } cases_big[] = {
        {"id,val,grp\n", "%zu,%zu,%zu\n", "", 4096, "d=, cols=3 h=1 foot=0"},
        {"id;val;grp\n", "%zu;%zu,5;%zu\n", "Total;123\n", 4096, "d=; cols=3 h=1 foot=1"},
        {"id\tval\tgrp\n", "%zu\t\"%zu\nx\"\t%zu\n", "", 2000, "d=tab cols=3 q=\" h=1"},
        {"id,val,grp,,\n", "%zu,%zu,%zu,,\n", "Generated by X\n", 1000, "cols=3 trail=2 foot=1"},
        {"Report\n\nid|val|grp\n", "%zu|%zu|%zu\r\n", "", 3000, "d=| skip=2 nl=crlf cols=3"},
        /* The head's first rows mislead (a single column), the rest of the file does not. */
        {"x\ny\nz\nw\n", "%zu,%zu,%zu\n", "", 8, "d=, cols=3"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases_big); i++) {
        big_file f = make_file(cases_big[i].header, cases_big[i].row, 20000, cases_big[i].footer);
        buzz_csv_dialect d;
        assert_int_equal(sniff_sampled(&f, cases_big[i].head_len, NULL, &d), BUZZ_OK);
        char got[512];
        render_dialect(&d, got, sizeof got);
        free(f.data);
        if (!matches(got, cases_big[i].want))
            fail_msg("sampled case %zu: got \"%s\", want \"%s\"", i, got, cases_big[i].want);
    }
}

/* Ragged tables: rows that leave out their trailing empty fields, generated in several shapes.
 * Columns: id, name, city (1 in 3 empty), amount (1 in 4 empty), note (1 in 5 set). */
typedef struct ragged_shape {
    const char *preamble, *footer;
    char delim;
    size_t rows;
    size_t full_rows; /* rows written at full width (Excel: the sheet's first 16 lines) */
    buzz_csv_options opts;
    const char *want;
} ragged_shape;

static size_t ragged_text(const ragged_shape *sh, char *out, size_t cap)
{
    const char sep[2] = {sh->delim, 0};
    size_t n = (size_t)snprintf(out, cap, "%sid%sname%scity%samount%snote\r\n", sh->preamble, sep,
                                sep, sep, sep);
    for (size_t i = 1; i <= sh->rows && n < cap; i++) {
        char f[5][16];
        snprintf(f[0], sizeof f[0], "%zu", i);
        snprintf(f[1], sizeof f[1], "%s", i % 2 ? "ann" : "bob");
        snprintf(f[2], sizeof f[2], "%s", i % 3 == 0 ? "" : "Oslo");
        snprintf(f[3], sizeof f[3], "%s", i % 4 == 0 ? "" : "12.50");
        snprintf(f[4], sizeof f[4], "%s", i % 5 == 0 ? "late" : "");
        size_t keep = 5;
        if (i > sh->full_rows)
            while (keep > 0 && f[keep - 1][0] == '\0')
                keep--;
        for (size_t j = 0; j < keep && n < cap; j++)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", j ? sep : "", f[j]);
        if (n < cap)
            n += (size_t)snprintf(out + n, cap - n, "\r\n");
    }
    if (n < cap)
        n += (size_t)snprintf(out + n, cap - n, "%s", sh->footer);
    assert_true(n < cap);
    return n;
}

static void test_ragged(void **state)
{
    (void)state;
    static const ragged_shape shapes[] = {
        /* Excel: full rows up to the 16th line, trimmed ones after. */
        {"", "", ',', 200, 15, {0}, "d=, cols=5 h=1 skip=0 rag=1 foot=0"},
        /* A report tool trimming every row, under a title, with a note below. */
        {"Sales report\r\n\r\n", "Generated by report tool v2\r\n", ';', 60, 0, {0},
         "d=; cols=5 h=1 skip=2 rag=1 foot=1"},
        {"", "", '\t', 30, 0, {0}, "d=tab cols=5 h=1 rag=1"},
        /* Options: never, or always. */
        {"", "", ',', 60, 0, {.ragged_rows = -1}, "rag=0"},
        {"", "", ',', 60, 0, {.ragged_rows = 1}, "cols=5 rag=1"},
        /* Too few rows to tell a habit from broken rows. */
        {"", "", ',', 4, 0, {0}, "cols=5 rag=0"},
    };
    char buf[16384];
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(shapes); i++) {
        size_t n = ragged_text(&shapes[i], buf, sizeof buf);
        buzz_csv_dialect d;
        buzz_error err = {0};
        assert_int_equal(sniff_head(buf, n, &shapes[i].opts, &d, &err), BUZZ_OK);
        char got[512];
        render_dialect(&d, got, sizeof got);
        if (!matches(got, shapes[i].want))
            fail_msg("ragged shape %zu: got \"%s\", want \"%s\"", i, got, shapes[i].want);
    }
    static const sniff_case more[] = {
        /* A short last row of a ragged table starting with a new word stays a row. */
        {S("id,name,city,n\n1,a,x,2\n2,b\n3,c,y\n4,d,z,5\n5,e\n6,f,x,1\n7,g\n8,h,y\n9,i,z,3\n"
           "10,j\nZoe,12\n"),
         {0},
         "cols=4 rag=1 foot=0 h=1"},
        /* No header: short rows are broken rows, reported. */
        {S("1,2,3,4\n5,6\n7,8,9\n1,2,3,4\n5,6\n7,8,9\n1,2,3,4\n5,6\n7,8,9\n1,2,3,4\n5,6\n"), {0},
         "cols=4 rag=0"},
        /* A header wider than every row (no row as wide): no ragged table. */
        {S("'''a,b,c''',45\n,234\nhello,234\nbye,2\n"), {0}, "rag=0"},
        /* Lines between the rows of a two-column table (comments without a comment byte). */
        {S(", A few comments\n, I'm a csv file\na;b\n, This is also a baddy\n1;3\n6;7\n"), {0},
         "rag=0"},
        /* Forced on a table whose first row is short: as wide as the widest row. */
        {S("1,2\n3,4,5\n6,7\n8,9,1\n"), {.ragged_rows = 1, .header = -1}, "cols=3 rag=1 h=0"},
        /* Forced on an input without records (the fuzzer's find). */
        {S(""), {.ragged_rows = 1}, "cols=0 rag=1"},
        {S("title"), {.ragged_rows = 1, .has_skip_lines = true, .skip_lines = 1}, "rag=1"},
        /* Inline comments cut records short on purpose. */
        {S("a,b,c\n1,2,3\n4,5 # x\n6,7,8\n9,1 # y\n2,3,4\n5,6,7\n8,9 # z\n1,2,3\n4,5,6\n7,8,9\n"),
         {.comment = '#', .inline_comments = 1},
         "cols=3 rag=0 ic=1"},
    };
    check_cases("ragged case", more, BUZZ_ARRAY_LEN(more));
}

/* Every allocation failure is BUZZ_ERR_NOMEM and leaks nothing. */
static void test_oom(void **state)
{
    (void)state;
    size_t live = buzz_mem_live_bytes();
    for (int64_t n = 1;; n++) {
        buzz_csv_dialect d;
        buzz_error err = {0};
        buzz_mem_fail_after(n);
        buzz_status st = sniff_head(S("a,b\n1,2\n"), NULL, &d, &err);
        buzz_mem_fail_after(0);
        assert_int_equal(buzz_mem_live_bytes(), live);
        if (st == BUZZ_OK)
            break;
        assert_int_equal(st, BUZZ_ERR_NOMEM);
        assert_true(n < 100);
    }
}

/* A 1 MiB head must be cheap; no timing assertion, but the run must finish and agree. */
static void test_large_head(void **state)
{
    (void)state;
    big_file f = make_file("a,b,c\n", "%zu,\"%zu x; y\",%zu\n", 60000, "");
    buzz_csv_dialect d;
    assert_int_equal(sniff_sampled(&f, 1 << 20, NULL, &d), BUZZ_OK);
    free(f.data);
    assert_int_equal(d.delimiter, ',');
    assert_int_equal(d.column_count, 3);
    assert_true(d.has_header);
}

static void test_corpus(void **state)
{
    (void)state;
    const char *dir = test_corpus_dir();
    if (!dir)
        skip();
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    size_t files = 0;
    /* A flat walk over the corpus and its first-level subdirectories. */
    char stack[64][1024];
    size_t depth = 0;
    snprintf(stack[depth++], sizeof stack[0], "%s", dir);
    while (depth > 0) {
        char cur[1024];
        snprintf(cur, sizeof cur, "%s", stack[--depth]);
        DIR *dp = opendir(cur);
        if (!dp)
            continue;
        struct dirent *de;
        while ((de = readdir(dp)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", cur, de->d_name);
            struct stat st;
            if (stat(path, &st) != 0)
                continue;
            if (S_ISDIR(st.st_mode)) {
                if (depth < 64)
                    snprintf(stack[depth++], sizeof stack[0], "%.1000s", path);
                continue;
            }
            FILE *fp = fopen(path, "rb");
            if (!fp)
                continue;
            size_t n = fread(buf, 1, 1 << 20, fp);
            bool all = n < (1 << 20) || fgetc(fp) == EOF;
            fclose(fp);
            buzz__csv_samples s = {0};
            s.head = (const uint8_t *)buf;
            s.head_len = n;
            s.head_is_all = all;
            buzz_csv_dialect d = {0};
            buzz_error err = {0};
            assert_int_equal(buzz__csv_sniff(&s, NULL, &d, &err), BUZZ_OK);
            files++;
        }
        closedir(dp);
    }
    free(buf);
    assert_true(files > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),      cmocka_unit_test(test_invalid_options),
        cmocka_unit_test(test_sampled),    cmocka_unit_test(test_ragged),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_large_head), cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
