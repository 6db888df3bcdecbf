import Sparse

/// The linear system every stage of the solver factorizes and solves:
///
///     [P + σI    Aᵀ        ] [x]   [r₁]
///     [A        −diag(1/ρ) ] [ν] = [r₂]
///
/// for one pair of sparsity patterns (P upper triangle n×n, A m×n), with σ and ρ (`KKTParameters`)
/// and the values of P and A changeable in place. A backend (a `LinearSystemKind`: an engine and the
/// form of the matrix it factorizes) is made by `LinearSystemFactory.make`; stages only see this
/// protocol. `ρ_i = 0` decouples row i (ν_i = 0).
///
/// Contract of every backend:
/// - the analysis of the patterns happens once, at creation; updates refactorize numerically only;
/// - `solve` allocates nothing;
/// - `makeCompanion` gives an independent system (its own numeric state and parameters) on the same
///   analysis, sharing the profile counters: one per thread, or one per stage;
/// - failures are `FactorizationError`s; with `.reportsInertia` a factorization whose inertia is not
///   (n positive, m negative) throws `.inertia`.
///
/// Not thread-safe: one system per thread.
public protocol LinearSystem: AnyObject {
    var n: Int { get }
    var m: Int { get }
    /// The current P (upper triangle) and A.
    var P: CSCMatrix { get }
    var A: CSCMatrix { get }
    /// The current σ and ρ.
    var parameters: KKTParameters { get }
    /// Which backend this is.
    var kind: LinearSystemKind { get }
    var capabilities: LinearSystemCapabilities { get }
    /// The counters and statistics shared by this system and its companions.
    var profile: FactorizationProfile { get }

    /// New values of P and/or A (same patterns, counts must match) and/or new parameters, then one
    /// numeric factorization.
    func update(PValues: [Double]?, AValues: [Double]?, parameters: KKTParameters?) throws(FactorizationError)

    /// Solves the system with the current factorization. Rows with ρ_i = 0 return ν_i = 0. No allocation.
    func solve(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
               x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>) throws(FactorizationError)

    /// Solves the factorized system, then refines against the exact operator `exact` (which may
    /// differ from the factorized parameters by regularization: larger σ, finite ρ where `exact`
    /// has ∞, …) until ‖b − K_exact·[x; ν]‖∞ ≤ tolerance·max(1, ‖b‖∞). Rows with exact ρ_i = 0
    /// are decoupled: ν_i = 0 and they take no part in the residual. See `IterativeRefinement`.
    @discardableResult
    func solve(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
               x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>,
               refiningAgainst exact: KKTParameters, settings: RefinementSettings) throws(FactorizationError) -> RefinementReport

    /// An independent system on the same analysis (see the protocol's contract). With
    /// `copyingFactor: false` the numeric state is not copied and the companion must be updated
    /// (factorized) before it solves.
    func makeCompanion(copyingFactor: Bool) throws(FactorizationError) -> any LinearSystem
}

/// What a backend can do beyond the protocol's contract; stages state what they need
/// (`LinearSystemFactory.make(..., requiring:)`).
public struct LinearSystemCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Every factorization checks the inertia (n positive, m negative pivots) and throws `.inertia`
    /// otherwise: a convexity test and a guard for interior-point methods.
    public static let reportsInertia = LinearSystemCapabilities(rawValue: 1 << 0)
    /// Rows with very large ρ (hard equality rows regularized by a tiny −1/ρ) and ρ spanning many
    /// orders of magnitude are solved accurately: the backend never forms Aᵀdiag(ρ)A.
    public static let acceptsHardEqualityRows = LinearSystemCapabilities(rawValue: 1 << 1)
}

/// The engine that factorizes a system.
public enum LinearSystemBackend: String, Sendable, CaseIterable, Codable {
    /// SuiteSparse CHOLMOD: simplicial LDLᵀ of the quasi-definite form, supernodal LLᵀ of the reduced form.
    case cholmod
    /// MUMPS (multifrontal, MPI): LDLᵀ of the quasi-definite form (`KKT/MUMPS`).
    case mumps
}

