import CSuiteSparse
import Sparse

// One thin owner per CHOLMOD resource. Raw pointers never leave this module.

/// Owns a `cholmod_common` (64-bit index interface, `cholmod_l_*`). Not thread-safe: one per factorization.
final class CholmodCommon {
    let pointer: UnsafeMutablePointer<cholmod_common>

    init() throws(FactorizationError) {
        pointer = .allocate(capacity: 1)
        guard cholmod_l_start(pointer) != 0 else {
            pointer.deallocate()
            throw .cholmod(CholmodStatus(code: -4, function: "cholmod_l_start"))
        }
        pointer.pointee.print = 0  // the library never prints; errors come back as statuses
    }

    deinit {
        cholmod_l_finish(pointer)
        pointer.deallocate()
    }

    var status: Int32 { pointer.pointee.status }

    func failure(_ function: String) -> FactorizationError {
        .cholmod(CholmodStatus(code: pointer.pointee.status, function: function))
    }

    /// The peak memory CHOLMOD has allocated through this common, in bytes.
    var peakMemoryBytes: Int { Int(pointer.pointee.memory_usage) }
}

/// The kind of factorization CHOLMOD computes.
enum CholmodKind {
    /// Simplicial LDLᵀ (no pivoting: for quasi-definite matrices, which are strongly factorizable).
    case simplicialLDLT
    /// Supernodal LLᵀ (positive definite matrices; BLAS-3 on OpenBLAS).
    case supernodalLLT
}

/// Statistics of one symbolic analysis, as CHOLMOD predicts them.
struct AnalysisStatistics {
    var flops: Double
    var nonzerosInL: Double
    var ordering: OrderingChoice
}

/// A symmetric matrix (upper triangle, fixed pattern) together with its CHOLMOD factor.
/// The symbolic analysis happens once, in `init`; `factorize()` recomputes the numeric factor from
/// the current `values`; `solve` uses preallocated dense workspaces (no allocation per solve
/// after the first).
final class CholmodFactorization {
    let common: CholmodCommon
    let kind: CholmodKind
    let dimension: Int
    private let matrix: UnsafeMutablePointer<cholmod_sparse>
    private let factor: UnsafeMutablePointer<cholmod_factor>
    /// The symbolic analysis alone (no numeric part: O(n) for simplicial factors), copied right after
    /// `cholmod_l_analyze`, so companions that refactorize anyway need not copy the numeric factor.
    private let symbolic: UnsafeMutablePointer<cholmod_factor>
    private var rhs: UnsafeMutablePointer<cholmod_dense>
    private var solution: UnsafeMutablePointer<cholmod_dense>?
    private var workY: UnsafeMutablePointer<cholmod_dense>?
    private var workE: UnsafeMutablePointer<cholmod_dense>?
    let statistics: AnalysisStatistics
    private(set) var isFactorized = false

