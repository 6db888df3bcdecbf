/* Test program of the C API (sparseqp.h), compiled and run by CAPITests.swift.
 * Checks: a known optimum, all five adjoint gradients and a JVP against central finite
 * differences, updates and warm start, the profile, the batched layer against the solver, and
 * the error codes and messages for bad input. Exit status 0 when every check passed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sparseqp.h"

static int checks = 0, failures = 0;

#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; \
    fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); } } while (0)

/* OSQP's demo problem: P = [4 1; 1 2], q = [1 1], A = [1 1; 1 0; 0 1], l = [1 0 0], u = [1 .7 .7].
 * Optimum x = (0.3, 0.7), y = (-2.9, 0, 0.2). */
static const int64_t demoPp[] = {0, 1, 3}, demoPi[] = {0, 0, 1};
static const double demoPx[] = {4, 1, 2};
static const int64_t demoAp[] = {0, 2, 4}, demoAi[] = {0, 1, 0, 2};
static const double demoAx[] = {1, 1, 1, 1};
static const double demoQ[] = {1, 1}, demoL[] = {1, 0, 0}, demoU[] = {1, 0.7, 0.7};

/* A 3-variable problem with a strictly complementary solution for the finite differences:
 * P tridiagonal (upper), one equality row Σx = 1, bounds 0 ≤ x ≤ 0.6. */
#define N 3
#define M 4
static const int64_t Pp[] = {0, 1, 3, 5}, Pi[] = {0, 0, 1, 1, 2};
static double Px[] = {2, 0.5, 2, 0.5, 3};
static const int64_t Ap[] = {0, 2, 4, 6}, Ai[] = {0, 1, 0, 2, 0, 3};
static double Ax[] = {1, 1, 1, 1, 1, 1};
static double q[] = {-1, -2, -1}, l[] = {1, 0, 0, 0}, u[] = {1, 0.6, 0.6, 0.6};
#define PNNZ 5
#define ANNZ 6

static sqp_settings tight(void) {
    sqp_settings s;
    sqp_settings_default(&s);
    s.eps_abs = 1e-10;
    s.eps_rel = 1e-10;
    s.max_iter = 100000;
    return s;
}

static sqp_solver *setupSmall(const sqp_settings *s) {
    sqp_csc P = {N, N, PNNZ, Pp, Pi, Px}, A = {M, N, ANNZ, Ap, Ai, Ax};
    sqp_solver *solver = sqp_solver_new();
    sqp_error e = sqp_solver_setup(solver, s, &P, q, N, &A, l, M, u, M);
    CHECK(e == SQP_OK, "setup: %s", sqp_solver_error_message(solver));
    return solver;
}

/* Loss L = w·x* at the current data (a fresh solve). */
static const double w[N] = {1.0, -2.0, 0.5};
static double loss(void) {
    sqp_settings s = tight();
    sqp_solver *solver = setupSmall(&s);
    double x[N];
    sqp_info info;
    sqp_solver_solve(solver, x, NULL, &info);
    CHECK(info.status == SQP_SOLVED, "finite-difference solve status %s", sqp_status_name(info.status));
    sqp_solver_free(solver);
    return w[0] * x[0] + w[1] * x[1] + w[2] * x[2];
}

static double fd(double *entry) {
    const double h = 1e-6, saved = *entry;
    *entry = saved + h; double up = loss();
    *entry = saved - h; double down = loss();
    *entry = saved;
    return (up - down) / (2 * h);
}

