/*
 * sparseqp.h: the C interface of SparseQP (libsparseqp_c.so).
 *
 * Solves  minimize ½xᵀPx + qᵀx  subject to  l ≤ Ax ≤ u  (P positive semidefinite, stored as its
 * upper triangle) and differentiates the solution with respect to (P, q, A, l, u).
 *
 * Conventions
 * - Matrices are CSC, 0-based, 64-bit indices (sqp_csc). Within a column, row indices are strictly
 *   increasing. P is the upper triangle (row ≤ column) of a symmetric matrix. Gradients and
 *   directions for P and A are values on P's and A's patterns (same order as their values).
 * - Infinite bounds are ±HUGE_VAL (IEEE infinity); NaN is rejected everywhere.
 * - Every function that can fail returns an sqp_error. SQP_OK is 0. After a failure,
 *   sqp_*_error_message(handle) returns a message naming the argument, index or status. No function
 *   aborts, raises or longjmps on bad input; pointers and lengths are checked before use (a length
 *   that does not match the buffer behind the pointer cannot be detected: pass the real length).
 * - A solve that ends without a solution (infeasible, iteration limit, ...) is not an error: it
 *   returns SQP_OK with the status in sqp_info.status (status names as the CLI's JSON:
 *   sqp_status_name). Derivatives at a point that is not solved are an error (SQP_ERR_NOT_SOLVED).
 *
 * Thread safety
 * - sqp_settings_default, sqp_status_name, sqp_version, sqp_struct_size: thread-safe.
 * - A handle (sqp_solver, sqp_layer) is not thread-safe: calls on one handle must not overlap.
 *   Different handles are independent and may be used from different threads at the same time.
 * - sqp_layer_forward / sqp_layer_backward / sqp_layer_jvp use up to sqp_settings.workers threads internally; they
 *   return only when that work is done.
 * - The string returned by sqp_*_error_message stays valid until the next call on that handle.
 */
#ifndef SPARSEQP_H
#define SPARSEQP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SQP_API_VERSION 2  /* 2: sqp_layer_jvp, layer failure modes, sqp_solver_update_matrix_entries */

typedef enum {
    SQP_OK = 0,
    SQP_ERR_NULL_POINTER = 1,      /* a required pointer was NULL */
    SQP_ERR_INVALID_ARGUMENT = 2,  /* a length, index, pattern or value (NaN, ±inf) is invalid */
    SQP_ERR_INVALID_SETTINGS = 3,  /* a setting out of range, or one that cannot change after setup */
    SQP_ERR_INVALID_PROBLEM = 4,   /* the data do not form a valid QP (l > u, P below diagonal, ...) */
    SQP_ERR_FACTORIZATION = 5,     /* a linear system could not be factorized */
    SQP_ERR_NOT_SOLVED = 6,        /* a derivative was asked at a point the solver did not reach */
    SQP_ERR_DERIVATIVE = 7,        /* the backward pass failed (ambiguous active set, ...) */
    SQP_ERR_STATE = 8,             /* call out of order (no setup, no solve, no forward) */
    SQP_ERR_INTERNAL = 9
} sqp_error;

/* Solve status (sqp_info.status); names from sqp_status_name. */
typedef enum {
    SQP_SOLVED = 0,
    SQP_SOLVED_INACCURATE = 1,
    SQP_PRIMAL_INFEASIBLE = 2,
    SQP_PRIMAL_INFEASIBLE_INACCURATE = 3,
    SQP_DUAL_INFEASIBLE = 4,
    SQP_DUAL_INFEASIBLE_INACCURATE = 5,
    SQP_MAX_ITERATIONS = 6,
    SQP_TIME_LIMIT = 7,
    SQP_NON_CONVEX = 8,
    SQP_CANCELLED = 9,
    SQP_NUMERICAL_ERROR = 10
} sqp_status;

/* "solved", "solved_inaccurate", "primal_infeasible", ..., "numerical_error"; "unknown" otherwise.
 * Static strings. Thread-safe. */