/// A backend: an engine and the form of the matrix it factorizes.
public struct LinearSystemKind: Hashable, Sendable, CustomStringConvertible {
    public var backend: LinearSystemBackend
    public var form: FactorizationStrategy

    public init(backend: LinearSystemBackend, form: FactorizationStrategy) {
        self.backend = backend
        self.form = form
    }

    public var description: String {
        switch (backend, form) {
        case (.cholmod, .quasiDefinite): return "CHOLMOD simplicial LDLᵀ of the quasi-definite matrix"
        case (.cholmod, .reduced): return "CHOLMOD supernodal LLᵀ of the reduced matrix"
        case (.mumps, .quasiDefinite): return "MUMPS multifrontal LDLᵀ of the quasi-definite matrix"
        case (.mumps, .reduced): return "MUMPS of the reduced matrix (not provided)"
        }
    }
}

// MARK: Conveniences over the requirements

extension LinearSystem {
    /// New σ and ρ, then one numeric factorization.
    public func update(parameters new: KKTParameters) throws(FactorizationError) {
        try update(PValues: nil, AValues: nil, parameters: new)
    }

    /// New values of P and A on the same patterns, then one numeric factorization.
    public func update(PValues: [Double]? = nil, AValues: [Double]? = nil) throws(FactorizationError) {
        try update(PValues: PValues, AValues: AValues, parameters: nil)
    }

    /// A companion with a copy of the current numeric state.
    public func makeCompanion() throws(FactorizationError) -> any LinearSystem {
        try makeCompanion(copyingFactor: true)
    }

    /// The refined solve with default `RefinementSettings`.
    @discardableResult
    public func solve(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
                      x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>,
                      refiningAgainst exact: KKTParameters) throws(FactorizationError) -> RefinementReport {
        try solve(r1: r1, r2: r2, x: x, nu: nu, refiningAgainst: exact, settings: RefinementSettings())
    }

    /// Array convenience: returns (x, ν).
    public func solve(r1: [Double], r2: [Double]) throws(FactorizationError) -> (x: [Double], nu: [Double]) {
        try withArrays(r1: r1, r2: r2) { (a, b, xb, nb) throws(FactorizationError) in
            try solve(r1: a, r2: b, x: xb, nu: nb)
        }
    }

    /// Array convenience for the refined solve.
    public func solve(r1: [Double], r2: [Double], refiningAgainst exact: KKTParameters,
                      settings: RefinementSettings = RefinementSettings()) throws(FactorizationError) -> (x: [Double], nu: [Double], report: RefinementReport) {
        var report = RefinementReport(steps: 0, residual: 0, scale: 1, converged: true)
        let s = try withArrays(r1: r1, r2: r2) { (a, b, xb, nb) throws(FactorizationError) in
            report = try solve(r1: a, r2: b, x: xb, nu: nb, refiningAgainst: exact, settings: settings)
        }
        return (s.x, s.nu, report)
    }

    private func withArrays(r1: [Double], r2: [Double],
                            _ body: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>,
                                     UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws(FactorizationError) -> Void)
        throws(FactorizationError) -> (x: [Double], nu: [Double]) {
        guard r1.count == n, r2.count == m else {
            throw .dimensionMismatch("right-hand side has \(r1.count)+\(r2.count) entries, expected \(n)+\(m)")
        }
        var x = [Double](repeating: 0, count: n), nu = [Double](repeating: 0, count: m)
        try r1.withUnsafeBufferPointer { (a) throws(FactorizationError) in
            try r2.withUnsafeBufferPointer { (b) throws(FactorizationError) in
                try x.withUnsafeMutableBufferPointer { (xb) throws(FactorizationError) in
                    try nu.withUnsafeMutableBufferPointer { (nb) throws(FactorizationError) in
                        try body(a, b, xb, nb)
                    }
                }
            }
        }
        return (x, nu)
    }
}
