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

/// Owns one CHOLMOD object (a sparse matrix, a factor or a dense matrix) allocated through a
/// `CholmodCommon`, and frees it through the same common, which it keeps alive.
final class CholmodObject<Pointee> {
    let pointer: UnsafeMutablePointer<Pointee>
    private let common: CholmodCommon
    /// CHOLMOD's `cholmod_l_free_*` for `Pointee`.
    typealias Free = (UnsafeMutablePointer<UnsafeMutablePointer<Pointee>?>?, UnsafeMutablePointer<cholmod_common>?) -> Int32
    private let free: Free

    /// Takes the result of an allocating CHOLMOD call; nil (the call failed) throws the common's status.
    private init(_ pointer: UnsafeMutablePointer<Pointee>?, common: CholmodCommon, function: String,
                 free: @escaping Free) throws(FactorizationError) {
        guard let pointer else { throw common.failure(function) }
        self.pointer = pointer
        self.common = common
        self.free = free
    }

    deinit {
        var handle: UnsafeMutablePointer<Pointee>? = pointer
        _ = free(&handle, common.pointer)
    }
}

extension CholmodObject where Pointee == cholmod_sparse {
    static func owning(_ pointer: UnsafeMutablePointer<cholmod_sparse>?, common: CholmodCommon,
                       from function: String) throws(FactorizationError) -> CholmodObject {
        try CholmodObject(pointer, common: common, function: function, free: cholmod_l_free_sparse)
    }
}

extension CholmodObject where Pointee == cholmod_factor {
    static func owning(_ pointer: UnsafeMutablePointer<cholmod_factor>?, common: CholmodCommon,
                       from function: String) throws(FactorizationError) -> CholmodObject {
        try CholmodObject(pointer, common: common, function: function, free: cholmod_l_free_factor)
    }
}

extension CholmodObject where Pointee == cholmod_dense {
    static func owning(_ pointer: UnsafeMutablePointer<cholmod_dense>?, common: CholmodCommon,
                       from function: String) throws(FactorizationError) -> CholmodObject {
        try CholmodObject(pointer, common: common, function: function, free: cholmod_l_free_dense)
    }

    /// The column-major values (nrow × ncol, leading dimension d).
    var entries: UnsafeMutablePointer<Double> { pointer.pointee.x.assumingMemoryBound(to: Double.self) }
}

/// A symmetric matrix M (upper triangle given, fixed pattern) together with its CHOLMOD factor.
///
/// The symbolic analysis happens once, in `init`, with the requested fill-reducing ordering. Given a
/// permutation P (the ordering composed with CHOLMOD's postordering), `cholmod_l_factorize` rebuilds
/// PMPᵀ from M by one (supernodal) or two (simplicial) `cholmod_transpose_sym` at every numeric
/// factorization. Here those transposes run once, at the first numeric factorization (an analysis
/// that is never factorized, as in a strategy choice, does not pay for them), on M's entry
/// positions: CHOLMOD keeps C = PMPᵀ (triu for LDLᵀ, tril for LLᵀ, exactly as `cholmod_l_factorize`
/// would build it) and the analysis relabelled to the natural ordering, with which it factorizes C
/// as stored. The factor is entry for entry the one CHOLMOD computes from M and P. `values` stay in
/// M's pattern order: `factorize()` gathers them into C (O(nnz)), and `solve` applies P itself.
/// `solve` uses preallocated dense workspaces (no allocation per solve after the first).
final class CholmodFactorization {
    let common: CholmodCommon
    let kind: CholmodKind
    let dimension: Int
    /// M's values in the pattern order given at `init` (an nnz×1 CHOLMOD dense matrix).
    private let storedValues: CholmodObject<cholmod_dense>
    /// The matrix CHOLMOD factorizes.
    private var pattern: PatternState
    private let factor: CholmodObject<cholmod_factor>
    /// The symbolic analysis alone (no numeric part: O(n) for simplicial factors), copied right after
    /// the analysis, so companions that refactorize anyway need not copy the numeric factor.
    private let symbolic: CholmodObject<cholmod_factor>
    /// perm[k] is the row and column of M that is row and column k of C (CHOLMOD's `L->Perm` of the
    /// analysis); shared by companions.
    private let perm: [Int]
    private let rhs: CholmodObject<cholmod_dense>
    private var solution: UnsafeMutablePointer<cholmod_dense>?
    private var workY: UnsafeMutablePointer<cholmod_dense>?
    private var workE: UnsafeMutablePointer<cholmod_dense>?
    let statistics: AnalysisStatistics
    private(set) var isFactorized = false

