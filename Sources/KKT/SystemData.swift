import Sparse

/// The data of a linear system that every backend keeps: P (upper triangle), A, Aᵀ with the map from
/// A's entries to Aᵀ's, and σ, ρ. Checks every input once, for all backends.
struct SystemData {
    let n: Int
    let m: Int
    private(set) var P: CSCMatrix
    private(set) var A: CSCMatrix
    private(set) var At: CSCMatrix
    let aToAt: [Int]
    private(set) var parameters: KKTParameters

    init(P: CSCMatrix, A: CSCMatrix, parameters: KKTParameters) throws(FactorizationError) {
        let n = P.columnCount, m = A.rowCount
        guard P.rowCount == n else { throw .dimensionMismatch("P is \(P.rowCount)×\(P.columnCount), expected square") }
        guard A.columnCount == n else { throw .dimensionMismatch("A has \(A.columnCount) columns, P has \(n)") }
        guard P.pattern.isUpperTriangular else { throw .invalidParameter("P must be stored as its upper triangle") }
        for v in P.values where !v.isFinite { throw .invalidParameter("P has a non-finite value \(v)") }
        for v in A.values where !v.isFinite { throw .invalidParameter("A has a non-finite value \(v)") }
        try parameters.validate(rowCount: m, allowInfiniteRho: false)
        self.n = n
        self.m = m
        self.P = P
        self.A = A
        self.parameters = parameters
        (At, aToAt) = A.transposedWithMap()
    }

    /// Checks and applies new values and/or parameters (nothing changes when a check fails).
    mutating func update(PValues: [Double]?, AValues: [Double]?, parameters new: KKTParameters?) throws(FactorizationError) {
        if let new { try new.validate(rowCount: m, allowInfiniteRho: false) }
        if let pv = PValues {
            guard pv.count == P.nonzeroCount else { throw .dimensionMismatch("\(pv.count) P values, pattern has \(P.nonzeroCount)") }
            for v in pv where !v.isFinite { throw .invalidParameter("P has a non-finite value \(v)") }
        }
        if let av = AValues {
            guard av.count == A.nonzeroCount else { throw .dimensionMismatch("\(av.count) A values, pattern has \(A.nonzeroCount)") }
            for v in av where !v.isFinite { throw .invalidParameter("A has a non-finite value \(v)") }
        }
        if let new { parameters = new }
        if let pv = PValues { P.values = pv }
        if let av = AValues {
            A.values = av
            for p in 0..<av.count { At.values[aToAt[p]] = av[p] }
        }
    }
}