const char *sqp_status_name(int32_t status);
/* Library version string ("0.1.0"). Thread-safe. */
const char *sqp_version(void);
/* sizeof the library's struct named "sqp_settings", "sqp_info", "sqp_profile",
 * "sqp_backward_info" or "sqp_csc" (-1 for another name or NULL): lets a binding check its layout.
 * Thread-safe. */
int64_t sqp_struct_size(const char *name);

/* A CSC matrix (0-based). For a pattern only, values may be NULL where a function says so. */
typedef struct {
    int64_t rows;
    int64_t cols;
    int64_t nnz;
    const int64_t *colptr;  /* cols + 1 entries, colptr[0] = 0, colptr[cols] = nnz */
    const int64_t *rowind;  /* nnz entries */
    const double *values;   /* nnz entries */
} sqp_csc;

/* Settings. Always start from sqp_settings_default (it sets struct_size, which every function
 * checks against the library's sizeof(sqp_settings)). Booleans are 0/1. */
typedef struct {
    int64_t struct_size;
    /* solver (defaults are SparseQP's, documented in Sources/ADMM/Settings.swift) */
    double rho;                  /* 0.1 */
    double sigma;                /* 1e-6 (setup only) */
    double alpha;                /* 1.6 */
    double eps_abs;              /* 1e-3 */
    double eps_rel;              /* 1e-3 */
    double eps_prim_inf;         /* 1e-4 */
    double eps_dual_inf;         /* 1e-4 */
    int64_t max_iter;            /* 4000 */
    int64_t check_termination;   /* 25 */
    int64_t scaling;             /* 10 Ruiz passes, 0 = off (setup only) */
    int32_t adaptive_rho;        /* 1 */
    int32_t polishing;           /* 1 */
    int32_t interior_point;      /* 1: interior-point fallback stage */
    int32_t warm_starting;       /* 1 */
    int32_t verbose;             /* 0: 1 writes the iteration log to stderr */
    int32_t strategy;            /* 0 auto, 1 quasi-definite KKT, 2 reduced (setup only) */
    double time_limit;           /* seconds, 0 = none; ≥ 1e9 (OSQP's 1e10 default) also none */
    /* derivatives */
    int32_t rule;                /* 0 kkt (implicit KKT), 1 fixed_point (ADMM fixed point) */
    int32_t allow_inaccurate;    /* 0: derivatives only at status solved */
    int32_t allow_ambiguous;     /* 0: an active set the forward accuracy cannot decide is an error */
    int32_t crossover;           /* 1: certify the active set by crossover before differentiating */
    double derivative_regularization; /* 1e-7 */
    /* batched layer */
    int64_t workers;             /* 0 = all cores */
    /* added after the first release (struct_size tells the versions apart) */
    int32_t method;              /* 0 auto (default: the interior-point method first when every
                                    constrained row is an inequality, else ADMM), 1 admm,
                                    2 interior_point */
} sqp_settings;

/* Fills *settings with the defaults (NULL is ignored). Thread-safe. */
void sqp_settings_default(sqp_settings *settings);

typedef struct {
    int32_t status;              /* sqp_status */
    int32_t polish;              /* 0 not run, 1 succeeded, 2 rejected, 3 failed */
    int32_t interior_point;      /* 0 not run, 1 succeeded, 2 failed */
    int32_t has_solution;        /* 1 when x, y hold a point (0: infeasible, non-convex, numerical error) */
    int64_t iterations;
    int64_t interior_point_iterations;
    int64_t rho_updates;
    double objective;
    double primal_residual;      /* ‖Ax − z‖∞ */
    double dual_residual;        /* ‖Px + q + Aᵀy‖∞ */
    double duality_gap;
    double rho;
    double setup_time;           /* seconds */
    double solve_time;
    double polish_time;
    double interior_point_time;
    double run_time;
    int32_t method;              /* the method run first: 1 admm, 2 interior_point */
} sqp_info;

typedef struct {
    int32_t strategy;            /* 1 quasi-definite KKT (LDLᵀ), 2 reduced (LLᵀ) */
    int32_t ordering;            /* 0 auto, 1 amd, 2 metis */
    int64_t dimension;
    int64_t matrix_nonzeros;
    int64_t symbolic_analyses;
    double symbolic_time;
    int64_t selection_analyses;
    double selection_time;
    int64_t numeric_factorizations;
    double numeric_time;
    int64_t solves;
    double solve_time;
    int64_t refinement_steps;
    int64_t nonzeros_in_L;
    double predicted_nonzeros_in_L;
    double predicted_flops;
    int64_t peak_memory_bytes;
} sqp_profile;

