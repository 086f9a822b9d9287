/* csv/dispatch.c: picks the tokenizer and tracker kernels once per reader (STYLE.md section 8).
 * The CPU is asked here, never inside a loop; SIMD kernels exist only on x86-64. */
#include "csv_internal.h"

buzz__csv_scan_fn buzz__csv_pick_scan(buzz_simd want)
{
    if (want == BUZZ_SIMD_AUTO)
        want = buzz_simd_best();
    switch (want) {
    case BUZZ_SIMD_SCALAR:
        return buzz__csv_scan_scalar;
#if defined(__x86_64__)
    case BUZZ_SIMD_AVX2:
        return buzz_cpu_has_avx2() ? buzz__csv_scan_avx2 : NULL;
    case BUZZ_SIMD_AVX512:
        return buzz_cpu_has_avx512() ? buzz__csv_scan_avx512 : NULL;
#endif
    default:
        return NULL;
    }
}

buzz__csv_count_fn buzz__csv_pick_count(buzz_simd want)
{
    if (want == BUZZ_SIMD_AUTO)
        want = buzz_simd_best();
    switch (want) {
    case BUZZ_SIMD_SCALAR:
        return buzz__csv_count_byte_scalar;
#if defined(__x86_64__)
    case BUZZ_SIMD_AVX2:
    case BUZZ_SIMD_AVX512:
        return buzz_cpu_has_avx2() ? buzz__csv_count_byte_avx2 : NULL;
#endif
    default:
        return NULL;
    }
}

buzz__csv_track_fn buzz__csv_pick_track(buzz_simd want)
{
    if (want == BUZZ_SIMD_AUTO)
        want = buzz_simd_best();
    switch (want) {
    case BUZZ_SIMD_SCALAR:
        return buzz__csv_track_scalar;
#if defined(__x86_64__)
    case BUZZ_SIMD_AVX2:
        return buzz_cpu_has_avx2() ? buzz__csv_track_avx2 : NULL;
    case BUZZ_SIMD_AVX512:
        return buzz_cpu_has_avx512() ? buzz__csv_track_avx512 : NULL;
#endif
    default:
        return NULL;
    }
}
