#include "cmumps_shim.h"

#include <dmumps_c.h>
#include <mpi.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct sqp_mumps {
    DMUMPS_STRUC_C id;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_error = 0;
static int thread_level = MPI_THREAD_SINGLE;
/* Serializes every MUMPS call in the process. MUMPS's C interface hands the user's array pointers to
 * its Fortran driver through process-wide variables (measured: two instances analysed at the same
 * time on two threads fail with INFOG(1) = -2 and an MPI_Comm_free error), so instances may live
 * on different threads but their calls run one at a time. */
static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;

static void init_mpi(void) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) {
        MPI_Query_thread(&thread_level);
        return;
    }
    /* Started without a launcher (no mpirun), OpenMPI's singleton MPI_Init forks an `orted` daemon
     * (measured with strace). A fork while another thread is inside a multithreaded OpenBLAS call
     * (CHOLMOD's supernodal factorization) deadlocks that call; the isolated singleton starts no
     * daemon (it only loses MPI_Comm_spawn, which SparseQP does not use). A user's own setting wins. */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK")) {
        setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
    }
    int provided = MPI_THREAD_SINGLE;
    int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided);
    if (rc != MPI_SUCCESS) { init_error = rc; return; }
    thread_level = provided;
}

int sqp_mumps_mpi_init(int *provided) {
    pthread_once(&init_once, init_mpi);
    if (provided) *provided = thread_level;
    return init_error;
}

int sqp_mumps_world_size(void) {
    if (sqp_mumps_mpi_init(NULL) != 0) return 1;
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

int sqp_mumps_world_rank(void) {
    if (sqp_mumps_mpi_init(NULL) != 0) return 0;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

static void call(DMUMPS_STRUC_C *id) {
    pthread_mutex_lock(&call_lock);
    dmumps_c(id);
    pthread_mutex_unlock(&call_lock);
}

sqp_mumps *sqp_mumps_create(int sym, int world, int *error) {
    int rc = sqp_mumps_mpi_init(NULL);
    if (rc != 0) { if (error) *error = rc; return NULL; }
    sqp_mumps *s = calloc(1, sizeof(sqp_mumps));
    if (!s) { if (error) *error = -13; return NULL; }
    s->id.comm_fortran = (MUMPS_INT)MPI_Comm_c2f(world ? MPI_COMM_WORLD : MPI_COMM_SELF);
    s->id.par = 1;
    s->id.sym = sym;
    s->id.job = -1;
    call(&s->id);
    if (s->id.infog[0] < 0) {
        if (error) *error = s->id.infog[0];
        free(s);
        return NULL;
    }
    if (error) *error = 0;
    return s;
}

void sqp_mumps_destroy(sqp_mumps *s) {
    if (!s) return;
    s->id.job = -2;
    call(&s->id);
    free(s);
}

void sqp_mumps_set_icntl(sqp_mumps *s, int i, int value) { s->id.icntl[i - 1] = value; }
void sqp_mumps_set_cntl(sqp_mumps *s, int i, double value) { s->id.cntl[i - 1] = value; }
int sqp_mumps_icntl(const sqp_mumps *s, int i) { return s->id.icntl[i - 1]; }

void sqp_mumps_set_matrix(sqp_mumps *s, int n, int64_t nnz, const int *irn, const int *jcn, double *a) {
    s->id.n = n;
    s->id.nnz = nnz;
    s->id.nz = 0;
    s->id.irn = (MUMPS_INT *)irn;
    s->id.jcn = (MUMPS_INT *)jcn;
    s->id.a = a;
}

void sqp_mumps_set_rhs(sqp_mumps *s, double *rhs) {
    s->id.rhs = rhs;
    s->id.nrhs = 1;
    s->id.lrhs = s->id.n;
}

int sqp_mumps_run(sqp_mumps *s, int job) {
    s->id.job = job;
    call(&s->id);
    return s->id.infog[0];
}

int sqp_mumps_info(const sqp_mumps *s, int i) { return s->id.info[i - 1]; }
int sqp_mumps_infog(const sqp_mumps *s, int i) { return s->id.infog[i - 1]; }
double sqp_mumps_rinfog(const sqp_mumps *s, int i) { return s->id.rinfog[i - 1]; }