    /// Analyses the pattern (symbolic factorization with the requested ordering).
    /// - Parameter upper: the upper triangle of the symmetric matrix (values are copied).
    init(upper: CSCMatrix, kind: CholmodKind, ordering: OrderingChoice) throws(FactorizationError) {
        let n = upper.rowCount
        guard upper.columnCount == n else { throw .dimensionMismatch("matrix is \(upper.rowCount)×\(upper.columnCount), expected square") }
        let common = try CholmodCommon()
        let c = common.pointer
        switch kind {
        case .simplicialLDLT:
            c.pointee.supernodal = CHOLMOD_SIMPLICIAL
            c.pointee.final_ll = 0
        case .supernodalLLT:
            c.pointee.supernodal = CHOLMOD_SUPERNODAL
            c.pointee.final_ll = 1
        }
        switch ordering {
        case .automatic:
            c.pointee.nmethods = 0
        case .amd:
            c.pointee.nmethods = 1
            c.pointee.method.0.ordering = CHOLMOD_AMD
            c.pointee.postorder = 1
        case .metis:
            c.pointee.nmethods = 1
            c.pointee.method.0.ordering = CHOLMOD_METIS
            c.pointee.postorder = 1
        }
        let nnz = upper.nonzeroCount
        guard let a = cholmod_l_allocate_sparse(n, n, nnz, 1, 1, 1, CHOLMOD_REAL, c) else {
            throw common.failure("cholmod_l_allocate_sparse")
        }
        // Copy the pattern and values in.
        let ap = a.pointee.p.assumingMemoryBound(to: Int.self)
        let ai = a.pointee.i.assumingMemoryBound(to: Int.self)
        let ax = a.pointee.x.assumingMemoryBound(to: Double.self)
        upper.columnPointers.withUnsafeBufferPointer { for k in 0...n { ap[k] = $0[k] } }
        upper.rowIndices.withUnsafeBufferPointer { for k in 0..<nnz { ai[k] = $0[k] } }
        upper.values.withUnsafeBufferPointer { for k in 0..<nnz { ax[k] = $0[k] } }
        var aHandle: UnsafeMutablePointer<cholmod_sparse>? = a
        guard let l = cholmod_l_analyze(a, c) else {
            let error = common.failure("cholmod_l_analyze")
            cholmod_l_free_sparse(&aHandle, c)
            throw error
        }
        let (sym, b) = try Self.symbolicCopyAndRightHandSide(of: l, matrix: a, factor: l, dimension: n, common: common)
        let selected = Int(c.pointee.selected)
        let used: Int32 = withUnsafeBytes(of: c.pointee.method) { raw in
            raw.bindMemory(to: cholmod_method_struct.self)[max(0, min(selected, Int(CHOLMOD_MAXMETHODS)))].ordering
        }
        // For a supernodal analysis the symbolic factor already knows the size of its numeric part,
        // which includes the explicit zeros of supernode amalgamation: that is what solves touch.
        let stored = l.pointee.is_super != 0 ? Double(l.pointee.xsize) : c.pointee.lnz
        self.statistics = AnalysisStatistics(
            flops: c.pointee.fl, nonzerosInL: stored,
            ordering: used == CHOLMOD_METIS || used == CHOLMOD_NESDIS ? .metis : .amd)
        self.common = common
        self.kind = kind
        self.dimension = n
        self.matrix = a
        self.factor = l
        self.symbolic = sym
        self.rhs = b
    }

    /// A second factorization on the same pattern that shares nothing mutable with this one:
    /// its own CHOLMOD common, a copy of the matrix and a copy of the factor (the symbolic analysis
    /// is copied, not recomputed). With `numeric` false only the symbolic analysis is copied: the copy
    /// must be factorized before it solves.
    private init(copying other: CholmodFactorization, numeric: Bool) throws(FactorizationError) {
        let common = try CholmodCommon()
        let c = common.pointer
        let o = other.common.pointer.pointee
        c.pointee.supernodal = o.supernodal
        c.pointee.final_ll = o.final_ll
        c.pointee.nmethods = o.nmethods
        c.pointee.method = o.method
        c.pointee.postorder = o.postorder
        guard let a = cholmod_l_copy_sparse(other.matrix, c) else { throw common.failure("cholmod_l_copy_sparse") }
        var aHandle: UnsafeMutablePointer<cholmod_sparse>? = a
        guard let l = cholmod_l_copy_factor(numeric ? other.factor : other.symbolic, c) else {
            let error = common.failure("cholmod_l_copy_factor")
            cholmod_l_free_sparse(&aHandle, c)
            throw error
        }
        let (sym, b) = try Self.symbolicCopyAndRightHandSide(of: other.symbolic, matrix: a, factor: l,
                                                             dimension: other.dimension, common: common)
        self.common = common
        self.kind = other.kind
        self.dimension = other.dimension
        self.matrix = a
        self.factor = l
        self.symbolic = sym
        self.rhs = b
        self.statistics = other.statistics
        self.isFactorized = numeric && other.isFactorized
    }

