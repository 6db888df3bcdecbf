/* Test program of the C API (sparseqp.h), compiled and run by CAPITests.swift.
 * Checks: a known optimum, all five adjoint gradients and a JVP against central finite
 * differences, updates and warm start, the profile, the batched layer against the solver, and
 * the layer's JVP against the solver's and its backward, report mode, OSQP-style updates by index,
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

/* A layer on the small problem's patterns. */
static sqp_layer *setupSmallLayer(const sqp_settings *s) {
    sqp_csc P = {N, N, PNNZ, Pp, Pi, NULL}, A = {M, N, ANNZ, Ap, Ai, NULL};
    sqp_layer *layer = sqp_layer_new();
    CHECK(sqp_layer_setup(layer, s, &P, &A) == SQP_OK, "layer setup: %s", sqp_layer_error_message(layer));
    return layer;
}

/* `count` copies of the small problem's data, element-major, and dx = w for each. */
static void fillBatch(int count, double *bP, double *bq, double *bA, double *bl, double *bu, double *bdx) {
    for (int b = 0; b < count; b++) {
        memcpy(bP + b * PNNZ, Px, sizeof Px); memcpy(bA + b * ANNZ, Ax, sizeof Ax);
        memcpy(bl + b * M, l, sizeof l); memcpy(bu + b * M, u, sizeof u); memcpy(bq + b * N, q, sizeof q);
        memcpy(bdx + b * N, w, sizeof w);
    }
}

