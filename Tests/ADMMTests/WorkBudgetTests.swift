import Testing
import Sparse
import QP
import ADMM
import TestSupport

// The polishing budget and the cost rule of the ρ updates (`SolverSettings.polishWorkFraction`,
// `adaptiveRhoCostFraction`): both count predicted work, never time, so the counts asserted here are
// the same on every machine.

/// Whether (x, y) meets the termination test recomputed from the problem data: ‖Ax − Π(Ax)‖∞ and
/// ‖Px + q + Aᵀy‖∞ within εabs + εrel·(scale), as `sparseqp bench` verifies.
private func meetsTolerances(_ qp: QuadraticProgram, _ s: Solution, epsAbs: Double, epsRel: Double) -> Bool {
    guard s.x.count == qp.n, s.y.count == qp.m else { return false }
    let ax = qp.A.multiply(s.x)
    let px = qp.P.symmetricUpperMultiply(s.x)
    let aty = qp.A.transposeMultiply(s.y)
    var primal = 0.0, axNorm = 0.0, zNorm = 0.0
    for i in 0..<qp.m {
        let z = min(max(ax[i], qp.l[i]), qp.u[i])
        primal = max(primal, abs(ax[i] - z)); axNorm = max(axNorm, abs(ax[i])); zNorm = max(zNorm, abs(z))
    }
    var dual = 0.0, pxNorm = 0.0, atyNorm = 0.0, qNorm = 0.0
    for j in 0..<qp.n {
        dual = max(dual, abs(px[j] + qp.q[j] + aty[j]))
        pxNorm = max(pxNorm, abs(px[j])); atyNorm = max(atyNorm, abs(aty[j])); qNorm = max(qNorm, abs(qp.q[j]))
    }
    return primal <= epsAbs + epsRel * max(axNorm, zNorm) && dual <= epsAbs + epsRel * max(pxNorm, atyNorm, qNorm)
}

@Suite struct WorkBudgetTests {
    /// A problem on which ADMM needs hundreds of iterations and whose guessed active sets keep
    /// changing: without a budget, polishing spends 24 numeric factorizations (tries during ADMM,
    /// ten correction rounds, the augmented-Lagrangian continuation) for a point ADMM already has.
    @Test("the polishing budget bounds the polish factorizations where they used to blow up; the solution still meets the tolerances")
    func polishBudgetBoundsFactorizations() throws {
        let qp = try generate(.randomSparse, size: 300, seed: 1).program
        var unlimited = SolverSettings()
        unlimited.polishWorkFraction = .infinity
        let free = try ADMMSolver(problem: qp, settings: unlimited).solve()
        let budgeted = try ADMMSolver(problem: qp, settings: SolverSettings()).solve()
        #expect(free.status == .solved && budgeted.status == .solved)
        #expect(free.info.polishFactorizations >= 20)
        #expect(budgeted.info.polishFactorizations <= 8)
        #expect(budgeted.info.factorization.map { $0.numericFactorizations <= budgeted.info.polishFactorizations + 1 + budgeted.info.rhoUpdates } == true)
        #expect(meetsTolerances(qp, budgeted, epsAbs: 1e-3, epsRel: 1e-3))
        // Deterministic: the same decisions on a second run.
        let again = try ADMMSolver(problem: qp, settings: SolverSettings()).solve()
        #expect(again.info.polishFactorizations == budgeted.info.polishFactorizations)
        #expect(again.x == budgeted.x)
    }

    /// A zero budget still gives the final polish its first round: an ADMM point that meets the
    /// tolerances becomes the exact active-set solution with one factorization.
    @Test("a zero polishing budget still runs the final polish's first round")
    func zeroBudgetKeepsFirstRound() throws {
        let qp = try generate(.eqSparse, size: 300, seed: 1).program
        var settings = SolverSettings()
        settings.polishWorkFraction = 0
        let s = try ADMMSolver(problem: qp, settings: settings).solve()
        #expect(s.status == .solved)
        #expect(s.info.polish == .succeeded)
        #expect(s.info.polishFactorizations == 1)
        #expect(s.info.primalResidual < 1e-9 && s.info.dualResidual < 1e-9)
    }

    /// ρ far from its adapted value on a problem whose factorization costs hundreds of iterations:
    /// the plain ratio test refactorizes three times, the cost rule twice (deferring the updates it
    /// asks for until the iterations since the last factorization have cost 0.4 of one).
    @Test("the cost rule of the ρ updates saves a refactorization; the solution stays within the tolerances")
    func rhoCostRuleSavesRefactorizations() throws {
        let qp = try generate(.control, size: 300, seed: 1).program
        var settings = SolverSettings()
        settings.epsAbs = 1e-5
        settings.epsRel = 1e-5
        settings.polish = false
        settings.interiorPointFallback = false
        settings.rho = 1e-6
        var plain = settings
        plain.adaptiveRhoCostFraction = 0
        let reference = try ADMMSolver(problem: qp, settings: plain).solve()
        let costAware = try ADMMSolver(problem: qp, settings: settings).solve()
        #expect(reference.status == .solved && costAware.status == .solved)
        #expect(reference.info.rhoUpdatesDeferred == 0)
        #expect(costAware.info.rhoUpdatesDeferred > 0)
        #expect(costAware.info.rhoUpdates < reference.info.rhoUpdates)
        let numeric = { (s: Solution) in s.info.factorization?.numericFactorizations ?? 0 }
        #expect(numeric(costAware) < numeric(reference))
        #expect(meetsTolerances(qp, costAware, epsAbs: 1e-5, epsRel: 1e-5))
        #expect(abs(costAware.info.objective - reference.info.objective) <= 1e-4 * max(1, abs(reference.info.objective)))
    }

    @Test("the budget settings are validated", arguments: [
        ("polishWorkFraction", -1.0), ("polishWorkFraction", Double.nan),
        ("adaptiveRhoCostFraction", -0.1), ("adaptiveRhoCostFraction", Double.infinity),
    ])
    func settingsValidated(name: String, value: Double) {
        var settings = SolverSettings()
        if name == "polishWorkFraction" { settings.polishWorkFraction = value } else { settings.adaptiveRhoCostFraction = value }
        #expect(throws: SolverError.self) { try settings.validate() }
        do { try settings.validate() } catch {
            #expect("\(error)".contains(name))
        }
    }
}
