/* types/infer_internal.h: shared between infer.c and infer_file.c only. */
#ifndef BUZZ_INFER_INTERNAL_H
#define BUZZ_INFER_INTERNAL_H

#include "buzz/types.h"

/* A new empty state for `column_count` columns with like's options and null tokens. */
BUZZ_NODISCARD buzz_status buzz__infer_new_like(buzz_infer **out, const buzz_infer *like,
                                                size_t column_count, buzz_error *err);

/* Tests only: type every value through the general scanners, without the seen cache, the plain
 * number and ISO date fast paths or the short-value hash. The schema must come out the same. */
void buzz__infer_general_only(buzz_infer *inf, bool on);

#endif /* BUZZ_INFER_INTERNAL_H */
