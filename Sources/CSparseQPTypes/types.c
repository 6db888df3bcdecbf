/* The header lives in include/sparseqp.h; this file gives the target a source. */
#include "sparseqp.h"