static void testKnownOptimum(void) {
    sqp_settings s = tight();
    s.time_limit = 1e10; /* OSQP's default: no limit in practice */
    sqp_csc P = {2, 2, 3, demoPp, demoPi, demoPx}, A = {3, 2, 4, demoAp, demoAi, demoAx};
    sqp_solver *solver = sqp_solver_new();
    CHECK(sqp_solver_setup(solver, &s, &P, demoQ, 2, &A, demoL, 3, demoU, 3) == SQP_OK, "demo setup: %s",
          sqp_solver_error_message(solver));
    double x[2], y[3];
    sqp_info info;
    CHECK(sqp_solver_solve(solver, x, y, &info) == SQP_OK, "demo solve");
    CHECK(info.status == SQP_SOLVED && strcmp(sqp_status_name(info.status), "solved") == 0, "demo status %d", info.status);
    CHECK(fabs(x[0] - 0.3) < 1e-7 && fabs(x[1] - 0.7) < 1e-7, "demo x = (%g, %g)", x[0], x[1]);
    CHECK(fabs(y[0] + 2.9) < 1e-6 && fabs(y[1]) < 1e-6 && fabs(y[2] - 0.2) < 1e-6, "demo y = (%g, %g, %g)", y[0], y[1], y[2]);
    CHECK(fabs(info.objective - 1.88) < 1e-7, "demo objective %g", info.objective);
    CHECK(info.primal_residual < 1e-9 && info.dual_residual < 1e-9, "demo residuals %g %g", info.primal_residual, info.dual_residual);
    sqp_profile prof;
    CHECK(sqp_solver_profile(solver, &prof) == SQP_OK && prof.symbolic_analyses == 1 && prof.numeric_factorizations >= 1,
          "profile: analyses %lld", (long long)prof.symbolic_analyses);

    /* Update q and warm start: the new optimum of q = (2, 1): x = (0.3, 0.7) still? check KKT residual instead. */
    const double q2[] = {-2, 3};
    CHECK(sqp_solver_update_vectors(solver, q2, 2, NULL, 0, NULL, 0) == SQP_OK, "update q: %s", sqp_solver_error_message(solver));
    CHECK(sqp_solver_warm_start(solver, x, 2, y, 3) == SQP_OK, "warm start");
    sqp_solver_solve(solver, x, y, &info);
    /* q = (-2, 3): minimize over x0 + x1 = 1, 0 ≤ x ≤ 0.7 → x1 pushed down: x = (0.7, 0.3) with x0 at its bound. */
    CHECK(info.status == SQP_SOLVED && fabs(x[0] - 0.7) < 1e-7 && fabs(x[1] - 0.3) < 1e-7, "updated x = (%g, %g)", x[0], x[1]);
    const double P2[] = {4, 1, 2}, A2[] = {1, 1, 1, 1};
    CHECK(sqp_solver_update_matrices(solver, P2, 3, A2, 4) == SQP_OK, "update matrices");
    sqp_profile prof2;
    sqp_solver_profile(solver, &prof2);
    CHECK(prof2.symbolic_analyses == 1, "no new analysis after updates: %lld", (long long)prof2.symbolic_analyses);
    sqp_solver_free(solver);
}

