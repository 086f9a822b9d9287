/* convert/csv_out.h: the ".csv" output of a conversion: RFC 4180, UTF-8, CRLF record ends, a
 * header of the output names, typed values in canonical text. NULL is an empty unquoted field; an
 * empty string is "". Fields holding the delimiter, a quote, CR, LF or edge blanks are quoted. */
#ifndef BUZZ_CONVERT_CSV_OUT_H
#define BUZZ_CONVERT_CSV_OUT_H

#include "buzz/types.h"

typedef struct buzz_csv_out buzz_csv_out;

/* Open the output (atomically: a temp file until commit) and write the header. */
BUZZ_NODISCARD buzz_status buzz_csv_out_open(buzz_csv_out **out, const char *path,
                                             const buzz_schema *schema, buzz_error *err);
BUZZ_NODISCARD buzz_status buzz_csv_out_write(buzz_csv_out *w, const buzz_typed_batch *tb,
                                              buzz_error *err);
/* Flush, fsync, rename into place; *out_bytes = size written. */
BUZZ_NODISCARD buzz_status buzz_csv_out_commit(buzz_csv_out *w, int64_t *out_bytes,
                                               buzz_error *err);
/* Free; removes the temp file if not committed. Accepts NULL. */
void buzz_csv_out_close(buzz_csv_out *w);
/* Append one field, quoted when needed. */
BUZZ_NODISCARD buzz_status buzz_csv_out_field(buzz_buf *b, const char *s, size_t len, char delim,
                                              buzz_error *err);

#endif
