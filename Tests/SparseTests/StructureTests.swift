import Sparse
import Testing
import TestSupport

@Suite("Structure")
struct StructureTests {
    @Test func symmetricFullFromUpperMatchesDense() throws {
        var g = SeededGenerator(seed: 31)
        for n in [0, 1, 4, 33] {
            let p = randomPSDUpper(n: n, density: 0.2, shift: 1, using: &g)
            let full = try CSCMatrix.symmetricFull(fromUpper: p)
            #expect(full.dense() == denseSymmetric(fromUpper: p))
            #expect(full.isSymmetric)
            // Checked constructors accept the result.
            #expect(thrownError { try CSCMatrix(rowCount: n, columnCount: n, columnPointers: full.columnPointers,
                                                rowIndices: full.rowIndices, values: full.values) } == nil)
            #expect(try full.upperTriangle() == p)
        }
    }

    @Test func symmetricFullRejectsLowerEntriesAndNonSquare() throws {
        let lower = try CSCMatrix(rowCount: 3, columnCount: 3, columnPointers: [0, 1, 3, 4],
                                  rowIndices: [0, 0, 2, 2], values: [1, 2, 3, 4])
        #expect(thrownError { try CSCMatrix.symmetricFull(fromUpper: lower) } == .notUpperTriangular(row: 2, column: 1))
        #expect(thrownError { try CSCMatrix.symmetricFull(fromUpper: sampleMatrix()) }?.isDimensionMismatch == true)
    }

    @Test func upperTriangleReportsFirstAsymmetry() throws {
        // [1 2 0; 2 3 5; 0 4 6]: (2,1) = 4 differs from (1,2) = 5.
        let a = try CSCMatrix(rowCount: 3, columnCount: 3, columnPointers: [0, 2, 5, 7],
                              rowIndices: [0, 1, 0, 1, 2, 1, 2], values: [1, 2, 2, 3, 4, 5, 6])
        #expect(!a.isSymmetric)
        #expect(thrownError { try a.upperTriangle() } == .notSymmetric(row: 2, column: 1))
    }

    @Test func upperTriangleReportsEntryWithoutMirror() throws {
        // (2, 0) = 7 has no mirror entry at (0, 2).
        let a = try CSCMatrix(rowCount: 3, columnCount: 3, columnPointers: [0, 2, 3, 4],
                              rowIndices: [0, 2, 1, 2], values: [1, 7, 1, 1])
        #expect(thrownError { try a.upperTriangle() } == .notSymmetric(row: 2, column: 0))
    }

    @Test func explicitZeroMayLackItsMirror() throws {
        // Explicit zero at (1, 0) without (0, 1), and at (0, 2) without (2, 0): still symmetric.
        let a = try CSCMatrix(rowCount: 3, columnCount: 3, columnPointers: [0, 2, 3, 5],
                              rowIndices: [0, 1, 1, 0, 2], values: [1, 0, 2, 0, 3])
        #expect(a.isSymmetric)
        let u = try a.upperTriangle()
        #expect(u.rowIndices == [0, 1, 0, 2] && u.columnPointers == [0, 1, 2, 4])
        #expect(u.values == [1, 2, 0, 3])
    }

    @Test func upperTriangleOfNonSquareFails() {
        #expect(thrownError { try sampleMatrix().upperTriangle() }?.isDimensionMismatch == true)
        #expect(!sampleMatrix().isSymmetric)
    }

    @Test func valuesAreComparedExactly() throws {
        let a = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 4],
                              rowIndices: [0, 1, 0, 1], values: [1, 0.1 + 0.2, 0.3, 1])
        #expect(thrownError { try a.upperTriangle() } == .notSymmetric(row: 1, column: 0))
    }

    @Test func hstackMatchesDense() throws {
        var g = SeededGenerator(seed: 32)
        let blocks = [4, 0, 3, 5].map { randomSparse(rows: 6, columns: $0, density: 0.5, using: &g) }
        let h = try CSCMatrix.hstack(blocks)
        let expected = (0..<6).map { i in blocks.flatMap { $0.dense()[i] } }
        #expect(h.rowCount == 6 && h.columnCount == 12)
        #expect(h.dense() == expected)
    }

    @Test func vstackMatchesDense() throws {
        var g = SeededGenerator(seed: 33)
        let blocks = [2, 0, 5, 1].map { randomSparse(rows: $0, columns: 4, density: 0.5, using: &g) }
        let v = try CSCMatrix.vstack(blocks)
        #expect(v.rowCount == 8 && v.columnCount == 4)
        #expect(v.dense() == blocks.flatMap { $0.dense() })
        #expect(thrownError { try CSCMatrix(rowCount: 8, columnCount: 4, columnPointers: v.columnPointers,
                                            rowIndices: v.rowIndices, values: v.values) } == nil)
    }

    @Test func blockDiagonalMatchesDense() {
        var g = SeededGenerator(seed: 34)
        let blocks = [(2, 3), (0, 2), (4, 1), (3, 0)].map { randomSparse(rows: $0.0, columns: $0.1, density: 0.7, using: &g) }
        let b = CSCMatrix.blockDiagonal(blocks)
        #expect(b.rowCount == 9 && b.columnCount == 6)
        var expected = Array(repeating: Array(repeating: 0.0, count: 6), count: 9)
        var r = 0, c = 0
        for block in blocks {
            let d = block.dense()
            for i in 0..<block.rowCount { for j in 0..<block.columnCount { expected[r + i][c + j] = d[i][j] } }
            r += block.rowCount; c += block.columnCount
        }
        #expect(b.dense() == expected)
    }

    @Test func stackDimensionChecks() throws {
        let a = CSCMatrix.identity(2), b = sampleMatrix()
        #expect(thrownError { try CSCMatrix.hstack([a, b]) }?.isDimensionMismatch == true)
        #expect(thrownError { try CSCMatrix.vstack([a, b]) }?.isDimensionMismatch == true)
        #expect(thrownError { try CSCMatrix.hstack([]) } == nil)
        #expect((try? CSCMatrix.vstack([]))?.rowCount == 0)
        #expect(CSCMatrix.blockDiagonal([]).columnCount == 0)
    }

    @Test func kktShapedAssembly() throws {
        // [P Aᵀ; A −I] assembled from blocks equals the dense assembly.
        var g = SeededGenerator(seed: 35)
        let p = try CSCMatrix.symmetricFull(fromUpper: randomPSDUpper(n: 5, density: 0.4, shift: 1, using: &g))
        let a = randomSparse(rows: 3, columns: 5, density: 0.5, using: &g)
        let k = try CSCMatrix.vstack([try CSCMatrix.hstack([p, a.transposed()]),
                                      try CSCMatrix.hstack([a, CSCMatrix.identity(3, scale: -1)])])
        #expect(k.isSymmetric)
        let pd = p.dense(), ad = a.dense(), atd = a.transposed().dense()
        let expected = (0..<5).map { pd[$0] + atd[$0] } + (0..<3).map { i in ad[i] + (0..<3).map { $0 == i ? -1.0 : 0 } }
        #expect(k.dense() == expected)
    }
}
