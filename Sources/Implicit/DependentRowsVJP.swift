import Sparse
import KKT
import QP
import ADMM

/// The `.kkt` VJP at dependent tight rows without enumerating pieces.
///
/// Near the solution, the solution map is piecewise smooth; its pieces are the active sets J of
/// the tight rows T with independent rows and a multiplier supported on J (see `Pieces.swift`).
/// Two sets decide whether all pieces give the same gradient of L = dxᵀx* + dyᵀy*:
/// - the *core* C: rows in every piece — equality rows, and inequality rows whose multiplier is
///   nonzero for every multiplier y in the multiplier set Λ (min over Λ of |y_i| > 0; the smallest
///   pieces are the supports of Λ's vertices);
/// - every tight row may be in some piece (T is used for the union, which can only make the test
///   stricter).
/// Piece J's adjoint solves [P, A_Jᵀ; A_J, 0]·(r, s) = −(dx, dy_J) with a unique solution. All pieces
/// agree exactly when one (r, s) solves it for every J at once: a_iᵀr = −dy_i on every tight row and
/// s supported on C. Then (r, s) is each piece's solution and the gradient is the pieces' common one,
/// provided the A-gradient term y_i·r_j (y_i the piece's own multiplier) does not depend on the piece:
/// r_j = 0 on the pattern of every row whose multiplier is not unique.
///
/// Computation: the null space N of A_Tᵀ (multipliers are y₀ + N·w) by pivoted Cholesky of the
/// Gram matrix A_T·A_Tᵀ (dense, |T| ≤ `DifferentiationSettings.maxDependentTightRows`); the core by
/// one small LP per inequality row with non-unique multiplier (min ±y_i over w, solved by the
/// package's solver); one refined solve of the regularized [P, A_Tᵀ; A_T, 0] system, consistent
/// exactly when a_iᵀr = −dy_i can hold on all of T; then the w that zeroes s off the core, by dense
/// least squares. Any failure returns nil (the convention, flagged, is kept).
extension Differentiator {
    /// Relative size below which a null-space entry, a multiplier bound or a residual counts as 0:
    /// far above the rounding level of the refined solves and the ε = 1e-10 LPs, far below any
    /// multiplier that matters.
    static let dependentRowsTolerance = 1e-8
    /// Relative pivot threshold of the Gram matrix's pivoted Cholesky (squares of row norms): 1e-10,
    /// i.e. 1e-5 of a row norm, far above the factorization's rounding error.
    static let gramRankTolerance = 1e-10
    /// Relative diagonal shift (of the trace) of the small normal-equations matrix of the core LPs'
    /// least-squares step: keeps its Cholesky defined when columns are dependent, at rounding level.
    static let gramRegularization = 1e-14

    struct DependentRowsGradient {
        var gradient: Gradients?
        var differentiable: Bool
        var factorizations: Int
    }

    /// Null space of Mᵀ for the k × n matrix M (rows = tight rows) by diagonally pivoted Cholesky
    /// of G = M·Mᵀ: the basis vectors (length k), one per row the pivoting leaves dependent.
    static func leftNullSpace(_ M: CSCMatrix) -> [[Double]] {
        let k = M.rowCount
        var G = [Double](repeating: 0, count: k * k)
        for j in 0..<M.columnCount {
            let range = M.pattern.range(ofColumn: j)
            for p in range {
                let a = M.pattern.rowIndices[p], va = M.values[p]
                for q in range { G[a * k + M.pattern.rowIndices[q]] += va * M.values[q] }
            }
        }
        var order = Array(0..<k)
        var maxDiagonal = 0.0
        for a in 0..<k { maxDiagonal = max(maxDiagonal, G[a * k + a]) }
        // Pivots below this are rounding of a zero Schur complement (its error is ~k·ε·max Gᵢᵢ): rows
        // whose remaining part is below 1e-5 of the largest row norm count as dependent.
        let threshold = gramRankTolerance * max(maxDiagonal, .leastNormalMagnitude)
        // Right-looking Cholesky on the permuted matrix; L stored in G's lower triangle.
        var rank = 0
        while rank < k {
            var best = rank
            for t in rank..<k where G[order[t] * k + order[t]] > G[order[best] * k + order[best]] { best = t }
            let pivot = order[best]
            guard G[pivot * k + pivot] > threshold else { break }
            order.swapAt(rank, best)
            let d = G[pivot * k + pivot].squareRoot()
            G[pivot * k + pivot] = d
            for t in (rank + 1)..<k { G[order[t] * k + pivot] /= d }
            // Trailing update of the whole (symmetric) block: later pivoting reorders its rows.
            for t in (rank + 1)..<k {
                let a = order[t], la = G[a * k + pivot]
                for s in (rank + 1)..<k { G[a * k + order[s]] -= la * G[order[s] * k + pivot] }
            }
            rank += 1
        }
        // Null vectors: for each dependent row b, v = [−L₁₁⁻ᵀ·L₂₁[b, :]ᵀ on the pivots; 1 at b].
        var basis: [[Double]] = []
        for t in rank..<k {
            let b = order[t]
            var z = [Double](repeating: 0, count: rank)
            for s in 0..<rank { z[s] = G[b * k + order[s]] }
            for s in stride(from: rank - 1, through: 0, by: -1) {
                let ps = order[s]
                var v = z[s]
                for u in (s + 1)..<rank { v -= G[order[u] * k + ps] * z[u] }
                z[s] = v / G[ps * k + ps]
            }
            var v = [Double](repeating: 0, count: k)
            for s in 0..<rank { v[order[s]] = -z[s] }
            v[b] = 1
            basis.append(v)
        }
        return basis
    }

