#ifndef SPARSEQP_CALLOCATOR_H
#define SPARSEQP_CALLOCATOR_H
/// Serve large blocks from the heap and keep freed memory there (glibc mallopt), so repeated
/// large allocations reuse pages instead of faulting in fresh zeroed ones. Returns 1 on success,
/// 0 where glibc's mallopt is unavailable. Process-wide: call it from the process' owner.
int sparseqp_tune_allocator(void);
#endif
