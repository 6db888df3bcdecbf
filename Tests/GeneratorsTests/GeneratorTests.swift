import Foundation
import Sparse
import QP
import Testing
import TestSupport
@testable import Generators

/// Properties every generated class must have.
@Suite struct GeneratorTests {
    @Test(arguments: ProblemClass.allCases)
    func shapesFollowTheDocumentedSizes(problemClass c: ProblemClass) throws {
        let s = smallSize(c)
        let p = try generate(c, size: s, seed: 1)
        #expect(p.program.n == c.variableCount(size: s))
        #expect(p.program.n == documentedVariables(c, size: s))
        #expect(p.program.m == documentedRows(c, size: s))
        #expect(p.program.m == c.dimensions(size: s).rows)
        #expect(p.name == "\(c.rawValue)_n\(s)_s1")
        #expect(p.problemClass == c && p.size == s && p.seed == 1)
        #expect((p.control != nil) == (c == .control || c == .controlSparse))
        #expect((p.lasso != nil) == (c == .lasso || c == .lassoSparse))
        #expect(!c.sizeMeaning.isEmpty && !c.sizeMeaning.contains("\n"))
    }

    @Test(arguments: ProblemClass.allCases)
    func sameSeedGivesIdenticalBitsAndOtherSeedsDiffer(problemClass c: ProblemClass) throws {
        let s = smallSize(c)
        let a = try generate(c, size: s, seed: 7)
        let b = try generate(c, size: s, seed: 7)
        #expect(bitwiseIdentical(a.program, b.program))
        let other = try generate(c, size: s, seed: 8)
        #expect(other.program.n == a.program.n)
        #expect(other.program.A.values != a.program.A.values || other.program.l != a.program.l
                || other.program.q != a.program.q)
        #expect(other.program.A.values != a.program.A.values) // every class has random constraint data
    }

    /// The point the construction makes feasible satisfies l ≤ Ax ≤ u (the control classes: the
    /// zero-input trajectory, feasible here because x0 lies in half the box and ρ(Ad) ≤ 0.99).
    @Test(arguments: ProblemClass.allCases, [UInt64(1), 2, 3])
    func constructionPointIsFeasible(problemClass c: ProblemClass, seed: UInt64) throws {
        let p = try generate(c, size: smallSize(c), seed: seed)
        let program = p.program
        #expect(p.witness.count == program.n)
        let ax = program.A.multiply(p.witness)
        var worst = 0.0
        for i in 0..<program.m {
            let scale = 1 + max(abs(ax[i]), program.l[i].isFinite ? abs(program.l[i]) : 0)
            worst = max(worst, (program.l[i] - ax[i]) / scale, (ax[i] - program.u[i]) / scale)
        }
        #expect(worst <= 1e-9, "\(c.rawValue) seed \(seed): violation \(worst)")
    }

    @Test(arguments: ProblemClass.allCases)
    func costIsConvex(problemClass c: ProblemClass) throws {
        let program = try generate(c, size: smallSize(c), seed: 3).program
        #expect(program.P.pattern.isUpperTriangular)
        for j in 0..<program.n { #expect(program.P[j, j] >= 0) }
        var g = SeededGenerator(seed: 99)
        for _ in 0..<10 {
            let x = (0..<program.n).map { _ in g.nextNormal() }
            let px = program.P.symmetricUpperMultiply(x)
            let quadratic = zip(x, px).reduce(0) { $0 + $1.0 * $1.1 }
            let scale = zip(x, px).reduce(0) { $0 + abs($1.0 * $1.1) }
            #expect(quadratic >= -1e-12 * max(scale, 1))
        }
    }

    /// Sparse variants: the densest column of A and of P does not grow with the size.
    @Test(arguments: [ProblemClass.portfolioSparse, .lassoSparse, .huberSparse, .svmSparse, .controlSparse])
    func columnCountsStayBounded(problemClass c: ProblemClass) throws {
        let s = smallSize(c)
        let small = try generate(c, size: s, seed: 1).program
        let large = try generate(c, size: 10 * s, seed: 1).program
        #expect(maxColumnCount(large.A) == maxColumnCount(small.A))
        #expect(maxColumnCount(large.P) == maxColumnCount(small.P))
        #expect(maxColumnCount(large.A) <= 24) // band 8 × (m/n ≤ 2) × 1.5 at the clamped edges
        // Average entries per column stays within 10 %.
        let ratio = Double(large.A.nonzeroCount) / Double(large.n) / (Double(small.A.nonzeroCount) / Double(small.n))
        #expect(abs(ratio - 1) < 0.1)
    }

    @Test(arguments: [ProblemClass.randomSparse, .eqSparse])
    func sparseRandomRowsHaveThreeEntries(problemClass c: ProblemClass) throws {
        for s in [30, 300] {
            let program = try generate(c, size: s, seed: 1).program
            let rows = program.A.transposed()
            for i in 0..<program.m { #expect(rows.pattern.range(ofColumn: i).count == 3) }
            // P = MMᵀ + 0.01 I with 3 entries per column of M: about 3·3 − overlaps per column.
            #expect(Double(program.P.nonzeroCount) / Double(s) < 8)
            for j in 0..<s { #expect(program.P[j, j] >= 0.01) }
        }
    }

    @Test func denseRandomClassesUseDensity015() throws {
        let random = try generate(.random, size: 40, seed: 1).program
        // Every column of A (400 rows) has round(0.15 · 400) = 60 entries.
        for j in 0..<40 { #expect(random.A.pattern.range(ofColumn: j).count == 60) }
        #expect(random.l.allSatisfy { $0 == -.infinity })
        let eq = try generate(.eq, size: 40, seed: 1).program
        #expect(eq.m == 20 && eq.l == eq.u)
        for j in 0..<40 { #expect(eq.A.pattern.range(ofColumn: j).count == 3) } // round(0.15 · 20)
    }

    @Test(arguments: [ProblemClass.lasso, .lassoSparse])
    func lassoParameters(problemClass c: ProblemClass) throws {
        let s = smallSize(c)
        let p = try generate(c, size: s, seed: 5)
        let lasso = try #require(p.lasso)
        let program = p.program
        let n = s, m = c == .lasso ? 100 * s : s
        #expect(lasso.penaltyColumns == (n + m)..<(2 * n + m))
        #expect(lasso.lambda == lasso.lambdaMax / 5 && lasso.lambda > 0)
        for j in 0..<program.n { #expect(program.q[j] == (lasso.penaltyColumns.contains(j) ? lasso.lambda : 0)) }
        // λmax = ‖Adᵀb‖∞ with Ad = A[0..<m, 0..<n] and b = l[0..<m].
        var best = 0.0
        for j in 0..<n {
            var sum = 0.0
            for k in program.A.pattern.range(ofColumn: j) where program.A.rowIndices[k] < m {
                sum += program.A.values[k] * program.l[program.A.rowIndices[k]]
            }
            best = max(best, abs(sum))
        }
        #expect(abs(best - lasso.lambdaMax) <= 1e-12 * best)
        // y has cost 2·I, x and t none.
        for j in 0..<program.n { #expect(program.P[j, j] == (j >= n && j < n + m ? 2 : 0)) }
    }

    @Test(arguments: [ProblemClass.control, .controlSparse])
    func controlStructure(problemClass c: ProblemClass) throws {
        let p = try generate(c, size: smallSize(c), seed: 4)
        let ci = try #require(p.control)
        let program = p.program
        #expect(ci.nx == (c == .control ? 4 : 10) && ci.nu == ci.nx / 2)
        #expect(ci.horizon == (c == .control ? 10 : smallSize(c)))
        #expect(ci.dynamics.count == ci.nx && ci.dynamics.allSatisfy { $0.count == ci.nx })
        #expect(ci.input.count == ci.nx && ci.input.allSatisfy { $0.count == ci.nu })
        #expect(ci.stateIndex(step: ci.horizon, component: ci.nx - 1) == (ci.horizon + 1) * ci.nx - 1)
        #expect(ci.inputIndex(step: ci.horizon - 1, component: ci.nu - 1) == program.n - 1)
        // x_0 = x0 rows.
        #expect(ci.initialStateRows == 0..<ci.nx)
        for (k, row) in ci.initialStateRows.enumerated() {
            #expect(program.l[row] == ci.initialState[k] && program.u[row] == ci.initialState[k])
            #expect(program.A[row, ci.stateIndex(step: 0, component: k)] == 1)
        }
        // Dynamics rows: −x_{t+1} + Ad x_t + Bd u_t = 0.
        for t in [0, ci.horizon - 1] {
            for r in 0..<ci.nx {
                let row = (t + 1) * ci.nx + r
                #expect(program.l[row] == 0 && program.u[row] == 0)
                #expect(program.A[row, ci.stateIndex(step: t + 1, component: r)] == -1)
                for i in 0..<ci.nx { #expect(program.A[row, ci.stateIndex(step: t, component: i)] == ci.dynamics[r][i]) }
                for k in 0..<ci.nu { #expect(program.A[row, ci.inputIndex(step: t, component: k)] == ci.input[r][k]) }
            }
        }
        // ρ(Ad) ≤ 0.99: ‖Ad^1024‖_F^(1/1024) ≥ ρ and close to it; an unstable Ad would give > 1.
        var power = ci.dynamics
        var logNorm = 0.0
        for _ in 0..<10 {
            power = denseMultiply(power, power, columns: ci.nx)
            let norm = power.joined().reduce(0) { $0 + $1 * $1 }.squareRoot()
            power = power.map { $0.map { $0 / norm } }
            logNorm = 2 * logNorm + Foundation.log(norm)
        }
        #expect(Foundation.exp(logNorm / 1024) < 1)
        // Input cost 2·0.1 on every input, no cost on x_0.
        for k in 0..<ci.nu { #expect(program.P[ci.inputIndex(step: 0, component: k), ci.inputIndex(step: 0, component: k)] == 0.2) }
        for i in 0..<ci.nx { #expect(program.P[i, i] == 0) }
    }

    @Test func portfolioSparseFactorStructure() throws {
        let n = 1000
        let program = try generate(.portfolioSparse, size: n, seed: 2).program
        let sectors = 10, factors = 11
        #expect(program.n == n + factors)
        for i in 0..<n {
            let rows = program.A.pattern.range(ofColumn: i).map { program.A.rowIndices[$0] }
            let s = i * sectors / n
            // Budget row, market factor, own sector, next sector (cyclic), the bound row.
            #expect(rows == [0, 1, 2 + s, 2 + (s + 1) % sectors, 1 + factors + i].sorted())
        }
        #expect(program.l[0] == 1 && program.u[0] == 1)
    }

    @Test func svmSparseAlternatesClasses() throws {
        let n = 40
        let program = try generate(.svmSparse, size: n, seed: 1).program
        // Rows of diag(b)·A_svm: b·a + 1/8 with b = +1 on even rows, −1 on odd rows.
        #expect(program.u.prefix(n).allSatisfy { $0 == -1 } && program.l.prefix(n).allSatisfy { $0 == -.infinity })
        #expect(program.q.suffix(n).allSatisfy { $0 == 0.5 })
        for j in 0..<n { #expect(program.P[j, j] == 1) }
    }

    @Test func invalidSizesAreRejected() {
        for c in ProblemClass.allCases {
            #expect(generatorError { try generate(c, size: 0, seed: 1) } != nil)
            #expect(generatorError { try generate(c, size: -5, seed: 1) } != nil)
            if case .invalidSize(let cls, let size, let why)? = generatorError({ try generate(c, size: Int.max, seed: 1) }) {
                #expect(cls == c && size == Int.max && why.contains("largest"))
            } else {
                Issue.record("\(c.rawValue): Int.max accepted")
            }
        }
        #expect(generatorError { try generate(.lassoSparse, size: 7, seed: 1) }
                == .invalidSize(.lassoSparse, 7, "lasso-sparse needs n ≥ 8 (the band width of the data matrix)"))
        #expect(generatorError { try generate(.control, size: 1, seed: 1) }.map { "\($0)" }
                == "invalid size 1 for class control: control needs nx ≥ 2 so that nu = nx/2 ≥ 1")
        #expect((try? generate(.lassoSparse, size: 8, seed: 1)) != nil)
    }

    @Test func millionVariableSizes() {
        #expect(ProblemClass.controlSparse.variableCount(size: 66666) == 1_000_000)
        #expect(ProblemClass.portfolioSparse.variableCount(size: 990_099) == 1_000_000)
        #expect(ProblemClass.svmSparse.variableCount(size: 500_000) == 1_000_000)
        #expect(ProblemClass.huberSparse.variableCount(size: 142_857) == 999_999)
        #expect(ProblemClass.lassoSparse.variableCount(size: 333_334) == 1_000_002)
        #expect(ProblemClass.lasso.variableCount(size: Int.max) == Int.max) // saturates
    }
}
