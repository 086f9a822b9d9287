/* util/cpu.c: run-time CPU feature detection, the only process-wide cache besides the test allocator
 * hook (set once under pthread_once). SIMD kernels are chosen from these answers when a handle opens;
 * the build itself never uses -mavx2 or -march=native. */
#include "buzz/util.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool has_avx2, has_avx512;

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}
#endif

static void detect(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return;
    bool osxsave = (c >> 27) & 1;
    bool avx = (c >> 28) & 1;
    if (!osxsave || !avx)
        return;
    uint64_t xcr0 = xgetbv0();
    bool os_ymm = (xcr0 & 0x6) == 0x6;
    bool os_zmm = (xcr0 & 0xE6) == 0xE6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return;
    bool avx2 = (b >> 5) & 1;
    bool bmi1 = (b >> 3) & 1;
    bool bmi2 = (b >> 8) & 1;
    bool avx512f = (b >> 16) & 1;
    bool avx512bw = (b >> 30) & 1;
    bool pclmul = false;
    if (__get_cpuid(1, &a, &b, &c, &d))
        pclmul = (c >> 1) & 1;
    has_avx2 = os_ymm && avx2 && bmi1 && bmi2 && pclmul;
    has_avx512 = has_avx2 && os_zmm && avx512f && avx512bw;
#endif
}

bool buzz_cpu_has_avx2(void)
{
    pthread_once(&once, detect);
    return has_avx2;
}

bool buzz_cpu_has_avx512(void)
{
    pthread_once(&once, detect);
    return has_avx512;
}

buzz_simd buzz_simd_best(void)
{
    if (buzz_cpu_has_avx512())
        return BUZZ_SIMD_AVX512;
    if (buzz_cpu_has_avx2())
        return BUZZ_SIMD_AVX2;
    return BUZZ_SIMD_SCALAR;
}

bool buzz_simd_supported(buzz_simd s)
{
    switch (s) {
    case BUZZ_SIMD_AUTO:
    case BUZZ_SIMD_SCALAR:
        return true;
    case BUZZ_SIMD_AVX2:
        return buzz_cpu_has_avx2();
    case BUZZ_SIMD_AVX512:
        return buzz_cpu_has_avx512();
    }
    return false;
}

const char *buzz_simd_name(buzz_simd s)
{
    switch (s) {
    case BUZZ_SIMD_AUTO:
        return "auto";
    case BUZZ_SIMD_SCALAR:
        return "scalar";
    case BUZZ_SIMD_AVX2:
        return "avx2";
    case BUZZ_SIMD_AVX512:
        return "avx512";
    }
    return "unknown";
}

buzz_status buzz_simd_parse(const char *name, buzz_simd *out, buzz_error *err)
{
    static const buzz_simd all[] = {BUZZ_SIMD_AUTO, BUZZ_SIMD_SCALAR, BUZZ_SIMD_AVX2,
                                    BUZZ_SIMD_AVX512};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(all); i++) {
        if (strcmp(name, buzz_simd_name(all[i])) == 0) {
            *out = all[i];
            return BUZZ_OK;
        }
    }
    return buzz_error_set(err, BUZZ_ERR_ARG,
                          "expected a SIMD kernel name (auto, scalar, avx2, avx512), found \"%.40s\"",
                          name);
}

unsigned buzz_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}