static void testLayer(void) {
    sqp_settings s = tight();
    s.workers = 2;
    sqp_layer *layer = setupSmallLayer(&s);
    enum { B = 3 };
    double bP[B * PNNZ], bq[B * N], bA[B * ANNZ], bl[B * M], bu[B * M], bx[B * N], by[B * M], bdx[B * N];
    fillBatch(B, bP, bq, bA, bl, bu, bdx);
    for (int b = 0; b < B; b++)
        for (int k = 0; k < N; k++) bq[b * N + k] += 0.1 * b * (k + 1);
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

/* The layer's JVP: each element along its own direction equals the solver's JVP of that element,
 * and ⟨w, J·dir⟩ equals ⟨adjoint(w), dir⟩ from the layer's backward; no new symbolic analysis. */
static void testLayerJVP(void) {
    sqp_settings s = tight();
    s.workers = 2;
    sqp_layer *layer = setupSmallLayer(&s);
    enum { B = 3 };
    double bP[B * PNNZ], bq[B * N], bA[B * ANNZ], bl[B * M], bu[B * M], bx[B * N], bdx[B * N];
    double tP[B * PNNZ], tq[B * N], tA[B * ANNZ], tl[B * M], tu[B * M], jx[B * N], jy[B * M];
    double jvpDx[B * N];
    CHECK(sqp_layer_jvp(layer, B, NULL, tq, NULL, NULL, NULL, jx, NULL, NULL) == SQP_ERR_STATE, "jvp before forward");
    fillBatch(B, bP, bq, bA, bl, bu, bdx);
    for (int b = 0; b < B; b++) {
        for (int k = 0; k < N; k++) { bq[b * N + k] -= 0.1 * b * (k + 1); tq[b * N + k] = 0.2 * (k + 1) - 0.3 * b; }
        for (int k = 0; k < PNNZ; k++) tP[b * PNNZ + k] = 0.05 * (k + 1) * (b + 1);
        for (int k = 0; k < ANNZ; k++) tA[b * ANNZ + k] = 0.03 * (k - 2) * (b + 1);
        for (int k = 0; k < M; k++) { tl[b * M + k] = 0.1 * k - 0.05 * b; tu[b * M + k] = -0.07 * k + 0.02 * b; }
        tl[b * M] = tu[b * M] = 0.1 * (b + 1); /* the equality row moves as one */
    }
    CHECK(sqp_layer_forward(layer, B, bP, bq, bA, bl, bu, bx, NULL, NULL) == SQP_OK, "jvp forward: %s", sqp_layer_error_message(layer));
    sqp_backward_info jinfo[B];
    CHECK(sqp_layer_jvp(layer, B, tP, tq, tA, tl, tu, jx, jy, jinfo) == SQP_OK, "layer jvp: %s", sqp_layer_error_message(layer));
    double gP[B * PNNZ], gq[B * N], gA[B * ANNZ], gl[B * M], gu[B * M];
    CHECK(sqp_layer_backward(layer, B, bdx, NULL, gP, gq, gA, gl, gu, NULL) == SQP_OK, "backward after jvp: %s", sqp_layer_error_message(layer));
    for (int b = 0; b < B; b++) {
        CHECK(jinfo[b].symbolic_analyses_total == 1 && jinfo[b].converged == 1, "element %d jvp info: analyses %lld converged %d",
              b, (long long)jinfo[b].symbolic_analyses_total, jinfo[b].converged);
        double lhs = 0, rhs = 0;
        for (int k = 0; k < N; k++) { lhs += w[k] * jx[b * N + k]; rhs += gq[b * N + k] * tq[b * N + k]; }
        for (int k = 0; k < PNNZ; k++) rhs += gP[b * PNNZ + k] * tP[b * PNNZ + k];
        for (int k = 0; k < ANNZ; k++) rhs += gA[b * ANNZ + k] * tA[b * ANNZ + k];
        for (int k = 0; k < M; k++) rhs += gl[b * M + k] * tl[b * M + k] + gu[b * M + k] * tu[b * M + k];
        CHECK(fabs(lhs - rhs) < 1e-7, "element %d: <w, J t> %g vs <J^T w, t> %g", b, lhs, rhs);
        /* The same element through a solver's JVP. */
        for (int k = 0; k < N; k++) q[k] = bq[b * N + k];
        sqp_solver *solver = setupSmall(&s);
        double x[N], sx[N], sy[M];
        sqp_solver_solve(solver, x, NULL, NULL);
        CHECK(sqp_solver_jvp(solver, tP + b * PNNZ, PNNZ, tq + b * N, N, tA + b * ANNZ, ANNZ, tl + b * M, M, tu + b * M, M,
                             sx, sy, NULL) == SQP_OK, "solver jvp: %s", sqp_solver_error_message(solver));
        for (int k = 0; k < N; k++) CHECK(fabs(sx[k] - jx[b * N + k]) < 1e-8, "element %d dx[%d] %g vs solver %g", b, k, jx[b * N + k], sx[k]);
        for (int k = 0; k < M; k++) CHECK(fabs(sy[k] - jy[b * M + k]) < 1e-7, "element %d dy[%d] %g vs solver %g", b, k, jy[b * M + k], sy[k]);
        sqp_solver_free(solver);
    }
    q[0] = -1; q[1] = -2; q[2] = -1;
    /* Only dq given (the others NULL = zero), no dy_out: equals the dq part alone. */
    CHECK(sqp_layer_jvp(layer, B, NULL, tq, NULL, NULL, NULL, jvpDx, NULL, NULL) == SQP_OK, "dq-only jvp: %s", sqp_layer_error_message(layer));
    for (int b = 0; b < B; b++) {
        double lhs = 0, rhs = 0;
        for (int k = 0; k < N; k++) { lhs += w[k] * jvpDx[b * N + k]; rhs += gq[b * N + k] * tq[b * N + k]; }
        CHECK(fabs(lhs - rhs) < 1e-8, "element %d dq-only: %g vs %g", b, lhs, rhs);
    }
    CHECK(sqp_layer_jvp(layer, B - 1, NULL, tq, NULL, NULL, NULL, jx, NULL, NULL) == SQP_ERR_INVALID_ARGUMENT, "jvp batch mismatch");
    CHECK(strcmp(sqp_layer_error_message(layer), "batch = 2 but the last forward batch had 3 elements") == 0, "message: %s", sqp_layer_error_message(layer));
    CHECK(sqp_layer_jvp(layer, B, NULL, tq, NULL, NULL, NULL, NULL, NULL, NULL) == SQP_ERR_NULL_POINTER, "NULL dx_out");
    tq[N + 1] = NAN;
    CHECK(sqp_layer_jvp(layer, B, NULL, tq, NULL, NULL, NULL, jx, NULL, NULL) == SQP_ERR_INVALID_ARGUMENT, "NaN direction");
    CHECK(strcmp(sqp_layer_error_message(layer), "batch element 1: dq[1] = nan is not finite") == 0, "message: %s", sqp_layer_error_message(layer));
    sqp_layer_free(layer);
}

/* Report mode: an infeasible element gets NaN outputs and its own error; the others are computed. */
static void testLayerReportMode(void) {
    sqp_settings s = tight();
    sqp_layer *layer = setupSmallLayer(&s);
    CHECK(sqp_layer_set_failure_mode(layer, 7) == SQP_ERR_INVALID_ARGUMENT, "failure mode 7");
    CHECK(strcmp(sqp_layer_error_message(layer), "failure mode = 7 must be 0 (raise) or 1 (report)") == 0, "message: %s", sqp_layer_error_message(layer));
    CHECK(sqp_layer_set_failure_mode(layer, SQP_LAYER_REPORT) == SQP_OK, "report mode");
    enum { B = 3 };
    double bP[B * PNNZ], bq[B * N], bA[B * ANNZ], bl[B * M], bu[B * M], bx[B * N], by[B * M], bdx[B * N], jx[B * N];
    fillBatch(B, bP, bq, bA, bl, bu, bdx);
    for (int k = 1; k < M; k++) bu[2 * M + k] = 0.2; /* element 2 infeasible */
    sqp_info infos[B];
    CHECK(sqp_layer_forward(layer, B, bP, bq, bA, bl, bu, bx, by, infos) == SQP_OK, "report forward: %s", sqp_layer_error_message(layer));
    CHECK(sqp_layer_failed_count(layer) == 1, "failed count %lld", (long long)sqp_layer_failed_count(layer));
    CHECK(sqp_layer_element_error(layer, 2) == SQP_ERR_NOT_SOLVED && sqp_layer_element_status(layer, 2) == SQP_PRIMAL_INFEASIBLE,
          "element 2: error %d status %d", sqp_layer_element_error(layer, 2), sqp_layer_element_status(layer, 2));
    CHECK(strstr(sqp_layer_element_message(layer, 2), "batch element 2: the forward solve ended with status primal_infeasible") != NULL,
          "element message: %s", sqp_layer_element_message(layer, 2));
    CHECK(sqp_layer_element_error(layer, 0) == SQP_OK && strcmp(sqp_layer_element_message(layer, 0), "") == 0
          && sqp_layer_element_error(layer, 99) == SQP_OK && sqp_layer_element_status(layer, -1) == -1, "successful elements");
    CHECK(isnan(bx[2 * N]) && isnan(by[2 * M]) && infos[2].status == SQP_PRIMAL_INFEASIBLE && infos[2].has_solution == 0, "element 2 outputs NaN");
    CHECK(infos[0].status == SQP_SOLVED && fabs(bx[0] - bx[N]) < 1e-12 && !isnan(bx[0]), "elements 0 and 1 solved");
    double gP[B * PNNZ], gq[B * N], gA[B * ANNZ], gl[B * M], gu[B * M];
    sqp_backward_info binfo[B];
    CHECK(sqp_layer_backward(layer, B, bdx, NULL, gP, gq, gA, gl, gu, binfo) == SQP_OK, "report backward: %s", sqp_layer_error_message(layer));
    CHECK(sqp_layer_failed_count(layer) == 1 && sqp_layer_element_error(layer, 2) == SQP_ERR_NOT_SOLVED, "backward element error");
    CHECK(isnan(gq[2 * N]) && isnan(gP[2 * PNNZ]) && isnan(gu[2 * M + M - 1]) && binfo[2].converged == 0, "element 2 gradients NaN");
    CHECK(!isnan(gq[0]) && binfo[0].converged == 1 && fabs(gq[0] - gq[N]) < 1e-10, "element 0 gradients");
    CHECK(sqp_layer_jvp(layer, B, NULL, bdx, NULL, NULL, NULL, jx, NULL, NULL) == SQP_OK && isnan(jx[2 * N]) && !isnan(jx[0]),
          "report jvp");
    /* Back to raise mode: the same batch fails with the element's index. */
    CHECK(sqp_layer_set_failure_mode(layer, SQP_LAYER_RAISE) == SQP_OK, "raise mode");
    CHECK(sqp_layer_forward(layer, B, bP, bq, bA, bl, bu, bx, by, NULL) == SQP_ERR_NOT_SOLVED && sqp_layer_failed_element(layer) == 2
          && sqp_layer_failed_count(layer) == 0, "raise mode fails");
    sqp_layer_free(layer);
}

/* OSQP's partial update by index equals the full update; bad indices are rejected by position. */
static void testIndexedUpdate(void) {
    sqp_settings s = tight();
    sqp_solver *byIndex = setupSmall(&s), *full = setupSmall(&s);
    const int64_t pIdx[] = {4, 0}, aIdx[] = {5, 1, 5};
    const double pNew[] = {3.5, 2.5}, aNew[] = {0.5, 0.9, 0.8};
    double Pfull[PNNZ], Afull[ANNZ];
    memcpy(Pfull, Px, sizeof Px); memcpy(Afull, Ax, sizeof Ax);
    Pfull[4] = 3.5; Pfull[0] = 2.5; Afull[1] = 0.9; Afull[5] = 0.8; /* the repeated index keeps its last value */
    CHECK(sqp_solver_update_matrix_entries(byIndex, pNew, pIdx, 2, aNew, aIdx, 3) == SQP_OK, "indexed update: %s", sqp_solver_error_message(byIndex));
    CHECK(sqp_solver_update_matrices(full, Pfull, PNNZ, Afull, ANNZ) == SQP_OK, "full update");
    double x1[N], x2[N];
    sqp_info i1, i2;
    sqp_solver_solve(byIndex, x1, NULL, &i1);
    sqp_solver_solve(full, x2, NULL, &i2);
    CHECK(i1.status == SQP_SOLVED && i2.status == SQP_SOLVED, "indexed statuses");
    for (int k = 0; k < N; k++) CHECK(fabs(x1[k] - x2[k]) < 1e-12, "indexed x[%d] %g vs full %g", k, x1[k], x2[k]);
    /* Only A, all of it without indices: P untouched. */
    CHECK(sqp_solver_update_matrix_entries(byIndex, NULL, NULL, 0, Ax, NULL, ANNZ) == SQP_OK, "A without indices");
    CHECK(sqp_solver_update_matrix_entries(byIndex, NULL, NULL, 0, Ax, NULL, ANNZ - 1) == SQP_ERR_INVALID_ARGUMENT, "short A");
    CHECK(strcmp(sqp_solver_error_message(byIndex), "A_values has length 5, expected 6") == 0, "message: %s", sqp_solver_error_message(byIndex));
    const int64_t bad[] = {1, 5};
    CHECK(sqp_solver_update_matrix_entries(byIndex, pNew, bad, 2, NULL, NULL, 0) == SQP_ERR_INVALID_ARGUMENT, "index out of range");
    CHECK(strcmp(sqp_solver_error_message(byIndex), "P_indices[1] = 5 is out of range (0..<5, nnz(P))") == 0, "message: %s", sqp_solver_error_message(byIndex));
    const int64_t negative[] = {-1};
    CHECK(sqp_solver_update_matrix_entries(byIndex, NULL, NULL, 0, aNew, negative, 1) == SQP_ERR_INVALID_ARGUMENT, "negative index");
    CHECK(strcmp(sqp_solver_error_message(byIndex), "A_indices[0] = -1 is out of range (0..<6, nnz(A))") == 0, "message: %s", sqp_solver_error_message(byIndex));
    sqp_solver_free(byIndex);
    sqp_solver_free(full);
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
    bad = s; bad.method = 3;
    CHECK(sqp_solver_setup(solver, &bad, &P, q, N, &A, l, M, u, M) == SQP_ERR_INVALID_SETTINGS, "method 3");
    CHECK(strstr(sqp_solver_error_message(solver), "method = 3") != NULL, "message: %s", sqp_solver_error_message(solver));
    CHECK(s.method == 0, "default method auto: %d", s.method);
    {
        /* The interior-point method first: reported, no ADMM iteration, the same optimum. */
        sqp_settings ip = s;
        ip.method = 2;
        sqp_solver *ipSolver = sqp_solver_new();
        CHECK(sqp_solver_setup(ipSolver, &ip, &P, q, N, &A, l, M, u, M) == SQP_OK, "method 2 setup");
        double xi[N];
        sqp_info ii;
        sqp_solver_solve(ipSolver, xi, NULL, &ii);
        CHECK(ii.method == 2 && ii.iterations == 0 && ii.status == SQP_SOLVED, "method %d iterations %lld", ii.method, (long long)ii.iterations);
        sqp_solver_free(ipSolver);
    }
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
    testLayerJVP();
    testLayerReportMode();
    testIndexedUpdate();
    testErrors();
    printf("capi_test: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
