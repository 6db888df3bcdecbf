/*
 * Flush-to-zero preload shim for the peer benchmarks (Benchmarks/peers/suite.py --flush-to-zero).
 *
 * SparseQP sets flush-to-zero while it computes (subnormal doubles cost ~100x on some x86 CPUs);
 * the peers (OSQP, Clarabel, PIQP) run as shipped with the default floating-point mode. Loaded with
 *   LD_PRELOAD=Benchmarks/peers/ftz_shim.so python ...
 * this constructor sets, before main() and before any thread is created (threads inherit the mode):
 *   x86-64 / i386: MXCSR FTZ (bit 15, results flushed) | DAZ (bit 6, subnormal inputs read as zero);
 *   arm64:         FPCR.FZ (bit 24, subnormal inputs and results flushed);
 *   elsewhere:     nothing.
 * Built by Benchmarks/peers/setup.sh: cc -O2 -shared -fPIC -o ftz_shim.so ftz_shim.c
 */
#include <stdint.h>

#define FTZ_SHIM_MXCSR_FTZ 0x8000u
#define FTZ_SHIM_MXCSR_DAZ 0x0040u
#define FTZ_SHIM_FPCR_FZ (UINT64_C(1) << 24)

__attribute__((constructor)) static void ftz_shim_enable(void) {
#if defined(__x86_64__) || defined(__i386__)
    uint32_t mxcsr;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    mxcsr |= FTZ_SHIM_MXCSR_FTZ | FTZ_SHIM_MXCSR_DAZ;
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
#elif defined(__aarch64__)
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr |= FTZ_SHIM_FPCR_FZ;
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#endif
}
