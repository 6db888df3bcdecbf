import Testing
import Sparse
import KKT
import TestSupport

/// Upper triangle of [H, Bᵀ; B, −diag(c)] from upper(H), B and c, through triplets.
private func assembleQuasiDefinite(H: CSCMatrix, B: CSCMatrix, c: [Double]) throws -> CSCMatrix {
    let n = H.columnCount, m = B.rowCount
    var t = TripletBuilder(rowCount: n + m, columnCount: n + m)
    for j in 0..<n {
        for p in H.pattern.range(ofColumn: j) { t.append(row: H.rowIndices[p], column: j, value: H.values[p]) }
        for p in B.pattern.range(ofColumn: j) { t.append(row: j, column: n + B.rowIndices[p], value: B.values[p]) }
    }
    for i in 0..<m { t.append(row: n + i, column: n + i, value: -c[i]) }
    return try t.build()
}

/// Upper triangle from a dense symmetric matrix (entries with row ≤ column and value ≠ 0).
private func upperFromDense(_ d: [[Double]]) throws -> CSCMatrix {
    var t = TripletBuilder(rowCount: d.count, columnCount: d.count)
    for j in 0..<d.count { for i in 0...j where d[i][j] != 0 { t.append(row: i, column: j, value: d[i][j]) } }
    return try t.build()
}

/// The `.strategyUnavailable` message of the split, or nil if it did not throw that.
private func splitFailure(_ upper: CSCMatrix) -> String? {
    do {
        _ = try LinearSystemFactory.splitQuasiDefinite(upper)
        return nil
    } catch {
        if case .strategyUnavailable(let message) = error { return message }
        return nil
    }
}

@Test("split round trip: P = upper(H), A = B, ρ = 1/c, and both strategies factorize exactly K",
      arguments: [FactorizationStrategy.quasiDefinite, .reduced])
func splitRoundTrip(strategy: FactorizationStrategy) throws {
    var g = SeededGenerator(seed: 7)
    let n = 30, m = 12
    let H = randomPSDUpper(n: n, density: 0.15, shift: 0.5, using: &g)
    let B = randomSparse(rows: m, columns: n, density: 0.2, using: &g)
    let c = (0..<m).map { _ in g.nextUniform(0.01, 5) }
    let K = try assembleQuasiDefinite(H: H, B: B, c: c)

    let (P, A, rho) = try LinearSystemFactory.splitQuasiDefinite(K)
    #expect(P == H)
    #expect(A == B)
    #expect(rho.count == m)
    #expect(maxAbsDifference(rho, c.map { 1 / $0 }) == 0)

    let system = try LinearSystemFactory.make(P: P, A: A, parameters: KKTParameters(sigma: 0, rho: rho),
                               options: KKTOptions(strategy: strategy == .quasiDefinite ? .quasiDefinite : .reduced))
    #expect(system.kind.form == strategy)
    let b = randomVector(count: n + m, using: &g)
    let (x, nu) = try system.solve(r1: Array(b[0..<n]), r2: Array(b[n...]))
    let dense = denseSymmetric(fromUpper: K)
    let z = x + nu
    let kz = denseMultiply(dense, z)
    let kNorm = dense.map { $0.reduce(0) { $0 + abs($1) } }.max() ?? 0
    let residual = maxAbsDifference(kz, b) / (kNorm * (z.map(abs).max() ?? 0) + (b.map(abs).max() ?? 0))
    #expect(residual < 1e-12)
}

@Test("a matrix with positive diagonal only splits with m = 0; a single column trailing block with n = 0")
func splitDegenerateShapes() throws {
    let spd = try upperFromDense([[4, 1, 0], [1, 4, 1], [0, 1, 4]])
    let (P, A, rho) = try LinearSystemFactory.splitQuasiDefinite(spd)
    #expect(P == spd)
    #expect(A.rowCount == 0 && A.columnCount == 3)
    #expect(rho.isEmpty)

    let negative = try upperFromDense([[-2]])
    let (P0, A0, rho0) = try LinearSystemFactory.splitQuasiDefinite(negative)
    #expect(P0.columnCount == 0 && A0.rowCount == 1 && A0.columnCount == 0)
    #expect(rho0 == [0.5])
}

