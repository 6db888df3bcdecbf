import Testing
import QP
import ADMM
import Generators

@Suite struct WorkBudgetExploration {
    @Test func explore() throws {
        for (cls, size) in [(ProblemClass.control, 300), (.control, 100), (.portfolio, 30), (.random, 30), (.eqSparse, 300), (.lasso, 30), (.svm, 30), (.randomSparse, 100), (.randomSparse, 300)] {
            let qp = try generate(cls, size: size, seed: 1).program
            for rho0 in [0.1, 1e-4] {
                for fraction in [0.0, 0.4] {
                    var s = SolverSettings()
                    s.epsAbs = 1e-6; s.epsRel = 1e-6; s.polish = false; s.interiorPointFallback = false
                    s.rho = rho0; s.adaptiveRhoCostFraction = fraction
                    let sol = try ADMMSolver(problem: qp, settings: s).solve()
                    print("EXPLORE \(cls.rawValue) \(size) rho0=\(rho0) f=\(fraction): \(sol.status) it=\(sol.info.iterations) rho=\(sol.info.rhoUpdates) def=\(sol.info.rhoUpdatesDeferred) obj=\(sol.info.objective)")
                }
            }
            for fraction in [Double.infinity, 0.5] {
                var s = SolverSettings()
                s.polishWorkFraction = fraction
                let sol = try ADMMSolver(problem: qp, settings: s).solve()
                print("EXPLORE polish \(cls.rawValue) \(size) f=\(fraction): \(sol.status) it=\(sol.info.iterations) pf=\(sol.info.polishFactorizations) nf=\(sol.info.factorization?.numericFactorizations ?? -1) polish=\(sol.info.polish) obj=\(sol.info.objective)")
            }
        }
    }
}
