#ifndef SPARSEQP_CMUMPS_SHIM_H
#define SPARSEQP_CMUMPS_SHIM_H
/* A small C interface to MUMPS (double precision, dmumps_c) for SparseQP's KKT module. The MUMPS
 * structure and MPI stay behind it: Swift sees an opaque handle and plain integers and pointers.
 *
 * MPI: the first call of sqp_mumps_create initializes MPI once per process (MPI_Init_thread asking
 * for MPI_THREAD_MULTIPLE), unless the program did already. Instances on MPI_COMM_SELF are
 * independent and may be used from different threads, but every MUMPS call (all instances) is
 * serialized by a process-wide lock: MUMPS's C interface passes array pointers to its Fortran
 * driver through process-wide variables. One instance must never be used by two threads at once. */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sqp_mumps sqp_mumps;

/* Initializes MPI if needed (thread-safe, once per process). Returns 0 on success, else the MPI
 * error code. `provided` (may be NULL) receives the thread level MPI granted (0 single … 3
 * multiple). Note: OpenMPI's MPI_Init writes OMPI_* / PMIX_* variables into this process'
 * environment (e.g. OMPI_MCA_ess=singleton); a program that later starts `mpirun` itself must
 * remove them from that child's environment. */
int sqp_mumps_mpi_init(int *provided);
/* The number of ranks of MPI_COMM_WORLD and this process' rank (1 and 0 without a launcher).
 * Initialize MPI. */
int sqp_mumps_world_size(void);
int sqp_mumps_world_rank(void);

/* Distributed mode, for a program started by OpenMPI's mpirun with more than one rank: call it
 * on every rank before any other function here. Returns -1 when not distributed (no launcher, one
 * rank, or MPI failed): nothing changes. Otherwise returns this rank: rank 0 (the host) then
 * creates its instances on MPI_COMM_WORLD and drives the other ranks, which must call
 * sqp_mumps_serve; at the host's exit the workers are stopped and MPI is finalized. */
int sqp_mumps_distributed_begin(void);
/* On a worker rank (sqp_mumps_distributed_begin() > 0): makes the host's MUMPS calls on this rank
 * until the host exits, then finalizes MPI. */
void sqp_mumps_serve(void);

/* A MUMPS instance (JOB = -1) on MPI_COMM_SELF, or MPI_COMM_WORLD in distributed mode (`world` is
 * ignored), with
 * SYM = `sym` (0 unsymmetric, 1 positive definite, 2 general symmetric), the host working (PAR = 1).
 * Returns NULL and sets *error (INFOG(1), or the MPI error) on failure. */
sqp_mumps *sqp_mumps_create(int sym, int world, int *error);
/* Frees the instance (JOB = -2). NULL is allowed. */
void sqp_mumps_destroy(sqp_mumps *s);

/* ICNTL(i) and CNTL(i) with MUMPS's 1-based numbering. */
void sqp_mumps_set_icntl(sqp_mumps *s, int i, int value);
void sqp_mumps_set_cntl(sqp_mumps *s, int i, double value);
int sqp_mumps_icntl(const sqp_mumps *s, int i);

/* The assembled matrix in coordinate form: dimension n, nnz entries, 1-based row and column
 * indices and values (upper or lower triangle for SYM ≠ 0). The arrays are not copied: they must
 * stay valid and unmoved for every later call on this instance. */
void sqp_mumps_set_matrix(sqp_mumps *s, int n, int64_t nnz, const int *irn, const int *jcn, double *a);
/* The dense right-hand side (length n), overwritten by the solution at JOB = 3. Not copied. */
void sqp_mumps_set_rhs(sqp_mumps *s, double *rhs);

/* Runs JOB (1 analysis, 2 factorization, 3 solve, …); returns INFOG(1). */
int sqp_mumps_run(sqp_mumps *s, int job);

/* INFO(i), INFOG(i), RINFO(i), RINFOG(i) with MUMPS's 1-based numbering. */
int sqp_mumps_info(const sqp_mumps *s, int i);
int sqp_mumps_infog(const sqp_mumps *s, int i);
double sqp_mumps_rinfog(const sqp_mumps *s, int i);

#ifdef __cplusplus
}
#endif
#endif