/* What a derivative means and how accurate it is (the four contracts; see Sources/Implicit). */
typedef struct {
    int32_t forward_status;      /* sqp_status at which the derivative was taken */
    int32_t rule;                /* 0 kkt, 1 fixed_point */
    int64_t upper_active;
    int64_t lower_active;
    int64_t equality;
    int64_t weakly_active;       /* tight rows with |y| ≤ τ, released */
    int64_t inactive;
    int64_t active_rows;
    int64_t ambiguous_rows;      /* rows the forward accuracy cannot classify; 0 when certified */
    int32_t active_set_ambiguous;
    int32_t active_set_certified;/* crossover reached an exact solution */
    int32_t multipliers_unique;  /* 1 yes, 0 no (dependent active rows), -1 not determined */
    int32_t degenerate;          /* weakly active rows or non-unique multipliers */
    int32_t differentiable;      /* known to be a true derivative */
    int32_t one_sided;           /* this JVP is the one-sided directional derivative */
    int32_t converged;           /* the backward solve met its tolerance */
    int32_t factorization_reused;
    double dual_activity_tolerance;
    double regularization;
    double forward_eps_abs;
    double forward_eps_rel;
    double forward_primal_residual;
    double forward_dual_residual;
    int64_t refinement_steps;
    double residual;
    int64_t numeric_factorizations;
    int64_t symbolic_analyses_total;
    int64_t least_squares_iterations;
    int64_t pieces;
    int64_t enforced_weakly_active;
    int64_t crossover_rounds;
    int64_t crossover_factorizations;
    int32_t crossover_resolved;
    int32_t reserved;
    double distance_to_returned_point;
    double identification_time;
    double time;
} sqp_backward_info;

/* ---------------------------------------------------------------- solver
 * Every sqp_solver_* function below taking a handle: safe to call from any thread, but not
 * concurrently with another call on the same handle (no internal lock); calls on different
 * handles run concurrently. */

typedef struct sqp_solver sqp_solver;

/* A new, empty handle (NULL only when memory is exhausted). Free with sqp_solver_free. Thread-safe. */
sqp_solver *sqp_solver_new(void);
/* Frees the handle and everything it owns. NULL is accepted. Not concurrently with any other call
 * on this handle; thread-safe otherwise. */
void sqp_solver_free(sqp_solver *solver);
/* The message of the last failed call on this handle ("" after a success). Never NULL for a
 * non-NULL handle. */
const char *sqp_solver_error_message(const sqp_solver *solver);

/* Validates and sets up the problem (scaling, symbolic analysis, first factorization). P is n×n
 * (upper triangle), A is m×n, q has n entries, l and u m entries. A previous setup is discarded. */
sqp_error sqp_solver_setup(sqp_solver *solver, const sqp_settings *settings,
                           const sqp_csc *P, const double *q, int64_t q_len,
                           const sqp_csc *A, const double *l, int64_t l_len,
                           const double *u, int64_t u_len);

/* n, m, nnz(P), nnz(A) of the set-up problem (any output may be NULL). */
sqp_error sqp_solver_dimensions(const sqp_solver *solver, int64_t *n, int64_t *m,
                                int64_t *P_nnz, int64_t *A_nnz);

/* Solves. x (n entries) and y (m entries) receive the point (NaN when info.has_solution is 0);
 * any of x, y, info may be NULL. Returns SQP_OK whatever the status. */
sqp_error sqp_solver_solve(sqp_solver *solver, double *x, double *y, sqp_info *info);

/* Starts the next solve from x (n) and/or y (m); either may be NULL (then its length is ignored). */
sqp_error sqp_solver_warm_start(sqp_solver *solver, const double *x, int64_t x_len,
                                const double *y, int64_t y_len);

