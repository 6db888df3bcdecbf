// OpenMPI's C header. Only the CMUMPS shim includes it; this target exists to take MPI's include
// and library paths from pkg-config (Debian's libopenmpi-dev installs them outside /usr/include).
#include <mpi.h>
