#ifndef SPARSEQP_CSUITESPARSE_SHIM_H
#define SPARSEQP_CSUITESPARSE_SHIM_H
// Debian: libsuitesparse-dev installs the headers under /usr/include/suitesparse.
#include <suitesparse/cholmod.h>
// LAPACK's dense Cholesky (OpenBLAS's LAPACK through Debian's liblapack.so.3; 32-bit integers, as
// CHOLMOD itself calls it), for KKT's convexity test on small dense blocks.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
#endif
