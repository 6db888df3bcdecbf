import Sparse
import Testing
import TestSupport

@Suite("Transpose and products")
struct TransposeProductTests {
    @Test func transposeMatchesDense() {
        for a in randomMatrices(seed: 11) {
            let t = a.transposed()
            #expect(t.rowCount == a.columnCount && t.columnCount == a.rowCount)
            #expect(t.dense() == denseTranspose(a.dense(), columns: a.columnCount))
            #expect(t.transposed() == a)
        }
    }

    @Test func transposeMapLocatesEveryEntry() {
        for a in randomMatrices(seed: 12) {
            let (t, map) = a.transposedWithMap()
            #expect(t == a.transposed())
            #expect(map.count == a.nonzeroCount)
            #expect(Set(map).count == map.count)
            for j in 0..<a.columnCount {
                for p in a.pattern.range(ofColumn: j) {
                    let q = map[p]
                    #expect(t.values[q] == a.values[p])
                    #expect(t.rowIndices[q] == j)
                    #expect(t.pattern.range(ofColumn: a.rowIndices[p]).contains(q))
                }
            }
        }
    }

    @Test func transposeOfSample() {
        #expect(sampleMatrix().transposed().dense() == [[1, 0, 4], [0, 3, 0], [0, 0, 5], [2, 0, -6]])
    }

    @Test func multiplyMatchesDense() {
        var g = SeededGenerator(seed: 13)
        for a in randomMatrices(seed: 13) {
            let x = randomVector(count: a.columnCount, using: &g)
            let y = a.multiply(x)
            #expect(y.count == a.rowCount)
            #expect(maxAbsDifference(y, denseMultiply(a.dense(), x)) <= 1e-13)
        }
    }

    @Test func transposeMultiplyMatchesDense() {
        var g = SeededGenerator(seed: 14)
        for a in randomMatrices(seed: 14) {
            let x = randomVector(count: a.rowCount, using: &g)
            let y = a.transposeMultiply(x)
            #expect(y.count == a.columnCount)
            #expect(maxAbsDifference(y, denseMultiply(denseTranspose(a.dense(), columns: a.columnCount), x)) <= 1e-13)
        }
    }

    @Test func symmetricUpperMultiplyMatchesDense() {
        var g = SeededGenerator(seed: 15)
        for n in [0, 1, 2, 9, 30, 64] {
            let p = randomPSDUpper(n: n, density: 0.2, shift: 0.5, using: &g)
            let x = randomVector(count: n, using: &g)
            let y = p.symmetricUpperMultiply(x)
            #expect(maxAbsDifference(y, denseMultiply(denseSymmetric(fromUpper: p), x)) <= 1e-12)
        }
    }

    @Test func symmetricUpperMultiplyIgnoresLowerEntries() throws {
        // Full symmetric input: the lower triangle must be ignored, not counted twice.
        let full = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 4],
                                 rowIndices: [0, 1, 0, 1], values: [2, 1, 1, 3])
        #expect(full.symmetricUpperMultiply([1, 1]) == [3, 4])
    }
}