static void testGradients(void) {
    sqp_settings s = tight();
    sqp_solver *solver = setupSmall(&s);
    double x[N], y[M];
    sqp_info info;
    sqp_solver_solve(solver, x, y, &info);
    CHECK(info.status == SQP_SOLVED, "small status");
    double dP[PNNZ], dq[N], dA[ANNZ], dl[M], du[M];
    sqp_backward_info b;
    sqp_error e = sqp_solver_adjoint(solver, w, N, NULL, 0, dP, dq, dA, dl, du, &b);
    CHECK(e == SQP_OK, "adjoint: %s", sqp_solver_error_message(solver));
    CHECK(b.degenerate == 0 && b.converged == 1 && b.rule == 0, "backward info degenerate %d converged %d", b.degenerate, b.converged);
    CHECK(b.symbolic_analyses_total == 1, "backward reused the analysis: %lld", (long long)b.symbolic_analyses_total);
    for (int k = 0; k < PNNZ; k++) { double g = fd(&Px[k]); CHECK(fabs(g - dP[k]) < 1e-5, "dP[%d] %g vs fd %g", k, dP[k], g); }
    for (int k = 0; k < N; k++) { double g = fd(&q[k]); CHECK(fabs(g - dq[k]) < 1e-5, "dq[%d] %g vs fd %g", k, dq[k], g); }
    for (int k = 0; k < ANNZ; k++) { double g = fd(&Ax[k]); CHECK(fabs(g - dA[k]) < 1e-5, "dA[%d] %g vs fd %g", k, dA[k], g); }
    for (int k = 1; k < M; k++) {
        double gl = fd(&l[k]), gu = fd(&u[k]);
        CHECK(fabs(gl - dl[k]) < 1e-5 && fabs(gu - du[k]) < 1e-5, "row %d dl %g vs %g, du %g vs %g", k, dl[k], gl, du[k], gu);
    }
    /* The equality row: moving l0 = u0 together. */
    { const double h = 1e-6; l[0] = u[0] = 1 + h; double up = loss(); l[0] = u[0] = 1 - h; double down = loss(); l[0] = u[0] = 1;
      double g = (up - down) / (2 * h);
      CHECK(fabs(g - (dl[0] + du[0])) < 1e-5, "equality row %g vs fd %g", dl[0] + du[0], g); }

    /* JVP along a direction in q equals the adjoint's inner product. */
    const double dir[N] = {0.3, -0.1, 0.7};
    double jx[N], jy[M];
    CHECK(sqp_solver_jvp(solver, NULL, 0, dir, N, NULL, 0, NULL, 0, NULL, 0, jx, jy, &b) == SQP_OK, "jvp: %s",
          sqp_solver_error_message(solver));
    double lhs = 0, rhs = 0;
    for (int k = 0; k < N; k++) { lhs += w[k] * jx[k]; rhs += dq[k] * dir[k]; }
    CHECK(fabs(lhs - rhs) < 1e-8, "jvp·w %g vs adjoint·dir %g", lhs, rhs);

    /* The fixed-point rule through update_settings agrees with the kkt rule at a tight solve. */
    s.rule = 1;
    CHECK(sqp_solver_update_settings(solver, &s) == SQP_OK, "update settings: %s", sqp_solver_error_message(solver));
    double dq2[N], dP2[PNNZ], dA2[ANNZ], dl2[M], du2[M];
    CHECK(sqp_solver_adjoint(solver, w, N, NULL, 0, dP2, dq2, dA2, dl2, du2, &b) == SQP_OK && b.rule == 1,
          "fixed-point adjoint: %s", sqp_solver_error_message(solver));
    for (int k = 0; k < N; k++) CHECK(fabs(dq2[k] - dq[k]) < 1e-4, "fixed-point dq[%d] %g vs %g", k, dq2[k], dq[k]);
    sqp_solver_free(solver);
}

static void testLayer(void) {
    sqp_settings s = tight();
    s.workers = 2;
    sqp_csc P = {N, N, PNNZ, Pp, Pi, NULL}, A = {M, N, ANNZ, Ap, Ai, NULL};
    sqp_layer *layer = sqp_layer_new();
    CHECK(sqp_layer_setup(layer, &s, &P, &A) == SQP_OK, "layer setup: %s", sqp_layer_error_message(layer));
    enum { B = 3 };
    double bP[B * PNNZ], bq[B * N], bA[B * ANNZ], bl[B * M], bu[B * M], bx[B * N], by[B * M], bdx[B * N];
    for (int b = 0; b < B; b++) {
        memcpy(bP + b * PNNZ, Px, sizeof Px); memcpy(bA + b * ANNZ, Ax, sizeof Ax);
        memcpy(bl + b * M, l, sizeof l); memcpy(bu + b * M, u, sizeof u);
        for (int k = 0; k < N; k++) { bq[b * N + k] = q[k] + 0.1 * b * (k + 1); bdx[b * N + k] = w[k]; }
    }
    sqp_info infos[B];
    CHECK(sqp_layer_forward(layer, B, bP, bq, bA, bl, bu, bx, by, infos) == SQP_OK, "forward: %s", sqp_layer_error_message(layer));
    CHECK(sqp_layer_symbolic_analyses(layer) == 1, "one analysis per batch: %lld", (long long)sqp_layer_symbolic_analyses(layer));
    double gP[B * PNNZ], gq[B * N], gA[B * ANNZ], gl[B * M], gu[B * M];
    sqp_backward_info binfo[B];
    CHECK(sqp_layer_backward(layer, B, bdx, NULL, gP, gq, gA, gl, gu, binfo) == SQP_OK, "backward: %s", sqp_layer_error_message(layer));
    for (int b = 0; b < B; b++) {
        /* The same element through a solver. */
        for (int k = 0; k < N; k++) q[k] = bq[b * N + k];
        sqp_solver *solver = setupSmall(&s);
        double x[N], dP[PNNZ], dq[N], dA[ANNZ], dl[M], du[M];
        sqp_info info;
        sqp_solver_solve(solver, x, NULL, &info);
        sqp_solver_adjoint(solver, w, N, NULL, 0, dP, dq, dA, dl, du, NULL);
        for (int k = 0; k < N; k++) {
            CHECK(fabs(x[k] - bx[b * N + k]) < 1e-7, "element %d x[%d] %g vs solver %g", b, k, bx[b * N + k], x[k]);
            CHECK(fabs(dq[k] - gq[b * N + k]) < 1e-6, "element %d dq[%d] %g vs solver %g", b, k, gq[b * N + k], dq[k]);
        }
        sqp_solver_free(solver);
    }
    q[0] = -1; q[1] = -2; q[2] = -1;
    /* An infeasible element: Σx = 1 with every x ≤ 0.2. */
    for (int k = 1; k < M; k++) bu[1 * M + k] = 0.2;
    CHECK(sqp_layer_forward(layer, B, bP, bq, bA, bl, bu, bx, by, NULL) == SQP_ERR_NOT_SOLVED, "infeasible element");
    CHECK(sqp_layer_failed_element(layer) == 1, "failed element %lld", (long long)sqp_layer_failed_element(layer));
    CHECK(sqp_layer_failed_status(layer) == SQP_PRIMAL_INFEASIBLE, "failed status %d", sqp_layer_failed_status(layer));
    CHECK(strstr(sqp_layer_error_message(layer), "batch element 1") && strstr(sqp_layer_error_message(layer), "primal_infeasible"),
          "message: %s", sqp_layer_error_message(layer));
    CHECK(sqp_layer_backward(layer, B, bdx, NULL, gP, gq, gA, gl, gu, NULL) == SQP_ERR_STATE, "backward after failed forward");
    sqp_layer_free(layer);
}

