#include "callocator.h"
#include <limits.h>   /* defines __GLIBC__ (through features.h) on glibc systems */
#if defined(__GLIBC__)
#include <malloc.h>
int sparseqp_tune_allocator(void) {
    int a = mallopt(M_MMAP_MAX, 0);
    int b = mallopt(M_TRIM_THRESHOLD, INT_MAX);
    return a == 1 && b == 1;
}
#else
int sparseqp_tune_allocator(void) { return 0; }
#endif
