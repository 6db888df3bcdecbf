#ifndef SPARSEQP_CSUITESPARSE_SHIM_H
#define SPARSEQP_CSUITESPARSE_SHIM_H
// Debian: libsuitesparse-dev installs the headers under /usr/include/suitesparse.
#include <suitesparse/cholmod.h>
#endif
