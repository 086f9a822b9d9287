/* tests/tools/dump_format.h: the escaping rule of the corpus dump format shared by
 * duckdb_csv_dump.c and buzz_csv_dump.c (see the comment atop duckdb_csv_dump.c), so that both
 * sides escape identically: backslash, TAB, LF and CR become \\, \t, \n and \r. */
#ifndef BUZZ_TEST_DUMP_FORMAT_H
#define BUZZ_TEST_DUMP_FORMAT_H

/* The two-byte escape for c, or NULL when c is written as itself. */
static inline const char *dump_escape(char c)
{
    switch (c) {
    case '\\':
        return "\\\\";
    case '\t':
        return "\\t";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    default:
        return NULL;
    }
}

#endif
