import Testing
import QP
import ADMM
import TestSupport

// The polishing budget and the cost rule of the ρ updates (`SolverSettings.polishWorkFraction`,
// `adaptiveRhoCostFraction`): both count predicted work, never time, so the counts asserted here are
// the same on every machine.

/// The optimal objective to high accuracy (ε = 1e-9, ADMM then polishing and the interior-point stage).
private func referenceObjective(_ qp: QuadraticProgram) throws -> Double {
    var settings = SolverSettings()
    settings.epsAbs = 1e-9
    settings.epsRel = 1e-9
    let s = try ADMMSolver(problem: qp, settings: settings).solve()
    #expect(s.status == .solved)
    return s.info.objective
}

@Suite struct WorkBudgetTests {
    /// A problem on which ADMM needs hundreds of iterations and whose guessed active sets keep
    /// changing: without a budget, polishing spends 24 numeric factorizations (tries during ADMM,
    /// ten correction rounds, the augmented-Lagrangian continuation) for a point ADMM already has.
    @Test("the polishing budget bounds the polish factorizations where they used to blow up; the solution still meets the tolerances")
    func polishBudgetBoundsFactorizations() throws {
        let qp = try generate(.randomSparse, size: 300, seed: 1).program
        // ADMM's polishing (random-sparse has only inequality rows: `auto` would run the interior-point method).
        var admm = SolverSettings()
        admm.method = .admm
        var unlimited = admm
        unlimited.polishWorkFraction = .infinity
        let free = try ADMMSolver(problem: qp, settings: unlimited).solve()
        let budgeted = try ADMMSolver(problem: qp, settings: admm).solve()
        #expect(free.status == .solved && budgeted.status == .solved)
        #expect(free.info.polishFactorizations >= 20)
        #expect(budgeted.info.polishFactorizations <= 8)
        #expect(budgeted.info.factorization.map { $0.numericFactorizations <= budgeted.info.polishFactorizations + 1 + budgeted.info.rhoUpdates } == true)
        // ADMM's point at ε = 1e-3 (the polish was not needed for it): objective within 1e-2 relative.
        let optimum = try referenceObjective(qp)
        #expect(abs(budgeted.info.objective - optimum) <= 1e-2 * abs(optimum))
        // Deterministic: the same decisions on a second run.
        let again = try ADMMSolver(problem: qp, settings: admm).solve()
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

    /// ρ far from its adapted value on a problem whose factorization (dense factor) costs far more
    /// than 25 iterations: the plain ratio test refactorizes three times, the cost rule twice (after
    /// the first update it defers those the ratio test asks for until the iterations since the last
    /// factorization have cost 0.4 of one; the deferred estimate then needs no further update).
    @Test("the cost rule of the ρ updates saves a refactorization; the solution stays within the tolerances")
    func rhoCostRuleSavesRefactorizations() throws {
        let qp = try generate(.control, size: 120, seed: 1).program
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
        let optimum = try referenceObjective(qp)
        #expect(abs(costAware.info.objective - optimum) <= 1e-4 * abs(optimum))
        #expect(abs(reference.info.objective - optimum) <= 1e-4 * abs(optimum))
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
