import KKT
import Stages

// Iteration log in the OSQP style, written to the solver's `log` sink.

extension ADMMSolver {
    func logBanner() {
        let s = settings
        log.write(String(repeating: "-", count: 66))
        log.write("  SparseQP ADMM (OSQP algorithm) on CHOLMOD")
        log.write(String(repeating: "-", count: 66))
        log.write("problem:  variables n = \(n), constraints m = \(m)")
        log.write("          nnz(P) = \(problem.P.nonzeroCount), nnz(A) = \(problem.A.nonzeroCount)")
        log.write("settings: eps_abs = \(fmt(s.epsAbs)), eps_rel = \(fmt(s.epsRel)), eps_prim_inf = \(fmt(s.epsPrimalInfeasible)), eps_dual_inf = \(fmt(s.epsDualInfeasible))")
        log.write("          rho = \(fmt(s.rho)) (adaptive: \(s.adaptiveRho ? "every \(s.adaptiveRhoInterval) it." : "off")), sigma = \(fmt(s.sigma)), alpha = \(s.alpha)")
        log.write("          max_iter = \(s.maxIterations), check_termination = \(s.checkTermination), scaling = \(s.scalingIterations), polish = \(s.polish)")
        if let kkt {
            let p = kkt.profile
            log.write("linsys:   \(p.strategy.rawValue) (\(kkt.kind))" + (p.direct.map { ", ordering \($0.ordering.rawValue), nnz(L) = \($0.nonzerosInL)" } ?? ""))
            if let w = workModel {
                log.write("work:     factorization \(fmt(w.factorization)), iteration \(fmt(w.iteration)) predicted flops (= \(fmt(w.factorization / w.iteration)) iterations)")
            }
        } else if let f = setupFailure {
            log.write("linsys:   factorization failed: \(f)")
        }
        log.write(String(repeating: "-", count: 66))
    }

    func logHeader() {
        log.write(" iter    objective     prim res    dual res    gap         rho")
    }

    func logIteration(_ k: Int, _ r: Residuals, note: String = "") {
        log.write(pad(String(k), 5) + "  " + fmt(r.objective, 12) + "  " + fmt(r.primal) + "  " + fmt(r.dual)
                  + "  " + fmt(r.gap) + "  " + fmt(rho) + (note.isEmpty ? "" : "  " + note))
    }

    func logFooter(_ info: Info) {
        log.write(String(repeating: "-", count: 66))
        log.write("status:               \(info.status)")
        log.write("number of iterations: \(info.iterations)")
        if info.polish != .notRun { log.write("solution polishing:   \(info.polish.rawValue)") }
        if info.interiorPoint != .notRun {
            log.write("interior point:       \(info.interiorPoint.rawValue) (\(info.interiorPointIterations) iterations, \(fmt(info.interiorPointTime))s)")
        }
        log.write("optimal objective:    \(fmt(info.objective, 12))")
        log.write("run time:             \(fmt(info.runTime))s (setup \(fmt(info.setupTime)), solve \(fmt(info.solveTime)), polish \(fmt(info.polishTime)))")
        log.write(String(repeating: "-", count: 66))
    }
}