    /// The last two resources of an initializer: a copy of the symbolic analysis `source` and the
    /// right-hand side workspace. On failure frees `matrix` and `factor` (already owned by the caller)
    /// and whatever this allocated, then throws.
    private static func symbolicCopyAndRightHandSide(
        of source: UnsafeMutablePointer<cholmod_factor>, matrix: UnsafeMutablePointer<cholmod_sparse>,
        factor: UnsafeMutablePointer<cholmod_factor>, dimension: Int, common: CholmodCommon
    ) throws(FactorizationError) -> (UnsafeMutablePointer<cholmod_factor>, UnsafeMutablePointer<cholmod_dense>) {
        let c = common.pointer
        var aHandle: UnsafeMutablePointer<cholmod_sparse>? = matrix
        var lHandle: UnsafeMutablePointer<cholmod_factor>? = factor
        guard let sym = cholmod_l_copy_factor(source, c) else {
            let error = common.failure("cholmod_l_copy_factor")
            cholmod_l_free_factor(&lHandle, c)
            cholmod_l_free_sparse(&aHandle, c)
            throw error
        }
        guard let b = cholmod_l_allocate_dense(dimension, 1, dimension, CHOLMOD_REAL, c) else {
            let error = common.failure("cholmod_l_allocate_dense")
            var sHandle: UnsafeMutablePointer<cholmod_factor>? = sym
            cholmod_l_free_factor(&sHandle, c)
            cholmod_l_free_factor(&lHandle, c)
            cholmod_l_free_sparse(&aHandle, c)
            throw error
        }
        return (sym, b)
    }

    func copy(numeric: Bool = true) throws(FactorizationError) -> CholmodFactorization {
        try CholmodFactorization(copying: self, numeric: numeric)
    }

    deinit {
        let c = common.pointer
        var a: UnsafeMutablePointer<cholmod_sparse>? = matrix
        var l: UnsafeMutablePointer<cholmod_factor>? = factor
        var sym: UnsafeMutablePointer<cholmod_factor>? = symbolic
        var b: UnsafeMutablePointer<cholmod_dense>? = rhs
        cholmod_l_free_sparse(&a, c)
        cholmod_l_free_factor(&l, c)
        cholmod_l_free_factor(&sym, c)
        cholmod_l_free_dense(&b, c)
        cholmod_l_free_dense(&solution, c)
        cholmod_l_free_dense(&workY, c)
        cholmod_l_free_dense(&workE, c)
    }

    /// The values of the stored upper triangle, in the pattern order given at `init`. Writing them
    /// and calling `factorize()` is a numeric refactorization.
    var values: UnsafeMutableBufferPointer<Double> {
        let nnz = matrix.pointee.p.assumingMemoryBound(to: Int.self)[dimension]
        return UnsafeMutableBufferPointer(start: matrix.pointee.x.assumingMemoryBound(to: Double.self), count: nnz)
    }

    /// Numeric factorization of the current values. For LLᵀ, a breakdown throws `.notPositiveDefinite`.
    /// For LDLᵀ, CHOLMOD does not pivot; the caller checks the inertia.
    func factorize() throws(FactorizationError) {
        let c = common.pointer
        isFactorized = false
        let ok = cholmod_l_factorize(matrix, factor, c)
        if ok == 0 || c.pointee.status < CHOLMOD_OK { throw common.failure("cholmod_l_factorize") }
        if c.pointee.status == CHOLMOD_NOT_POSDEF {
            if kind == .supernodalLLT { throw .notPositiveDefinite(column: Int(factor.pointee.minor)) }
            // LDLᵀ: a zero pivot. Reported through the inertia check.
        }
        isFactorized = true
    }