static void testErrors(void) {
    sqp_settings s = tight();
    sqp_csc P = {N, N, PNNZ, Pp, Pi, Px}, A = {M, N, ANNZ, Ap, Ai, Ax};
    sqp_solver *solver = sqp_solver_new();
    double x[N], dP[PNNZ], dq[N], dA[ANNZ], dl[M], du[M];
    CHECK(sqp_solver_solve(solver, x, NULL, NULL) == SQP_ERR_STATE, "solve before setup");
    CHECK(strstr(sqp_solver_error_message(solver), "not set up") != NULL, "message: %s", sqp_solver_error_message(solver));
    CHECK(sqp_solver_setup(solver, NULL, &P, q, N, &A, l, M, u, M) == SQP_ERR_NULL_POINTER, "NULL settings");
    CHECK(strcmp(sqp_solver_error_message(solver), "settings is NULL") == 0, "message: %s", sqp_solver_error_message(solver));
    CHECK(sqp_solver_setup(solver, &s, &P, NULL, N, &A, l, M, u, M) == SQP_ERR_NULL_POINTER, "NULL q");
    CHECK(sqp_solver_setup(solver, &s, &P, q, N - 1, &A, l, M, u, M) == SQP_ERR_INVALID_ARGUMENT, "short q");
    CHECK(strcmp(sqp_solver_error_message(solver), "q has length 2, expected 3") == 0, "message: %s", sqp_solver_error_message(solver));
    double qnan[N] = {0, NAN, 0};
    CHECK(sqp_solver_setup(solver, &s, &P, qnan, N, &A, l, M, u, M) == SQP_ERR_INVALID_ARGUMENT, "NaN q");
    CHECK(strcmp(sqp_solver_error_message(solver), "q[1] = nan is not finite") == 0, "message: %s", sqp_solver_error_message(solver));
    int64_t badRows[] = {0, 1, 0, 7, 0, 3};
    sqp_csc Abad = {M, N, ANNZ, Ap, badRows, Ax};
    CHECK(sqp_solver_setup(solver, &s, &P, q, N, &Abad, l, M, u, M) == SQP_ERR_INVALID_ARGUMENT, "row index out of range");
    CHECK(strstr(sqp_solver_error_message(solver), "A:") != NULL, "message: %s", sqp_solver_error_message(solver));
    sqp_csc Pneg = {-1, N, PNNZ, Pp, Pi, Px};
    CHECK(sqp_solver_setup(solver, &s, &Pneg, q, N, &A, l, M, u, M) == SQP_ERR_INVALID_ARGUMENT, "negative rows");
    double lbad[M] = {1, 0.7, 0, 0};
    CHECK(sqp_solver_setup(solver, &s, &P, q, N, &A, lbad, M, u, M) == SQP_ERR_INVALID_PROBLEM, "l > u: %s", sqp_solver_error_message(solver));
    sqp_settings bad = s;
    bad.struct_size = 8;
    CHECK(sqp_solver_setup(solver, &bad, &P, q, N, &A, l, M, u, M) == SQP_ERR_INVALID_SETTINGS, "struct size");
    bad = s; bad.eps_abs = -1;
    CHECK(sqp_solver_setup(solver, &bad, &P, q, N, &A, l, M, u, M) == SQP_ERR_INVALID_SETTINGS, "eps_abs < 0");
    bad = s; bad.rule = 5;
    CHECK(sqp_solver_setup(solver, &bad, &P, q, N, &A, l, M, u, M) == SQP_ERR_INVALID_SETTINGS, "rule 5");
    CHECK(sqp_solver_setup(solver, &s, &P, q, N, &A, l, M, u, M) == SQP_OK, "good setup");
    CHECK(sqp_solver_adjoint(solver, w, N, NULL, 0, dP, dq, dA, dl, du, NULL) == SQP_ERR_STATE, "adjoint before solve");
    sqp_solver_solve(solver, x, NULL, NULL);
    CHECK(sqp_solver_adjoint(solver, w, N - 1, NULL, 0, dP, dq, dA, dl, du, NULL) == SQP_ERR_INVALID_ARGUMENT, "short dx");
    CHECK(sqp_solver_adjoint(solver, w, N, NULL, 0, NULL, dq, dA, dl, du, NULL) == SQP_ERR_NULL_POINTER, "NULL dP");
    CHECK(sqp_solver_update_matrices(solver, Px, PNNZ + 1, NULL, 0) == SQP_ERR_INVALID_ARGUMENT, "long P values");
    bad = s; bad.sigma = 1e-3;
    CHECK(sqp_solver_update_settings(solver, &bad) == SQP_ERR_INVALID_SETTINGS, "sigma after setup");
    CHECK(strstr(sqp_solver_error_message(solver), "sigma") != NULL, "message: %s", sqp_solver_error_message(solver));
    /* Infeasible: not an error to solve, an error to differentiate. */
    double uInf[M] = {1, 0.2, 0.2, 0.2};
    CHECK(sqp_solver_update_vectors(solver, NULL, 0, NULL, 0, uInf, M) == SQP_OK, "update u");
    sqp_info info;
    CHECK(sqp_solver_solve(solver, x, NULL, &info) == SQP_OK && info.status == SQP_PRIMAL_INFEASIBLE && info.has_solution == 0,
          "infeasible status %s", sqp_status_name(info.status));
    CHECK(isnan(x[0]), "no point: NaN");
    CHECK(sqp_solver_adjoint(solver, w, N, NULL, 0, dP, dq, dA, dl, du, NULL) == SQP_ERR_NOT_SOLVED, "adjoint at infeasible");
    CHECK(strstr(sqp_solver_error_message(solver), "primal_infeasible") != NULL, "message: %s", sqp_solver_error_message(solver));
    CHECK(sqp_solver_solve(NULL, x, NULL, NULL) == SQP_ERR_NULL_POINTER, "NULL handle");
    CHECK(strcmp(sqp_solver_error_message(NULL), "the handle is NULL") == 0, "NULL handle message");
    CHECK(strcmp(sqp_status_name(99), "unknown") == 0, "unknown status name");
    CHECK(sqp_struct_size("sqp_settings") == (int64_t)sizeof(sqp_settings) && sqp_struct_size("sqp_backward_info") == (int64_t)sizeof(sqp_backward_info)
          && sqp_struct_size("nothing") == -1 && sqp_struct_size(NULL) == -1, "struct sizes");
    sqp_solver_free(solver);
    sqp_solver_free(NULL);
}

int main(void) {
    testKnownOptimum();
    testGradients();
    testLayer();
    testErrors();
    printf("capi_test: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
