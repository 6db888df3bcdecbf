import Sparse
import Testing
import TestSupport

@Suite("TestSupport")
struct SupportTests {
    @Test func splitMix64ReferenceValues() {
        var g = SeededGenerator(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(g.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func randomSparseIsDeterministicAndValid() throws {
        var g1 = SeededGenerator(seed: 61), g2 = SeededGenerator(seed: 61)
        let a = randomSparse(rows: 50, columns: 40, density: 0.1, using: &g1)
        #expect(a == randomSparse(rows: 50, columns: 40, density: 0.1, using: &g2))
        #expect(a.nonzeroCount == 200)
        #expect(a.values.allSatisfy { $0 != 0 && abs($0) <= 1 })
        #expect(thrownError { try CSCMatrix(rowCount: 50, columnCount: 40, columnPointers: a.columnPointers,
                                            rowIndices: a.rowIndices, values: a.values) } == nil)
        let dense = randomSparse(rows: 7, columns: 3, density: 0.9, using: &g1)
        #expect(thrownError { try CSCMatrix(rowCount: 7, columnCount: 3, columnPointers: dense.columnPointers,
                                            rowIndices: dense.rowIndices, values: dense.values) } == nil)
        #expect(randomSparse(rows: 4, columns: 5, density: 1, using: &g1).nonzeroCount == 20)
        #expect(randomSparse(rows: 4, columns: 5, density: 0, using: &g1).nonzeroCount == 0)
    }

    @Test func randomPSDUpperIsUpperAndPositiveSemidefinite() throws {
        var g = SeededGenerator(seed: 62)
        let p = randomPSDUpper(n: 30, density: 0.1, shift: 0, using: &g)
        #expect(p.pattern.isUpperTriangular)
        #expect(thrownError { try CSCMatrix(rowCount: 30, columnCount: 30, columnPointers: p.columnPointers,
                                            rowIndices: p.rowIndices, values: p.values) } == nil)
        for _ in 0..<20 {
            let x = randomVector(count: 30, using: &g)
            let px = p.symmetricUpperMultiply(x)
            #expect(zip(x, px).reduce(0) { $0 + $1.0 * $1.1 } >= -1e-12)
        }
        let shifted = randomPSDUpper(n: 10, density: 0.2, shift: 2, using: &g)
        for j in 0..<10 { #expect(shifted[j, j] >= 2) }
    }

    @Test func denseHelpers() {
        #expect(denseMultiply([[1, 2], [3, 4]], [1, 1]) == [3, 7])
        #expect(denseMultiply([[1, 2], [3, 4]], [[0, 1], [1, 0]], columns: 2) == [[2, 1], [4, 3]])
        #expect(denseTranspose([[1, 2, 3]], columns: 3) == [[1], [2], [3]])
        #expect(maxAbsDifference([1, 2], [1, 2.5]) == 0.5)
        #expect(maxAbsDifference([1], [1, 2]) == .infinity)
        #expect(relativeError([2, 4], reference: [2, 5]) == 0.2)
        #expect(relativeError([0.5], reference: [0]) == 0.5)
        #expect(bitwiseEqual([0.0], [0.0]) && !bitwiseEqual([0.0], [-0.0]))
    }
}