    /// min_w ‖B·w + c‖₂ for a small dense B (rows × k) by the normal equations with a tiny ridge and
    /// Gaussian elimination with partial pivoting; returns w.
    static func denseLeastSquares(_ B: [[Double]], _ c: [Double], k: Int) -> [Double] {
        var H = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k)
        var trace = 0.0
        for (row, b) in B.enumerated() {
            for a in 0..<k {
                for e in 0..<k { H[a][e] += b[a] * b[e] }
                H[a][k] -= b[a] * c[row]
            }
        }
        for a in 0..<k { trace += H[a][a] }
        for a in 0..<k { H[a][a] += Self.gramRegularization * max(trace, 1) }
        for col in 0..<k {
            var p = col
            for r in col..<k where abs(H[r][col]) > abs(H[p][col]) { p = r }
            H.swapAt(col, p)
            let d = H[col][col]
            guard d != 0 else { continue }
            for r in (col + 1)..<k {
                let f = H[r][col] / d
                if f != 0 { for e in col...k { H[r][e] -= f * H[col][e] } }
            }
        }
        var w = [Double](repeating: 0, count: k)
        for a in stride(from: k - 1, through: 0, by: -1) {
            var v = H[a][k]
            for e in (a + 1)..<k { v -= H[a][e] * w[e] }
            w[a] = H[a][a] != 0 ? v / H[a][a] : 0
        }
        return w
    }

    /// What `dependentRowsGradient` computes once per instance: the tight rows, the null space of
    /// A_Tᵀ, the core, the free rows, and the factorized all-tight-rows matrix.
    struct DependentRowsAnalysis {
        var tight: [(row: Int, side: Int8, equality: Bool)]
        var basis: [[Double]]
        var core: [Bool]
        var freeRows: [Int]
        var y0: [Double]
        var sides: [Int8]
        var matrix: PatternMatrix
        var factorizations: Int
    }

    /// The analysis (cached after the first call); nil when it does not apply: more tight rows than
    /// `maxDependentTightRows`, dependent equality rows, or a failed LP.
    func dependentRowsAnalysis() throws(DerivativeError) -> DependentRowsAnalysis? {
        if dependentAnalysisDone { return dependentAnalysis }
        dependentAnalysis = try analyseDependentRows()
        dependentAnalysisDone = true
        return dependentAnalysis
    }

    private func analyseDependentRows() throws(DerivativeError) -> DependentRowsAnalysis? {
        let tight = tightRows()
        let k = tight.count
        guard k > 0, k <= settings.maxDependentTightRows,
              let At = try? problem.A.selectingRows(tight.map(\.row)) else { return nil }
        let basis = Self.leftNullSpace(At)
        guard !basis.isEmpty else { return nil }
        let dims = basis.count
        var nullScale = 0.0
        for v in basis { for e in v { nullScale = max(nullScale, abs(e)) } }
        // Rows whose multiplier is not unique (a nonzero entry in some null vector).
        let free = (0..<k).map { t in basis.contains { abs($0[t]) > Self.dependentRowsTolerance * nullScale } }
        if tight.indices.contains(where: { free[$0] && tight[$0].equality }) { return nil }
        let (y0, yScale) = tightMultipliers(tight)
        // The core: equality rows, unique nonzero multipliers, and free rows bounded away from 0 on Λ.
        var core = [Bool](repeating: false, count: k)
        let freeRows = (0..<k).filter { free[$0] }
        let lpA: CSCMatrix = {
            var cp = [0], ri: [Int] = [], vv: [Double] = []
            for d in 0..<dims {
                for (row, t) in freeRows.enumerated() where basis[d][t] != 0 { ri.append(row); vv.append(basis[d][t]) }
                cp.append(ri.count)
            }
            return CSCMatrix(uncheckedPattern: SparsityPattern(uncheckedRowCount: freeRows.count, columnCount: dims,
                                                               columnPointers: cp, rowIndices: ri), values: vv)
        }()
        // side_j·(y₀_j + N_j·w) ≥ 0 on the free rows.
        let lpL = freeRows.map { tight[$0].side > 0 ? -y0[$0] : -.infinity }
        let lpU = freeRows.map { tight[$0].side > 0 ? .infinity : -y0[$0] }
        var factorizations = 0
        for (t, r) in tight.enumerated() {
            if r.equality { core[t] = true; continue }
            if !free[t] { core[t] = abs(y0[t]) > Self.dependentRowsTolerance * yScale; continue }
            let s = Double(r.side)
            let objective = (0..<dims).map { s * basis[$0][t] }
            guard let lp = auxiliarySolve(P: CSCMatrix.zeros(rowCount: dims, columnCount: dims), q: objective,
                                          A: lpA, l: lpL, u: lpU) else { return nil }
            factorizations += lp.factorizations
            var value = s * y0[t]
            for d in 0..<dims { value += objective[d] * lp.solution.x[d] }
            core[t] = value > Self.dependentRowsTolerance * yScale
        }
        var sides = [Int8](repeating: 0, count: m)
        for r in tight { sides[r.row] = r.side }
        var matrix = PatternMatrix()
        do { _ = try matrix.matrix(rows: sides.map { $0 != 0 }, delta: settings.regularization, forward: forwardSystem) }
        catch { throw .factorization(error) }
        factorizations += matrix.factorizations
        return DependentRowsAnalysis(tight: tight, basis: basis, core: core, freeRows: freeRows, y0: y0, sides: sides,
                                     matrix: matrix, factorizations: factorizations)
    }

    /// The test and gradient described above (the analysis's factorizations are reported by the call
    /// that did them); nil when the analysis does not apply.
    func dependentRowsGradient(dx: [Double], dy: [Double]) throws(DerivativeError) -> DependentRowsGradient? {
        let fresh = !dependentAnalysisDone
        guard var a = try dependentRowsAnalysis() else { return nil }
        let factorizations = fresh ? a.factorizations : 0
        let tight = a.tight, basis = a.basis, dims = basis.count
        // One solve on all tight rows: consistent iff a_iᵀr = −dy_i can hold on T.
        let k2: (system: any LinearSystem, exact: KKTParameters)
        do { k2 = try a.matrix.matrix(rows: a.sides.map { $0 != 0 }, delta: settings.regularization, forward: forwardSystem) }
        catch { throw .factorization(error) }
        let solved = try solveDerivative(r1: dx.map { -$0 }, r2: dy.map { -$0 }, rows: (a.sides, k2.system, k2.exact))
        let rx = solved.wx
        var s = solved.wy
        guard solved.report.residual <= Self.inconsistencyThreshold * solved.report.scale else {
            return DependentRowsGradient(gradient: nil, differentiable: false, factorizations: factorizations)
        }
        // Move s within s + N·w so that it vanishes off the core.
        let off = tight.indices.filter { !a.core[$0] }
        let B = off.map { t in (0..<dims).map { basis[$0][t] } }
        let w = Self.denseLeastSquares(B, off.map { s[tight[$0].row] }, k: dims)
        var sScale = 1.0
        for (t, r) in tight.enumerated() {
            for d in 0..<dims { s[r.row] += basis[d][t] * w[d] }
            sScale = max(sScale, abs(s[r.row]))
        }
        var agree = off.allSatisfy { abs(s[tight[$0].row]) <= Self.dependentRowsTolerance * sScale }
        // The A-gradient's multiplier term: r must vanish on the pattern of rows with free multipliers.
        var rScale = 1.0
        for v in rx { rScale = max(rScale, abs(v)) }
        if agree {
            var freeRow = [Bool](repeating: false, count: m)
            for t in a.freeRows { freeRow[tight[t].row] = true }
            let A = problem.A.pattern
            outer: for j in 0..<n where abs(rx[j]) > Self.dependentRowsTolerance * rScale {
                for p in A.range(ofColumn: j) where freeRow[A.rowIndices[p]] { agree = false; break outer }
            }
        }
        guard agree else { return DependentRowsGradient(gradient: nil, differentiable: false, factorizations: factorizations) }
        var yv = [Double](repeating: 0, count: m)
        for (t, r) in tight.enumerated() { yv[r.row] = a.y0[t] }
        let g = gradients(h: rx, k: s, xv: x, yv: yv, boundGradient: s.map { -$0 }, sides: a.sides)
        return DependentRowsGradient(gradient: g, differentiable: true, factorizations: factorizations)
    }
}
