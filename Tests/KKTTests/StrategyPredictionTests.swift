import Testing
import Sparse
@testable import KKT
import TestSupport

/// The automatic strategy rule skips the analysis of the reduced matrix M when a lower bound on its
/// cost from the patterns alone already exceeds the cost of K, and otherwise decides exactly as
/// before (both analysed, cheaper predicted cost wins).
@Suite struct StrategyPredictionTests {
    /// Costs of both strategies from their own analyses (forced strategies, same ordering).
    func costs(P: CSCMatrix, A: CSCMatrix, rho: [Double]) throws -> (k: Double, r: Double, model: StrategyCost) {
        let model = StrategyCost(solvesPerFactorization: KKTOptions().expectedSolvesPerFactorization)
        let parameters = KKTParameters(sigma: 1e-6, rho: rho)
        let k = try LinearSystemFactory.make(P: P, A: A, parameters: parameters, options: KKTOptions(strategy: .quasiDefinite)).profile
        let r = try LinearSystemFactory.make(P: P, A: A, parameters: parameters, options: KKTOptions(strategy: .reduced)).profile
        return (model.quasiDefinite(flops: (k.direct?.predictedFlops ?? 0), nonzerosInL: (k.direct?.predictedNonzerosInL ?? 0)),
                model.reduced(flops: (r.direct?.predictedFlops ?? 0), nonzerosInL: (r.direct?.predictedNonzerosInL ?? 0), nonzerosInA: A.nonzeroCount), model)
    }

    /// A with one dense row over all n columns (a budget constraint) and a few sparse rows.
    func denseRowProblem(n: Int, seed: UInt64) throws -> (P: CSCMatrix, A: CSCMatrix, rho: [Double]) {
        var g = SeededGenerator(seed: seed)
        let sparse = randomSparse(rows: 20, columns: n, density: 0.01, using: &g)
        var b = TripletBuilder(rowCount: 21, columnCount: n)
        for j in 0..<n {
            b.append(row: 0, column: j, value: 1)
            for p in sparse.pattern.range(ofColumn: j) { b.append(row: 1 + sparse.rowIndices[p], column: j, value: sparse.values[p]) }
        }
        return (CSCMatrix.identity(n), try b.build(), [Double](repeating: 0.1, count: 21))
    }

    @Test func denseRowDecidesForKWithoutAnalysingM() throws {
        let t = try denseRowProblem(n: 400, seed: 3)
        let sys = try LinearSystemFactory.make(P: t.P, A: t.A, parameters: KKTParameters(sigma: 1e-6, rho: t.rho))
        #expect(sys.kind.form == .quasiDefinite)
        #expect(sys.profile.selectionAnalyses == 0)
        #expect(sys.profile.symbolicAnalyses == 1)
        // The skipped analysis would have lost: the choice is the one the full comparison makes.
        let c = try costs(P: t.P, A: t.A, rho: t.rho)
        #expect(c.k <= c.r)
    }

    @Test func smallReducedMatrixIsStillAnalysedAndChosen() throws {
        // Diagonal P, 5 short rows: M is n×n diagonal-plus-little, K is larger; M wins and is analysed.
        var g = SeededGenerator(seed: 4)
        let n = 300
        let A = randomSparse(rows: 5, columns: n, density: 0.002, using: &g)
        let rho = [Double](repeating: 0.1, count: 5)
        let sys = try LinearSystemFactory.make(P: CSCMatrix.identity(n), A: A, parameters: KKTParameters(sigma: 1e-6, rho: rho))
        #expect(sys.kind.form == .reduced)
        #expect(sys.profile.selectionAnalyses == 1)
        let c = try costs(P: CSCMatrix.identity(n), A: A, rho: rho)
        #expect(c.r < c.k)
    }

    /// The bound never exceeds the analysed cost of M, and the automatic choice equals the full
    /// comparison's, on random patterns from sparse to dense rows.
    @Test(arguments: [(0.002, 1.0), (0.02, 0.2), (0.2, 0.05), (0.5, 0.01)] as [(Double, Double)])
    func boundIsBelowTheAnalysedCostAndChoicesAreUnchanged(densityA: Double, densityP: Double) throws {
        for seed in UInt64(1)...4 {
            var g = SeededGenerator(seed: seed)
            let n = 60 + 20 * Int(seed), m = 40 + 30 * Int(seed)
            let P = randomPSDUpper(n: n, density: densityP * 0.1, shift: 1, using: &g)
            let A = randomSparse(rows: m, columns: n, density: densityA, using: &g)
            let rho = [Double](repeating: 0.1, count: m)
            let c = try costs(P: P, A: A, rho: rho)
            let bound = c.model.reducedLowerBound(P: P, A: A, At: A.transposed())
            #expect(bound <= c.r, "seed \(seed): bound \(bound) > analysed \(c.r)")
            // Counting stops once K is decided: a smaller bound, the same decision.
            let early = c.model.reducedLowerBound(P: P, A: A, At: A.transposed(), sufficient: c.k)
            #expect(early <= bound && (early < c.k) == (bound < c.k), "seed \(seed)")
            #expect(StrategyCost.reducedUpperEntries(P: P, A: A, At: A.transposed())
                    == (try LinearSystemFactory.make(P: P, A: A, parameters: KKTParameters(sigma: 1e-6, rho: rho),
                                      options: KKTOptions(strategy: .reduced)).profile.matrixNonzeros))
            let sys = try LinearSystemFactory.make(P: P, A: A, parameters: KKTParameters(sigma: 1e-6, rho: rho))
            #expect(sys.kind.form == (c.r < c.k ? .reduced : .quasiDefinite), "seed \(seed)")
            #expect(sys.profile.selectionAnalyses == (bound < c.k ? 1 : 0), "seed \(seed)")
        }
    }
}