/* New q (n), l (m), u (m): any may be NULL to keep the current one. */
sqp_error sqp_solver_update_vectors(sqp_solver *solver, const double *q, int64_t q_len,
                                    const double *l, int64_t l_len, const double *u, int64_t u_len);

/* New values of P (on its pattern, nnz(P)) and/or A (nnz(A)); either may be NULL. One numeric
 * refactorization, no new symbolic analysis. */
sqp_error sqp_solver_update_matrices(sqp_solver *solver, const double *P_values, int64_t P_len,
                                     const double *A_values, int64_t A_len);

/* OSQP's partial update by index: for k < P_count, the value at position P_indices[k] of P's values
 * (0-based, CSC order of the stored upper triangle, as returned by setup) becomes P_values[k];
 * likewise A. P_indices NULL: P_values holds all nnz(P) values and P_count must be nnz(P).
 * P_values NULL: P is unchanged (P_indices and P_count are ignored). A repeated index keeps its last
 * value. An index outside 0..nnz−1 is SQP_ERR_INVALID_ARGUMENT with a message naming its position
 * and value ("P_indices[2] = 9 is out of range (0..<5, nnz(P))"); nothing is changed then.
 * One numeric refactorization, no new symbolic analysis. */
sqp_error sqp_solver_update_matrix_entries(sqp_solver *solver,
                                           const double *P_values, const int64_t *P_indices, int64_t P_count,
                                           const double *A_values, const int64_t *A_indices, int64_t A_count);

/* New settings. Setup-only settings (sigma, scaling, strategy) must not change. */
sqp_error sqp_solver_update_settings(sqp_solver *solver, const sqp_settings *settings);

/* The factorization profile of the solver (counts and times so far). */
sqp_error sqp_solver_profile(const sqp_solver *solver, sqp_profile *profile);

/* Reverse mode at the last solve: gradients of dxᵀx* + dyᵀy* with respect to P (values on P's
 * pattern, nnz(P) entries), q (n), A (nnz(A)), l (m), u (m). dy may be NULL (zero). Every output
 * pointer is required. info may be NULL. The derivative rule and options come from the settings. */
sqp_error sqp_solver_adjoint(sqp_solver *solver, const double *dx, int64_t dx_len,
                             const double *dy, int64_t dy_len,
                             double *dP, double *dq, double *dA, double *dl, double *du,
                             sqp_backward_info *info);

/* Forward mode at the last solve: (dx*, dy*) along a direction in the data. Each direction input
 * may be NULL (zero); dP has nnz(P) entries on P's pattern, dA nnz(A). dx_out (n) and dy_out (m)
 * are required; info may be NULL. */
sqp_error sqp_solver_jvp(sqp_solver *solver, const double *dP, int64_t dP_len,
                         const double *dq, int64_t dq_len, const double *dA, int64_t dA_len,
                         const double *dl, int64_t dl_len, const double *du, int64_t du_len,
                         double *dx_out, double *dy_out, sqp_backward_info *info);

/* ---------------------------------------------------------------- batched layer
 * Every sqp_layer_* function taking a handle: not concurrently with another call on the same
 * handle; different handles run concurrently. sqp_layer_new is thread-safe. forward/backward/jvp use
 * up to settings.workers threads of their own (0 = all cores) and return when they are done. */

typedef struct sqp_layer sqp_layer;

sqp_layer *sqp_layer_new(void);
void sqp_layer_free(sqp_layer *layer);
const char *sqp_layer_error_message(const sqp_layer *layer);
/* After a failed forward/backward that concerned one batch element: its index; -1 otherwise. */
int64_t sqp_layer_failed_element(const sqp_layer *layer);
/* After SQP_ERR_NOT_SOLVED from sqp_layer_forward: the element's sqp_status; -1 otherwise. */
int32_t sqp_layer_failed_status(const sqp_layer *layer);

/* Fixes the sparsity patterns (P: n×n upper triangle, A: m×n; their values are ignored and may be
 * NULL) and the settings. */
sqp_error sqp_layer_setup(sqp_layer *layer, const sqp_settings *settings,
                          const sqp_csc *P_pattern, const sqp_csc *A_pattern);

