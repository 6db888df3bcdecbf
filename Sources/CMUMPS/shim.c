#include "cmumps_shim.h"

#include <dmumps_c.h>
#include <mpi.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct sqp_mumps {
    DMUMPS_STRUC_C id;
    /* In distributed mode: the number the worker ranks know this instance by. */
    int number;
};

/* Distributed mode (sqp_mumps_distributed_begin on every rank of an mpirun with more than one
 * rank): rank 0 (the host) owns the data and drives; before each MUMPS call it broadcasts a
 * command (create, run JOB, destroy, stop) to the other ranks, which run the same call on their
 * own instance of the same number (sqp_mumps_serve). The call lock keeps the commands in order. */
enum { CMD_STOP = 0, CMD_CREATE = 1, CMD_RUN = 2, CMD_DESTROY = 3 };
static int distributed = 0;
static int next_number = 1;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_error = 0;
static int thread_level = MPI_THREAD_SINGLE;
/* Serializes every MUMPS call in the process. MUMPS's C interface hands the user's array pointers to
 * its Fortran driver through process-wide variables (measured: two instances analysed at the same
 * time on two threads fail with INFOG(1) = -2 and an MPI_Comm_free error), so instances may live
 * on different threads but their calls run one at a time. */
static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;

static void finalize_at_exit(void) {
    int finalized = 1;
    MPI_Finalized(&finalized);
    if (!finalized) {
        pthread_mutex_lock(&call_lock);
        MPI_Finalize();
        pthread_mutex_unlock(&call_lock);
    }
}

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
    /* Under mpirun every rank that initialized MPI must finalize it, or mpirun reports an improper
     * exit (measured with -np 1); a singleton needs nothing. */
    if (getenv("OMPI_COMM_WORLD_SIZE")) atexit(finalize_at_exit);
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

static void silence(DMUMPS_STRUC_C *id) {
    id->icntl[0] = -1; id->icntl[1] = -1; id->icntl[2] = -1; id->icntl[3] = 0;
}

/* One MUMPS call; in distributed mode the host first tells the workers to make the same call. */
static void call(sqp_mumps *s, int command) {
    pthread_mutex_lock(&call_lock);
    if (distributed) {
        int message[3] = {command, s->number, command == CMD_CREATE ? s->id.sym : s->id.job};
        MPI_Bcast(message, 3, MPI_INT, 0, MPI_COMM_WORLD);
    }
    dmumps_c(&s->id);
    pthread_mutex_unlock(&call_lock);
}

static void stop_workers(void) {
    pthread_mutex_lock(&call_lock);
    if (distributed) {
        int message[3] = {CMD_STOP, 0, 0};
        MPI_Bcast(message, 3, MPI_INT, 0, MPI_COMM_WORLD);
        distributed = 0;
        int finalized = 1;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Finalize();
    }
    pthread_mutex_unlock(&call_lock);
}

int sqp_mumps_distributed_begin(void) {
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    if (!size || atoi(size) <= 1) return -1;
    if (sqp_mumps_mpi_init(NULL) != 0) return -1;
    int ranks = 1, rank = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (ranks <= 1) return -1;
    distributed = 1;
    if (rank == 0) atexit(stop_workers);
    return rank;
}

void sqp_mumps_serve(void) {
    /* Instances by number; numbers are assigned in order by the host, so a growing table suffices. */
    sqp_mumps **table = NULL;
    int capacity = 0;
    for (;;) {
        int message[3];
        MPI_Bcast(message, 3, MPI_INT, 0, MPI_COMM_WORLD);
        int command = message[0], number = message[1];
        if (command == CMD_STOP) break;
        if (number >= capacity) {
            int grown = capacity ? capacity : 16;
            while (grown <= number) grown *= 2;
            table = realloc(table, sizeof(sqp_mumps *) * (size_t)grown);
            memset(table + capacity, 0, sizeof(sqp_mumps *) * (size_t)(grown - capacity));
            capacity = grown;
        }
        if (command == CMD_CREATE) {
            sqp_mumps *s = calloc(1, sizeof(sqp_mumps));
            s->id.comm_fortran = (MUMPS_INT)MPI_Comm_c2f(MPI_COMM_WORLD);
            s->id.par = 1;
            s->id.sym = message[2];
            s->id.job = -1;
            dmumps_c(&s->id);
            silence(&s->id);
            table[number] = s;
        } else if (table[number]) {
            sqp_mumps *s = table[number];
            s->id.job = command == CMD_DESTROY ? -2 : message[2];
            dmumps_c(&s->id);
            if (command == CMD_DESTROY) { free(s); table[number] = NULL; }
        }
    }
    free(table);
    MPI_Finalize();
}

sqp_mumps *sqp_mumps_create(int sym, int world, int *error) {
    int rc = sqp_mumps_mpi_init(NULL);
    if (rc != 0) { if (error) *error = rc; return NULL; }
    sqp_mumps *s = calloc(1, sizeof(sqp_mumps));
    if (!s) { if (error) *error = -13; return NULL; }
    (void)world;
    s->id.comm_fortran = (MUMPS_INT)MPI_Comm_c2f(distributed ? MPI_COMM_WORLD : MPI_COMM_SELF);
    s->id.par = 1;
    s->id.sym = sym;
    s->id.job = -1;
    pthread_mutex_lock(&call_lock);
    s->number = next_number++;
    pthread_mutex_unlock(&call_lock);
    call(s, CMD_CREATE);
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
    call(s, CMD_DESTROY);
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
    call(s, CMD_RUN);
    return s->id.infog[0];
}

int sqp_mumps_info(const sqp_mumps *s, int i) { return s->id.info[i - 1]; }
int sqp_mumps_infog(const sqp_mumps *s, int i) { return s->id.infog[i - 1]; }
double sqp_mumps_rinfog(const sqp_mumps *s, int i) { return s->id.rinfog[i - 1]; }
