import Sparse

/// What a stage gets from the solver that runs it: the scaled problem and its termination test, when
/// to stop (cancellation, deadline), where to log (nil unless verbose), and the work ledger with the
/// cost model that budgets polishing. Built by the solver for each call; not stored by the stages.
package struct StageContext {
    package let termination: Termination
    package let shouldStop: () -> Bool
    package let log: ((String) -> Void)?
    package let work: WorkLedger
    package let workModel: WorkModel?

    package init(termination: Termination, shouldStop: @escaping () -> Bool, log: ((String) -> Void)?,
                 work: WorkLedger, workModel: WorkModel?) {
        self.termination = termination
        self.shouldStop = shouldStop
        self.log = log
        self.work = work
        self.workModel = workModel
    }

    package var problem: ScaledProblem { termination.problem }
    package var tolerances: Tolerances { termination.tolerances }
}

/// A point a stage returns (scaled): x, z = Π[l,u](Ax) (or the polished z), y, and its residuals.
package struct StagePoint {
    package var x: [Double]
    package var z: [Double]
    package var y: [Double]
    package var residuals: Residuals
    /// The active rows of the factorization the polish companion holds for this point
    /// ([P̄ + δI, Ā_actᵀ; Ā_act, −δI], inactive rows decoupled), or nil if it holds another one.
    package var factoredActive: [Bool]?
    /// The δ of that factorization.
    package var factoredRegularization: Double

    package init(x: [Double], z: [Double], y: [Double], residuals: Residuals,
                 factoredActive: [Bool]? = nil, factoredRegularization: Double = 0) {
        self.x = x
        self.z = z
        self.y = y
        self.residuals = residuals
        self.factoredActive = factoredActive
        self.factoredRegularization = factoredRegularization
    }
}
