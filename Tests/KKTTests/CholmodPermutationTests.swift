import Testing
import CSuiteSparse
import Sparse
@testable import KKT
import TestSupport

/// `CholmodFactorization` applies the analysis' permutation P once (C = PMPᵀ, a natural-order factor)
/// and permutes right-hand sides and directions itself. These tests compare it with CHOLMOD's own
/// path (M stored upper, P inside the factor) and check every place where P enters.
@Suite struct CholmodPermutationTests {
    /// K = [P + 0.1I, Aᵀ; A, −diag(1/ρ)] (upper triangle), quasi-definite.
    static func quasiDefinite(n: Int, m: Int, seed: UInt64) throws -> CSCMatrix {
        var g = SeededGenerator(seed: seed)
        let P = randomPSDUpper(n: n, density: 4 / Double(n), shift: 0.1, using: &g)
        let At = randomSparse(rows: n, columns: m, density: 3 / Double(n), using: &g)
        var pointers = [0], rows: [Int] = [], values: [Double] = []
        for j in 0..<n {
            for p in P.pattern.range(ofColumn: j) { rows.append(P.rowIndices[p]); values.append(P.values[p]) }
            pointers.append(rows.count)
        }
        for i in 0..<m {
            for p in At.pattern.range(ofColumn: i) { rows.append(At.rowIndices[p]); values.append(At.values[p]) }
            rows.append(n + i)
            values.append(-1 / g.nextUniform(0.1, 10))
            pointers.append(rows.count)
        }
        return try CSCMatrix(rowCount: n + m, columnCount: n + m, columnPointers: pointers, rowIndices: rows, values: values)
    }

    /// MᵀM + shift·I (upper triangle) for a random sparse M: positive definite for shift > 0,
    /// indefinite for a negative shift above −λ_max.
    static func shiftedGram(n: Int, shift: Double, seed: UInt64) -> CSCMatrix {
        var g = SeededGenerator(seed: seed)
        return randomPSDUpper(n: n, density: 3 / Double(n), shift: shift, using: &g)
    }

    /// The same values with every entry scaled by (1 + 0.01·k) for its position k: a new matrix
    /// on the same pattern.
    static func perturbed(_ m: CSCMatrix) -> CSCMatrix {
        CSCMatrix(uncheckedPattern: m.pattern, values: m.values.enumerated().map { $1 * (1 + 0.01 * Double($0 % 7)) })
    }

    /// Bit-for-bit equality of two factors' entries, reported without printing them.
    static func sameFactor(_ a: [Double], _ b: [Double], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let same = bitwiseEqual(a, b)
        let first = a.indices.first { $0 < b.count && a[$0].bitPattern != b[$0].bitPattern }
        let at = first.map { String($0) } ?? "none"
        #expect(same, "\(what): \(a.count) and \(b.count) entries, first difference at \(at)", sourceLocation: sourceLocation)
    }

    static func cholmodOrdering(_ o: OrderingChoice) -> Int32 { o == .metis ? CHOLMOD_METIS : CHOLMOD_AMD }

    /// CHOLMOD's own path for M (stored upper, P kept in the factor: `cholmod_l_factorize` permutes M
    /// itself), factorized for each value array in turn: the permutation and each factor's entries.
    static func reference(pattern: SparsityPattern, valueSets: [[Double]], kind: CholmodKind,
                          ordering: OrderingChoice) -> (perm: [Int], factors: [[Double]]) {
        var common = cholmod_common()
        cholmod_l_start(&common)
        defer { cholmod_l_finish(&common) }
        common.print = 0
        common.supernodal = kind == .supernodalLLT ? CHOLMOD_SUPERNODAL : CHOLMOD_SIMPLICIAL
        common.final_ll = kind == .supernodalLLT ? 1 : 0
        common.nmethods = 1
        common.method.0.ordering = cholmodOrdering(ordering)
        common.postorder = 1
        let n = pattern.columnCount, nnz = pattern.nonzeroCount
        var a = cholmod_l_allocate_sparse(n, n, nnz, 1, 1, 1, CHOLMOD_REAL, &common)
        defer { cholmod_l_free_sparse(&a, &common) }
        let ap = a!.pointee.p.assumingMemoryBound(to: Int.self), ai = a!.pointee.i.assumingMemoryBound(to: Int.self)
        let ax = a!.pointee.x.assumingMemoryBound(to: Double.self)
        for k in 0...n { ap[k] = pattern.columnPointers[k] }
        for k in 0..<nnz { ai[k] = pattern.rowIndices[k] }
        var l = cholmod_l_analyze(a, &common)
        defer { cholmod_l_free_factor(&l, &common) }
        let lPerm = l!.pointee.Perm.assumingMemoryBound(to: Int.self)
        let perm = (0..<n).map { lPerm[$0] }
        var factors: [[Double]] = []
        for values in valueSets {
            for k in 0..<nnz { ax[k] = values[k] }
            _ = cholmod_l_factorize(a, l, &common)
            factors.append(CholmodFactorization.entries(of: l!))
        }
        return (perm, factors)
    }