/* Solves a batch of `batch` QPs on the patterns: arrays are element-major, P_values batch×nnz(P),
 * q batch×n, A_values batch×nnz(A), l and u batch×m. One symbolic analysis for the whole batch
 * (the Ruiz scaling of element 0 is used for every element), elements spread over the workers.
 * Writes x (batch×n, required), y (batch×m, may be NULL), info (batch entries, may be NULL).
 * Every element must reach status solved (or a point with allow_inaccurate): otherwise
 * SQP_ERR_NOT_SOLVED, sqp_layer_failed_element gives the element (the first in index order),
 * sqp_layer_failed_status its status, and the message both. On any failure the outputs are not
 * written and the layer holds no batch to differentiate. */
sqp_error sqp_layer_forward(sqp_layer *layer, int64_t batch,
                            const double *P_values, const double *q, const double *A_values,
                            const double *l, const double *u,
                            double *x, double *y, sqp_info *info);

/* Reverse mode for the last forward batch: dx batch×n (required), dy batch×m (may be NULL);
 * outputs dP batch×nnz(P), dq batch×n, dA batch×nnz(A), dl and du batch×m (all required); info
 * (batch entries) may be NULL. The adjoints reuse the forward's symbolic analysis. */
sqp_error sqp_layer_backward(sqp_layer *layer, int64_t batch, const double *dx, const double *dy,
                             double *dP, double *dq, double *dA, double *dl, double *du,
                             sqp_backward_info *info);

/* Forward mode for the last forward batch: (dx*, dy*) of every element along its own direction in
 * the data, element-major like sqp_layer_forward's inputs: dP batch×nnz(P), dq batch×n,
 * dA batch×nnz(A), dl and du batch×m; each may be NULL (a zero direction). Writes dx_out batch×n
 * (required), dy_out batch×m (may be NULL), info (batch entries, may be NULL). Same prepared
 * derivative systems, workers and symbolic analysis as sqp_layer_backward (no new analysis); may be
 * called any number of times after one forward, interleaved with sqp_layer_backward. Failures as
 * sqp_layer_backward (the element's index in the message and sqp_layer_failed_element). */
sqp_error sqp_layer_jvp(sqp_layer *layer, int64_t batch, const double *dP, const double *dq,
                        const double *dA, const double *dl, const double *du,
                        double *dx_out, double *dy_out, sqp_backward_info *info);

/* Failure mode of forward/backward/jvp (default SQP_LAYER_RAISE):
 * - SQP_LAYER_RAISE: the first failing element (index order) fails the whole call, as documented
 *   above.
 * - SQP_LAYER_REPORT: an element that fails (not solved, values rejected, derivative failure) does
 *   not fail the call: its outputs (x and y; gradients; dx, dy) are NaN, its sqp_backward_info is
 *   all zero, its sqp_info has has_solution = 0 (status -1 when its values were rejected, so there
 *   was no solve), and sqp_layer_element_error / _status / _message describe it. The call returns
 *   SQP_OK unless something concerns the whole batch (arguments, element 0's problem that fixes the
 *   scaling, ...). The other elements are computed and can be differentiated.
 * Not concurrently with another call on the same handle. */
#define SQP_LAYER_RAISE 0
#define SQP_LAYER_REPORT 1
sqp_error sqp_layer_set_failure_mode(sqp_layer *layer, int32_t mode);
/* After the last forward/backward/jvp call: the number of elements that failed (report mode; 0 in
 * raise mode or for a NULL handle). */
int64_t sqp_layer_failed_count(const sqp_layer *layer);
/* The failure of `element` in the last forward/backward/jvp call (report mode): its error code
 * (SQP_OK when it succeeded or the index is out of range), its status when it was not solved (-1
 * otherwise) and its message ("" when none; valid until the next call on this handle). */
sqp_error sqp_layer_element_error(const sqp_layer *layer, int64_t element);
int32_t sqp_layer_element_status(const sqp_layer *layer, int64_t element);
const char *sqp_layer_element_message(const sqp_layer *layer, int64_t element);

/* Symbolic analyses done by the last forward (1 for any batch size). */
int64_t sqp_layer_symbolic_analyses(const sqp_layer *layer);

#ifdef __cplusplus
}
#endif
#endif