@Test("n is the start of the longest diagonal negative suffix; explicit zeros inside the trailing block are dropped")
func splitDetectsN() throws {
    // H = [2 1; 1 3], B = [1 0; 1 1; 0 2], c = (1, 2, 4); an explicit zero couples rows 2 and 3 of K.
    var t = TripletBuilder(rowCount: 5, columnCount: 5)
    for (i, j, v) in [(0, 0, 2.0), (0, 1, 1), (1, 1, 3), (0, 2, 1), (2, 2, -1), (0, 3, 1), (1, 3, 1),
                      (2, 3, 0), (3, 3, -2), (1, 4, 2), (4, 4, -4)] {
        t.append(row: i, column: j, value: v)
    }
    let (P, A, rho) = try LinearSystemFactory.splitQuasiDefinite(try t.build())
    #expect(P.dense() == [[2, 1], [0, 3]])
    #expect(A.dense() == [[1, 0], [1, 1], [0, 2]])
    #expect(A.nonzeroCount == 4)
    #expect(rho == [1, 0.5, 0.25])
}

@Test("a negative diagonal followed by a positive one is rejected with an explanation")
func splitRejectsNegativeBeforePositive() throws {
    let k = try upperFromDense([[2, 1, 0, 0], [1, -1, 1, 0], [0, 1, 3, 1], [0, 0, 1, -1]])
    let message = try #require(splitFailure(k))
    #expect(message.contains("(1, 1)"))
    #expect(message.contains("negative"))
    #expect(message.contains("columns 3..<4"))
    #expect(message.contains("a negative diagonal followed by a positive one"))
}

@Test("a zero or missing diagonal inside the trailing block is rejected", arguments: [true, false])
func splitRejectsZeroDiagonalInTrailingBlock(explicitZero: Bool) throws {
    // [H, Bᵀ; B, −diag(c)] with n = 2, m = 3 but K[3,3] zero (explicit) or missing.
    var t = TripletBuilder(rowCount: 5, columnCount: 5)
    for (i, j, v) in [(0, 0, 2.0), (1, 1, 2), (0, 2, 1), (2, 2, -1), (1, 3, 1), (0, 4, 1), (4, 4, -1)] {
        t.append(row: i, column: j, value: v)
    }
    if explicitZero { t.append(row: 3, column: 3, value: 0) }
    let message = try #require(splitFailure(try t.build()))
    #expect(message.contains("(3, 3)"))
    #expect(message.contains(explicitZero ? "is zero" : "is missing"))
    // No trailing block at all (the last diagonal is missing); the negative (2, 2) before it is named too.
    let negativeFirst = try #require(splitFailure(try upperFromDense([
        [2, 0, 1, 0], [0, 2, 0, 1], [1, 0, -1, 0], [0, 1, 0, 0],
    ])))
    #expect(negativeFirst.contains("(2, 2)"))
    #expect(negativeFirst.contains("there is no trailing negative-diagonal block"))
}

@Test("an off-diagonal entry coupling two negative-diagonal columns is rejected")
func splitRejectsCouplingInTrailingBlock() throws {
    let k = try upperFromDense([[2, 1, 1], [1, -1, 0.5], [1, 0.5, -1]])
    let message = try #require(splitFailure(k))
    #expect(message.contains("(1, 1)"))
    #expect(message.contains("entry (1, 2) = 0.5 couples two negative-diagonal columns"))
}

@Test("input that is not a stored upper triangle of a finite square matrix is rejected")
func splitRejectsMalformedInput() throws {
    let rect = CSCMatrix.zeros(rowCount: 3, columnCount: 2)
    #expect(throws: FactorizationError.self) { try LinearSystemFactory.splitQuasiDefinite(rect) }
    var t = TripletBuilder(rowCount: 2, columnCount: 2)
    t.append(row: 0, column: 0, value: 1); t.append(row: 1, column: 0, value: 1); t.append(row: 1, column: 1, value: -1)
    let lower = try t.build()
    let error = #expect(throws: FactorizationError.self) { try LinearSystemFactory.splitQuasiDefinite(lower) }
    if case .invalidParameter(let message)? = error { #expect(message.contains("below the diagonal")) } else {
        Issue.record("expected .invalidParameter, got \(String(describing: error))")
    }
    var tiny = TripletBuilder(rowCount: 2, columnCount: 2)
    tiny.append(row: 0, column: 0, value: 1); tiny.append(row: 1, column: 1, value: -Double.leastNonzeroMagnitude * 8)
    #expect(splitFailure(try tiny.build())?.contains("not finite") == true)
}

@Test("a split that passes but is not quasi-definite fails in the factorization, not silently")
func splitThenIndefiniteH() throws {
    // H = [1 2; 2 1] has positive diagonal but is indefinite.
    let k = try upperFromDense([[1, 2, 1], [2, 1, 0], [1, 0, -1]])
    let (P, A, rho) = try LinearSystemFactory.splitQuasiDefinite(k)
    #expect(throws: FactorizationError.self) {
        _ = try LinearSystemFactory.make(P: P, A: A, parameters: KKTParameters(sigma: 0, rho: rho), options: KKTOptions(strategy: .quasiDefinite))
    }
}