    /// ‖Mx − b‖∞ / (‖M‖∞‖x‖∞ + ‖b‖∞) for M given by its upper triangle.
    static func relativeResidual(_ upper: CSCMatrix, _ x: [Double], _ b: [Double]) -> Double {
        let m = denseSymmetric(fromUpper: upper)
        let r = maxAbsDifference(denseMultiply(m, x), b)
        let mNorm = m.map { $0.reduce(0) { $0 + abs($1) } }.max() ?? 0
        return r / (mNorm * (x.map(abs).max() ?? 0) + (b.map(abs).max() ?? 0))
    }

    static func solve(_ f: CholmodFactorization, _ b: [Double]) throws -> [Double] {
        var x = [Double](repeating: 0, count: b.count)
        try b.withUnsafeBufferPointer { bp in try x.withUnsafeMutableBufferPointer { try f.solve(bp, into: $0) } }
        return x
    }

    static func factorize(_ f: CholmodFactorization, values: [Double]) throws {
        let v = f.values
        for k in 0..<v.count { v[k] = values[k] }
        try f.factorize()
    }

    static func matrix(for kind: CholmodKind) throws -> CSCMatrix {
        kind == .simplicialLDLT ? try quasiDefinite(n: 150, m: 90, seed: 11) : shiftedGram(n: 300, shift: 0.5, seed: 12)
    }

    @Test("the factor is bit for bit CHOLMOD's own factor of M with the same permutation, also after new values",
          arguments: [CholmodKind.simplicialLDLT, .supernodalLLT], [OrderingChoice.amd, .metis])
    func factorMatchesCholmodsOwnPath(kind: CholmodKind, ordering: OrderingChoice) throws {
        let m1 = try Self.matrix(for: kind), m2 = Self.perturbed(m1)
        let f = try CholmodFactorization(upper: m1, kind: kind, ordering: ordering)
        let reference = Self.reference(pattern: m1.pattern, valueSets: [m1.values, m2.values], kind: kind, ordering: ordering)
        #expect(f.fillReducingPermutation == reference.perm)
        #expect(f.fillReducingPermutation != Array(0..<m1.columnCount), "the test needs a non-trivial permutation")
        try f.factorize()
        #expect(!f.factorEntries.isEmpty)
        Self.sameFactor(f.factorEntries, reference.factors[0], "first values")
        try Self.factorize(f, values: m2.values)
        Self.sameFactor(f.factorEntries, reference.factors[1], "new values")
        #expect(f.storedEntriesInL == reference.factors[1].count)
    }

    @Test("solves return M⁻¹b in M's own indexing", arguments: [CholmodKind.simplicialLDLT, .supernodalLLT])
    func solveUndoesThePermutation(kind: CholmodKind) throws {
        let m = try Self.matrix(for: kind)
        let f = try CholmodFactorization(upper: m, kind: kind, ordering: .amd)
        try f.factorize()
        var g = SeededGenerator(seed: 5)
        let b = randomVector(count: m.columnCount, using: &g)
        #expect(Self.relativeResidual(m, try Self.solve(f, b), b) < 1e-13)
    }

