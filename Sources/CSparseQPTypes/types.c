/* The header is include/sparseqp.h at the repository root (include/ here holds a symlink to it);
 * this file gives the target a source. */
#include "sparseqp.h"
