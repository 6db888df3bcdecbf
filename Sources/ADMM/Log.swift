import KKT

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

func fmt(_ v: Double, _ width: Int = 10) -> String {
    let s: String
    if v.isNaN { s = "nan" } else if v.isInfinite { s = v > 0 ? "inf" : "-inf" } else {
        s = formatScientific(v, digits: width >= 12 ? 6 : 2)
    }
    return pad(s, width)
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

/// d.ddde±xx formatting without Foundation.
func formatScientific(_ v: Double, digits: Int) -> String {
    if v == 0 { return "0." + String(repeating: "0", count: digits) + "e+00" }
    var e = Int((abs(v)).log10Floor)
    var mant = abs(v) / pow10(e)
    let factor = pow10(digits)
    var rounded = (mant * factor).rounded() / factor
    if rounded >= 10 { e += 1; mant = abs(v) / pow10(e); rounded = (mant * factor).rounded() / factor }
    let intPart = Int(rounded)
    var frac = Int(((rounded - Double(intPart)) * factor).rounded())
    if frac >= Int(factor) { frac = Int(factor) - 1 }
    var fracStr = String(frac)
    while fracStr.count < digits { fracStr = "0" + fracStr }
    let expStr = (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
    return (v < 0 ? "-" : "") + "\(intPart)." + fracStr + "e" + expStr
}

private func pow10(_ e: Int) -> Double {
    var r = 1.0
    if e >= 0 { for _ in 0..<e { r *= 10 } } else { for _ in 0..<(-e) { r /= 10 } }
    return r
}

private extension Double {
    var log10Floor: Double {
        var e = 0.0
        var v = self
        while v >= 10 { v /= 10; e += 1 }
        while v < 1 { v *= 10; e -= 1 }
        return e
    }
}
