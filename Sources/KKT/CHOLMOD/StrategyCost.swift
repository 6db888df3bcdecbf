import Sparse

/// The cost model of the automatic form rule (see `LinearSystemFactory`): one numeric factorization plus
/// S = `expectedSolvesPerFactorization` solves, in flops, crediting supernodal BLAS-3 with
/// `supernodalSpeedup` times the flop rate of the simplicial kernel.
///
/// Besides the exact costs from CHOLMOD's analyses it gives a lower bound on the reduced cost from
/// the patterns alone (no ordering, no analysis), so that the rule can choose the quasi-definite
/// matrix without analysing the reduced one when even that bound is not cheaper.
struct StrategyCost {
    /// S: expected solves per numeric factorization.
    let solvesPerFactorization: Double
    /// Flop rate of CHOLMOD's supernodal LLᵀ (BLAS-3) relative to its simplicial LDLᵀ.
    static let supernodalSpeedup = 4.0
    /// Flops per stored entry of L in one solve (forward and backward substitution, multiply-add).
    static let solveFlopsPerEntry = 4.0

    /// Flop rate of MUMPS's multifrontal LDLᵀ (BLAS-3 on OpenBLAS) relative to CHOLMOD's simplicial
    /// LDLᵀ: measured 4.6× (small fronts) to 11× (heavy fill) on 2 cores; credited with the
    /// supernodal 4×, so that between MUMPS on K and CHOLMOD on M the flops decide and MUMPS's solve
    /// overhead breaks ties toward CHOLMOD (the supernodal kernel measured as fast on heavy fill).
    static let multifrontalSpeedup = supernodalSpeedup
    /// MUMPS's solve reads its factor this many times slower per entry than CHOLMOD's simplicial
    /// solve (measured 3.4× on heavy fill, where the per-row overhead below is negligible).
    static let mumpsSolveEntryFactor = 3.0
    /// The fixed part of one MUMPS solve (JOB = 3), per row of K, in flops of the simplicial kernel:
    /// measured 0.5–1.7 µs per row on small factors (≈ 600–2000 simplicial flops).
    static let mumpsSolveOverheadPerRow = 1000.0

    /// f_K/4 + S·(3·4ℓ_K + 1000·d) for MUMPS on K, from CHOLMOD's analysis of K (d = n + m).
    func mumps(flops: Double, nonzerosInL: Double, dimension: Int) -> Double {
        flops / Self.multifrontalSpeedup
            + solvesPerFactorization * (Self.mumpsSolveEntryFactor * Self.solveFlopsPerEntry * nonzerosInL
                                        + Self.mumpsSolveOverheadPerRow * Double(dimension))
    }

    /// f_K + S·4ℓ_K from the analysis of K.
    func quasiDefinite(flops: Double, nonzerosInL: Double) -> Double {
        flops + solvesPerFactorization * Self.solveFlopsPerEntry * nonzerosInL
    }

    /// f_M/4 + S·(4ℓ_M + 4·nnz(A)) from the analysis of M (the products with A and Aᵀ of each solve
    /// are counted with nnz(A)).
    func reduced(flops: Double, nonzerosInL: Double, nonzerosInA: Int) -> Double {
        flops / Self.supernodalSpeedup
            + solvesPerFactorization * Self.solveFlopsPerEntry * (nonzerosInL + Double(nonzerosInA))
    }

    /// A lower bound on `reduced(...)` for M = P + σI + Aᵀdiag(ρ)A under every ordering, from:
    /// - nnz(L) ≥ e, the entries of M's upper triangle (L holds the pattern of M's lower triangle
    ///   under any symmetric permutation), counted exactly here in O(Σ_k r_k²/2) without storing them;
    /// - the r columns of a row of A with r entries form a clique of M: whichever is eliminated first
    ///   has r entries in its column of L, the next r − 1, …, so nnz(L) ≥ r(r+1)/2 and the flop count
    ///   Σ_j c_j² (c_j: entries of column j of L) is at least Σ_{k≤r} k²;
    /// - Σ_j c_j² ≥ Σ_j c_j = nnz(L).
    /// CHOLMOD's supernodal ℓ (the size of the numeric factor, amalgamation zeros included) is at
    /// least its pure nnz(L), so the bound holds for the numbers `reduced(...)` receives.
    /// The clique bound costs O(m) and is returned alone when it already reaches `sufficient` (the
    /// cost it is compared with); otherwise the entry count (O(Σ_k r_k²/2)) is added, stopping as soon
    /// as the entries counted so far make the bound reach `sufficient` (still a lower bound).
    func reducedLowerBound(P: CSCMatrix, A: CSCMatrix, At: CSCMatrix, sufficient: Double = .infinity) -> Double {
        var largestRow = 0
        for k in 0..<At.columnCount { largestRow = max(largestRow, At.columnPointers[k + 1] - At.columnPointers[k]) }
        let r = Double(largestRow)
        let cliqueEntries = r * (r + 1) / 2
        let cliqueFlops = r * (r + 1) * (2 * r + 1) / 6
        let clique = reduced(flops: cliqueFlops, nonzerosInL: cliqueEntries, nonzerosInA: A.nonzeroCount)
        if clique >= sufficient { return clique }
        // reduced(f, ℓ) ≥ ℓ/4 + S·4·(ℓ + nnz(A)) since f ≥ ℓ: this many entries already suffice.
        let perEntry = 1 / Self.supernodalSpeedup + solvesPerFactorization * Self.solveFlopsPerEntry
        let enough = (sufficient - solvesPerFactorization * Self.solveFlopsPerEntry * Double(A.nonzeroCount)) / perEntry
        let stop = enough.isFinite ? Int(min(max(enough.rounded(.up), 0), Double(Int.max / 2))) : Int.max
        let lnz = max(Double(Self.reducedUpperEntries(P: P, A: A, At: At, stoppingAt: stop)), cliqueEntries)
        return reduced(flops: max(lnz, cliqueFlops), nonzerosInL: lnz, nonzerosInA: A.nonzeroCount)
    }

    /// |pattern(P) ∪ diagonal ∪ upper(pattern(AᵀA))|: the entries of M's upper triangle, or a count
    /// of at least `stoppingAt` of them (counting stops after the column where it is reached).
    static func reducedUpperEntries(P: CSCMatrix, A: CSCMatrix, At: CSCMatrix, stoppingAt: Int = .max) -> Int {
        let n = P.columnCount
        var mark = [Int](repeating: -1, count: n)
        var count = 0
        mark.withUnsafeMutableBufferPointer { mark in
        P.pattern.columnPointers.withUnsafeBufferPointer { pp in
        P.pattern.rowIndices.withUnsafeBufferPointer { pi in
        A.pattern.columnPointers.withUnsafeBufferPointer { ap in
        A.pattern.rowIndices.withUnsafeBufferPointer { ai in
        At.pattern.columnPointers.withUnsafeBufferPointer { tp in
        At.pattern.rowIndices.withUnsafeBufferPointer { ti in
            for j in 0..<n {
                mark[j] = j
                count += 1
                for p in pp[j]..<pp[j + 1] where mark[pi[p]] != j { mark[pi[p]] = j; count += 1 }
                for p in ap[j]..<ap[j + 1] {
                    let k = ai[p]
                    for q in tp[k]..<tp[k + 1] {
                        let i = ti[q]
                        if i > j { break }
                        if mark[i] != j { mark[i] = j; count += 1 }
                    }
                }
                if count >= stoppingAt { break }
            }
        }}}}}}}
        return count
    }
}