    private enum PatternState {
        /// M as analysed, the position of each stored entry as its value; C is not built yet.
        case analysed(CholmodObject<cholmod_sparse>)
        /// C = PMPᵀ, and source[q]: the position in M's pattern order of C's q-th stored entry
        /// (shared by companions).
        case permuted(CholmodObject<cholmod_sparse>, source: [Int])
    }

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
        // M with the position of each stored entry as its value: the transposes below carry the
        // positions into C, which gives the map from M's entries to C's.
        let m = try CholmodObject.owning(cholmod_l_allocate_sparse(n, n, nnz, 1, 1, 1, CHOLMOD_REAL, c),
                                         common: common, from: "cholmod_l_allocate_sparse")
        let mp = m.pointer.pointee.p.assumingMemoryBound(to: Int.self)
        let mi = m.pointer.pointee.i.assumingMemoryBound(to: Int.self)
        let mx = m.pointer.pointee.x.assumingMemoryBound(to: Double.self)
        upper.columnPointers.withUnsafeBufferPointer { for k in 0...n { mp[k] = $0[k] } }
        upper.rowIndices.withUnsafeBufferPointer { for k in 0..<nnz { mi[k] = $0[k] } }
        for k in 0..<nnz { mx[k] = Double(k) }
        let factor = try CholmodObject.owning(cholmod_l_analyze(m.pointer, c), common: common, from: "cholmod_l_analyze")
        let l = factor.pointer
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
        // The analysis relabelled to the natural ordering, P kept here: every other part of the
        // symbolic factor (column counts, supernodes) already describes C.
        let lPerm = l.pointee.Perm.assumingMemoryBound(to: Int.self)
        let perm = (0..<n).map { lPerm[$0] }
        for k in 0..<n { lPerm[k] = k }
        l.pointee.ordering = CHOLMOD_NATURAL
        let storedValues = try CholmodObject.owning(cholmod_l_allocate_dense(nnz, 1, nnz, CHOLMOD_REAL, c),
                                                    common: common, from: "cholmod_l_allocate_dense")
        upper.values.withUnsafeBufferPointer { for k in 0..<nnz { storedValues.entries[k] = $0[k] } }
        self.symbolic = try .owning(cholmod_l_copy_factor(l, c), common: common, from: "cholmod_l_copy_factor")
        self.rhs = try .owning(cholmod_l_allocate_dense(n, 1, n, CHOLMOD_REAL, c), common: common,
                               from: "cholmod_l_allocate_dense")
        self.common = common
        self.kind = kind
        self.dimension = n
        self.storedValues = storedValues
        self.pattern = .analysed(m)
        self.factor = factor
        self.perm = perm
    }

    /// A second factorization on the same pattern that shares nothing mutable with this one:
    /// its own CHOLMOD common, a copy of the values, of C (built first if needed) and of the factor
    /// (the symbolic analysis is copied, not recomputed; P and the map to C are shared). With `numeric` false only the symbolic
    /// analysis is copied: the copy must be factorized before it solves.
    private init(copying other: CholmodFactorization, numeric: Bool) throws(FactorizationError) {
        let common = try CholmodCommon()
        let c = common.pointer
        let o = other.common.pointer.pointee
        c.pointee.supernodal = o.supernodal
        c.pointee.final_ll = o.final_ll
        c.pointee.nmethods = o.nmethods
        c.pointee.method = o.method
        c.pointee.postorder = o.postorder
        storedValues = try .owning(cholmod_l_copy_dense(other.storedValues.pointer, c), common: common,
                                   from: "cholmod_l_copy_dense")
        let (otherC, source) = try other.permutedMatrix()
        pattern = .permuted(try .owning(cholmod_l_copy_sparse(otherC.pointer, c), common: common,
                                        from: "cholmod_l_copy_sparse"), source: source)
        factor = try .owning(cholmod_l_copy_factor(numeric ? other.factor.pointer : other.symbolic.pointer, c),
                             common: common, from: "cholmod_l_copy_factor")
        symbolic = try .owning(cholmod_l_copy_factor(other.symbolic.pointer, c), common: common,
                               from: "cholmod_l_copy_factor")
        rhs = try .owning(cholmod_l_allocate_dense(other.dimension, 1, other.dimension, CHOLMOD_REAL, c),
                          common: common, from: "cholmod_l_allocate_dense")
        self.common = common
        self.kind = other.kind
        self.dimension = other.dimension
        self.perm = other.perm
        self.statistics = other.statistics
        self.isFactorized = numeric && other.isFactorized
    }

    /// A companion (see `init(copying:numeric:)`). Builds C on this factorization first when it has
    /// not been factorized yet; like every use of this class, not to be called concurrently with
    /// other calls on it.
    func copy(numeric: Bool = true) throws(FactorizationError) -> CholmodFactorization {
        try CholmodFactorization(copying: self, numeric: numeric)
    }

    deinit {
        let c = common.pointer
        cholmod_l_free_dense(&solution, c)
        cholmod_l_free_dense(&workY, c)
        cholmod_l_free_dense(&workE, c)
    }

    /// The values of the stored upper triangle, in the pattern order given at `init`. Writing them
    /// and calling `factorize()` is a numeric refactorization.
    var values: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: storedValues.entries, count: Int(storedValues.pointer.pointee.nrow))
    }

    /// C and the map from M's entries to C's, built on first use from the analysed M: tril(PMPᵀ) =
    /// M(p,p)ᵀ for the supernodal factorization, its transpose triu(PMPᵀ) (rows ascending) for the
    /// simplicial one, as `cholmod_l_factorize` builds them from M and P.
    private func permutedMatrix() throws(FactorizationError) -> (CholmodObject<cholmod_sparse>, source: [Int]) {
        switch pattern {
        case let .permuted(matrix, source):
            return (matrix, source)
        case let .analysed(m):
            let c = common.pointer
            var p = perm
            let lower = try p.withUnsafeMutableBufferPointer { (p) throws(FactorizationError) in
                try CholmodObject.owning(cholmod_l_ptranspose(m.pointer, 1, p.baseAddress, nil, 0, c), common: common,
                                         from: "cholmod_l_ptranspose")
            }
            let matrix = kind == .supernodalLLT ? lower
                : try CholmodObject.owning(cholmod_l_ptranspose(lower.pointer, 1, nil, nil, 0, c), common: common,
                                           from: "cholmod_l_ptranspose")
            let cx = matrix.pointer.pointee.x.assumingMemoryBound(to: Double.self)
            let count = matrix.pointer.pointee.p.assumingMemoryBound(to: Int.self)[dimension]
            let source = (0..<count).map { Int(cx[$0]) }
            pattern = .permuted(matrix, source: source)
            return (matrix, source)
        }
    }

    /// Numeric factorization of the current values. For LLᵀ, a breakdown throws `.notPositiveDefinite`.
    /// For LDLᵀ, CHOLMOD does not pivot; the caller checks the inertia.
    func factorize() throws(FactorizationError) {
        let c = common.pointer
        isFactorized = false
        let (matrix, source) = try permutedMatrix()
        let v = storedValues.entries
        let cx = matrix.pointer.pointee.x.assumingMemoryBound(to: Double.self)
        source.withUnsafeBufferPointer { source in
            for q in source.indices { cx[q] = v[source[q]] }
        }
        let f = factor.pointer
        let ok = cholmod_l_factorize(matrix.pointer, f, c)
        if ok == 0 || c.pointee.status < CHOLMOD_OK { throw common.failure("cholmod_l_factorize") }
        if c.pointee.status == CHOLMOD_NOT_POSDEF {
            if kind == .supernodalLLT { throw .notPositiveDefinite(column: Int(f.pointee.minor)) }
            // LDLᵀ: a zero pivot. Reported through the inertia check.
        }
        isFactorized = true
    }

    /// Number of positive, negative and zero (or NaN) pivots of D in LDLᵀ (simplicial only).
    func inertia() -> (positive: Int, negative: Int, zero: Int) {
        let f = factor.pointer.pointee
        guard kind == .simplicialLDLT, f.is_super == 0 else { return (dimension, 0, 0) }
        let lp = f.p.assumingMemoryBound(to: Int.self)
        let lx = f.x.assumingMemoryBound(to: Double.self)
        var pos = 0, neg = 0, zero = 0
        for j in 0..<dimension {
            let d = lx[lp[j]]
            if d > 0 { pos += 1 } else if d < 0 { neg += 1 } else { zero += 1 }
        }
        return (pos, neg, zero)
    }

    /// Actual entries stored in L (simplicial: column counts; supernodal: size of the numeric part).
    var storedEntriesInL: Int {
        let f = factor.pointer.pointee
        if f.is_super != 0 { return Int(f.xsize) }
        let lnz = f.nz.assumingMemoryBound(to: Int.self)
        var s = 0
        for j in 0..<dimension { s += lnz[j] }
        return s
    }

    /// P, the permutation of the analysis (its ordering with CHOLMOD's postordering): row and column k
    /// of the factorized matrix are row and column `fillReducingPermutation[k]` of M.
    var fillReducingPermutation: [Int] { perm }

    /// The numeric factor's values in CHOLMOD's layout, in elimination order (simplicial: the `nz[j]`
    /// entries of each column j; supernodal: the `xsize` values of the supernodes); empty before the
    /// first numeric factorization. For comparing two factors entry for entry.
    var factorEntries: [Double] { Self.entries(of: factor.pointer) }

    static func entries(of f: UnsafePointer<cholmod_factor>) -> [Double] {
        let l = f.pointee
        guard l.xtype != CHOLMOD_PATTERN, let x = l.x?.assumingMemoryBound(to: Double.self) else { return [] }
        if l.is_super != 0 { return Array(UnsafeBufferPointer(start: x, count: Int(l.xsize))) }
        let lp = l.p.assumingMemoryBound(to: Int.self), lnz = l.nz.assumingMemoryBound(to: Int.self)
        var out: [Double] = []
        for j in 0..<Int(l.n) { out.append(contentsOf: UnsafeBufferPointer(start: x + lp[j], count: lnz[j])) }
        return out
    }

    /// x = M⁻¹ b = Pᵀ C⁻¹ P b with the current factor. `b` and `x` may not alias.
    func solve(_ b: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) throws(FactorizationError) {
        let c = common.pointer
        let bx = rhs.entries
        var xHandle = solution
        var yHandle = workY
        var eHandle = workE
        try perm.withUnsafeBufferPointer { (perm) throws(FactorizationError) in
            for k in 0..<dimension { bx[k] = b[perm[k]] }
            let ok = cholmod_l_solve2(CHOLMOD_A, factor.pointer, rhs.pointer, nil, &xHandle, nil, &yHandle, &eHandle, c)
            solution = xHandle; workY = yHandle; workE = eHandle
            guard ok != 0, let xs = xHandle else { throw common.failure("cholmod_l_solve2") }
            let sx = xs.pointee.x.assumingMemoryBound(to: Double.self)
            for k in 0..<dimension { x[perm[k]] = sx[k] }
        }
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
        let f = factor.pointer.pointee
        guard kind == .simplicialLDLT, isFactorized, f.is_super == 0, f.is_ll == 0 else { return nil }
        let lp = f.p.assumingMemoryBound(to: Int.self)
        let li = f.i.assumingMemoryBound(to: Int.self)
        let lx = f.x.assumingMemoryBound(to: Double.self)
        let lnz = f.nz.assumingMemoryBound(to: Int.self)
        let perm = self.perm
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