    @Test("an indefinite matrix: inertia, and the first non-positive pivot's direction d has dᵀMd = D_kk")
    func indefiniteMatrixDirection() throws {
        let m = Self.shiftedGram(n: 200, shift: -0.3, seed: 21)
        let f = try CholmodFactorization(upper: m, kind: .simplicialLDLT, ordering: .amd)
        #expect(f.fillReducingPermutation != Array(0..<m.columnCount))
        try f.factorize()
        let inertia = f.inertia()
        #expect(inertia.positive + inertia.negative + inertia.zero == m.columnCount)
        #expect(inertia.negative > 0)
        let found = try #require(f.firstNonPositivePivotDirection())
        #expect(found.pivot <= 0)
        let d = found.direction
        let curvature = m.symmetricUpperQuadraticForm(d)
        let dNorm1 = d.reduce(0) { $0 + abs($1) }
        let scale = (m.values.map(abs).max() ?? 0) * dNorm1 * dNorm1
        #expect(abs(curvature - found.pivot) <= 1e-10 * scale, "dᵀMd = \(curvature), D_kk = \(found.pivot)")
    }

    @Test("companions (also one copied before the first factorization): a numeric copy keeps the original's factor, new values in a copy change only the copy",
          arguments: [CholmodKind.simplicialLDLT, .supernodalLLT])
    func companionsAfterValueChanges(kind: CholmodKind) throws {
        let m1 = try Self.matrix(for: kind), m2 = Self.perturbed(m1)
        let f = try CholmodFactorization(upper: m1, kind: kind, ordering: .amd)
        // A copy taken before the first factorization (C not built yet).
        let early = try f.copy(numeric: false)
        try f.factorize()
        let original = f.factorEntries
        let numericCopy = try f.copy(numeric: true), symbolicCopy = try f.copy(numeric: false)
        #expect(numericCopy.isFactorized && !symbolicCopy.isFactorized)
        Self.sameFactor(numericCopy.factorEntries, original, "numeric copy")
        try Self.factorize(numericCopy, values: m2.values)
        try Self.factorize(symbolicCopy, values: m2.values)
        Self.sameFactor(f.factorEntries, original, "original after the copies refactorized")
        Self.sameFactor(numericCopy.factorEntries, symbolicCopy.factorEntries, "numeric and symbolic copies")
        try Self.factorize(early, values: m2.values)
        Self.sameFactor(early.factorEntries, symbolicCopy.factorEntries, "copy before the first factorization")
        #expect(!bitwiseEqual(numericCopy.factorEntries, original), "new values must change the copy's factor")
        var g = SeededGenerator(seed: 6)
        let b = randomVector(count: m1.columnCount, using: &g)
        #expect(Self.relativeResidual(m1, try Self.solve(f, b), b) < 1e-13)
        #expect(Self.relativeResidual(m2, try Self.solve(numericCopy, b), b) < 1e-13)
        #expect(Self.relativeResidual(m2, try Self.solve(symbolicCopy, b), b) < 1e-13)
    }

    @Test("entries below the diagonal of the given triangle are ignored, as CHOLMOD ignores them")
    func entriesBelowTheDiagonalAreIgnored() throws {
        let upper = try Self.quasiDefinite(n: 40, m: 25, seed: 31)
        // The full symmetric matrix: each column's upper entries, then the mirrored ones below.
        let t = upper.transposed()
        var pointers = [0], rows: [Int] = [], values: [Double] = []
        for j in 0..<upper.columnCount {
            for p in upper.pattern.range(ofColumn: j) { rows.append(upper.rowIndices[p]); values.append(upper.values[p]) }
            for p in t.pattern.range(ofColumn: j) where t.rowIndices[p] > j { rows.append(t.rowIndices[p]); values.append(t.values[p]) }
            pointers.append(rows.count)
        }
        let full = try CSCMatrix(rowCount: upper.rowCount, columnCount: upper.columnCount, columnPointers: pointers,
                                 rowIndices: rows, values: values)
        let f = try CholmodFactorization(upper: upper, kind: .simplicialLDLT, ordering: .amd)
        let g = try CholmodFactorization(upper: full, kind: .simplicialLDLT, ordering: .amd)
        try f.factorize()
        try g.factorize()
        #expect(g.fillReducingPermutation == f.fillReducingPermutation)
        Self.sameFactor(g.factorEntries, f.factorEntries, "full vs upper")
    }
}