    /// Number of positive, negative and zero (or NaN) pivots of D in LDLᵀ (simplicial only).
    func inertia() -> (positive: Int, negative: Int, zero: Int) {
        guard kind == .simplicialLDLT, factor.pointee.is_super == 0 else { return (dimension, 0, 0) }
        let lp = factor.pointee.p.assumingMemoryBound(to: Int.self)
        let lx = factor.pointee.x.assumingMemoryBound(to: Double.self)
        var pos = 0, neg = 0, zero = 0
        for j in 0..<dimension {
            let d = lx[lp[j]]
            if d > 0 { pos += 1 } else if d < 0 { neg += 1 } else { zero += 1 }
        }
        return (pos, neg, zero)
    }

    /// Actual entries stored in L (simplicial: column counts; supernodal: size of the numeric part).
    var storedEntriesInL: Int {
        if factor.pointee.is_super != 0 { return Int(factor.pointee.xsize) }
        let lnz = factor.pointee.nz.assumingMemoryBound(to: Int.self)
        var s = 0
        for j in 0..<dimension { s += lnz[j] }
        return s
    }

    /// x = M⁻¹ b with the current factor. `b` and `x` may not alias.
    func solve(_ b: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) throws(FactorizationError) {
        let c = common.pointer
        let bx = rhs.pointee.x.assumingMemoryBound(to: Double.self)
        for k in 0..<dimension { bx[k] = b[k] }
        var xHandle = solution
        var yHandle = workY
        var eHandle = workE
        let ok = cholmod_l_solve2(CHOLMOD_A, factor, rhs, nil, &xHandle, nil, &yHandle, &eHandle, c)
        solution = xHandle; workY = yHandle; workE = eHandle
        guard ok != 0, let xs = xHandle else { throw common.failure("cholmod_l_solve2") }
        let sx = xs.pointee.x.assumingMemoryBound(to: Double.self)
        for k in 0..<dimension { x[k] = sx[k] }
    }
}

extension CholmodFactorization {
    /// For a simplicial LDLᵀ factor of M whose pivots are not all positive: a vector d with
    /// dᵀMd = D_kk ≤ 0, for k the first non-positive pivot in elimination order (d = P·L⁻ᵀe_k, in the
    /// matrix's own indexing); nil when every pivot is positive or the factor is not simplicial LDLᵀ.
    ///
    /// Only L's entries in rows ≤ k are used, and those were computed from the positive pivots before
    /// k, so the entries after a zero or negative pivot (which may be huge or non-finite) never enter.
    func firstNonPositivePivotDirection() -> (direction: [Double], pivot: Double)? {
        guard kind == .simplicialLDLT, isFactorized, factor.pointee.is_super == 0, factor.pointee.is_ll == 0 else { return nil }
        let lp = factor.pointee.p.assumingMemoryBound(to: Int.self)
        let li = factor.pointee.i.assumingMemoryBound(to: Int.self)
        let lx = factor.pointee.x.assumingMemoryBound(to: Double.self)
        let lnz = factor.pointee.nz.assumingMemoryBound(to: Int.self)
        let perm = factor.pointee.Perm.assumingMemoryBound(to: Int.self)
        guard let k = (0..<dimension).first(where: { !(lx[lp[$0]] > 0) }) else { return nil }
        // Lᵀd = e_k by columns: d_j = −Σ_{j<i≤k} L_ij d_i for j = k−1, …, 0 (d_i = 0 for i > k).
        var d = [Double](repeating: 0, count: dimension)
        d[k] = 1
        var j = k - 1
        while j >= 0 {
            var s = 0.0
            for p in (lp[j] + 1)..<(lp[j] + lnz[j]) where li[p] <= k { s += lx[p] * d[li[p]] }
            d[j] = -s
            j -= 1
        }
        var direction = [Double](repeating: 0, count: dimension)
        for t in 0..<dimension { direction[perm[t]] = d[t] }
        return (direction, lx[lp[k]])
    }
}
