import Sparse
import Testing
import TestSupport

@Suite("Parallel products")
struct ParallelProductTests {
    /// A matrix above the default parallel threshold (≈ 270k entries).
    static let large: CSCMatrix = {
        var g = SeededGenerator(seed: 51)
        return randomSparse(rows: 3_000, columns: 2_500, density: 0.036, using: &g)
    }()

    @Test func defaultThresholdIsDocumentedValue() {
        #expect(ParallelMatrixOperator.defaultParallelThreshold == 200_000)
        #expect(ParallelSymmetricOperator.defaultParallelThreshold == 200_000)
        let small = ParallelMatrixOperator(sampleMatrix(), chunkCount: 4)
        #expect(!small.isParallel)
        let big = ParallelMatrixOperator(Self.large, chunkCount: 4)
        #expect(Self.large.nonzeroCount >= 200_000 && big.isParallel)
    }

    @Test func matrixOperatorParallelEqualsSequentialBitwise() {
        let a = Self.large
        var g = SeededGenerator(seed: 52)
        let x = randomVector(count: a.columnCount, using: &g)
        let xt = randomVector(count: a.rowCount, using: &g)
        let sequential = ParallelMatrixOperator(a, parallelThreshold: .max)
        #expect(!sequential.isParallel)
        let reference = sequential.multiply(x)
        let referenceT = sequential.transposeMultiply(xt)
        for chunks in [2, 3, 7, 64] {
            let parallel = ParallelMatrixOperator(a, parallelThreshold: 0, chunkCount: chunks)
            #expect(parallel.isParallel)
            #expect(bitwiseEqual(parallel.multiply(x), reference))
            #expect(bitwiseEqual(parallel.transposeMultiply(xt), referenceT))
        }
        let automatic = ParallelMatrixOperator(a) // default threshold and processor count
        #expect(bitwiseEqual(automatic.multiply(x), reference))
        #expect(bitwiseEqual(automatic.transposeMultiply(xt), referenceT))
        // Both agree with the simple sequential kernels up to summation order.
        #expect(relativeError(reference, reference: a.multiply(x)) <= 1e-12)
        #expect(relativeError(referenceT, reference: a.transposeMultiply(xt)) <= 1e-12)
    }

    @Test func symmetricOperatorParallelEqualsSequentialBitwise() throws {
        var g = SeededGenerator(seed: 53)
        let p = randomPSDUpper(n: 4_000, density: 0.004, shift: 1, using: &g)
        let x = randomVector(count: 4_000, using: &g)
        let sequential = try ParallelSymmetricOperator(upper: p, parallelThreshold: .max)
        #expect(sequential.full.nonzeroCount >= 200_000)
        let reference = sequential.multiply(x)
        for chunks in [2, 5, 16] {
            let parallel = try ParallelSymmetricOperator(upper: p, parallelThreshold: 0, chunkCount: chunks)
            #expect(parallel.isParallel)
            #expect(bitwiseEqual(parallel.multiply(x), reference))
        }
        #expect(bitwiseEqual(try ParallelSymmetricOperator(upper: p).multiply(x), reference))
        #expect(relativeError(reference, reference: p.symmetricUpperMultiply(x)) <= 1e-12)
        #expect(sequential.full == (try CSCMatrix.symmetricFull(fromUpper: p)))
    }

    @Test func smallMatricesAndMoreChunksThanColumns() throws {
        var g = SeededGenerator(seed: 54)
        for a in randomMatrices(seed: 54) {
            let x = randomVector(count: a.columnCount, using: &g)
            let xt = randomVector(count: a.rowCount, using: &g)
            let op = ParallelMatrixOperator(a, parallelThreshold: 0, chunkCount: 16)
            #expect(maxAbsDifference(op.multiply(x), denseMultiply(a.dense(), x)) <= 1e-13)
            #expect(maxAbsDifference(op.transposeMultiply(xt), a.transposeMultiply(xt)) <= 1e-13)
        }
        for n in [0, 1, 3, 10] {
            let p = randomPSDUpper(n: n, density: 0.5, shift: 1, using: &g)
            let x = randomVector(count: n, using: &g)
            let op = try ParallelSymmetricOperator(upper: p, parallelThreshold: 0, chunkCount: 16)
            #expect(maxAbsDifference(op.multiply(x), denseMultiply(denseSymmetric(fromUpper: p), x)) <= 1e-13)
        }
    }

    @Test func bufferAndInoutVariants() {
        let a = sampleMatrix()
        let op = ParallelMatrixOperator(a, parallelThreshold: 0, chunkCount: 2)
        let x: [Double] = [1, 2, 3, 4]
        var y = [Double](repeating: .nan, count: 3)
        op.multiply(x, into: &y)
        #expect(y == [9, 6, -5])
        var z = [Double](repeating: .nan, count: 4)
        [1.0, 1, 1].withUnsafeBufferPointer { xb in z.withUnsafeMutableBufferPointer { op.transposeMultiply(xb, into: $0) } }
        #expect(z == [5, 3, 5, -4])
    }

    @Test func matrixUpdateValuesRefreshesBothCopies() throws {
        var g = SeededGenerator(seed: 55)
        let a = randomSparse(rows: 60, columns: 45, density: 0.2, using: &g)
        var op = ParallelMatrixOperator(a, parallelThreshold: 0, chunkCount: 3)
        let newValues = randomVector(count: a.nonzeroCount, using: &g)
        try op.updateValues(newValues)
        let b = CSCMatrix(uncheckedPattern: a.pattern, values: newValues)
        #expect(op.matrix == b && op.transpose == b.transposed())
        let fresh = ParallelMatrixOperator(b, parallelThreshold: 0, chunkCount: 3)
        let x = randomVector(count: 45, using: &g), xt = randomVector(count: 60, using: &g)
        #expect(bitwiseEqual(op.multiply(x), fresh.multiply(x)))
        #expect(bitwiseEqual(op.transposeMultiply(xt), fresh.transposeMultiply(xt)))
    }

    @Test func matrixUpdateValuesRejectsBadInput() {
        var op = ParallelMatrixOperator(sampleMatrix())
        #expect(thrownError { try op.updateValues([1, 2]) }?.isDimensionMismatch == true)
        #expect(thrownError { try op.updateValues([1, 2, 3, 4, 5, .infinity]) } == .nonFiniteValue(row: 2, column: 3, value: .infinity))
        #expect(op.matrix == sampleMatrix()) // unchanged after a rejected update
    }

    @Test func symmetricUpdateValuesRefreshesFullMatrix() throws {
        var g = SeededGenerator(seed: 56)
        let p = randomPSDUpper(n: 30, density: 0.2, shift: 1, using: &g)
        var op = try ParallelSymmetricOperator(upper: p, parallelThreshold: 0, chunkCount: 4)
        let newValues = randomVector(count: p.nonzeroCount, using: &g)
        try op.updateValues(newValues)
        let q = CSCMatrix(uncheckedPattern: p.pattern, values: newValues)
        #expect(op.upper == q)
        #expect(op.full == (try CSCMatrix.symmetricFull(fromUpper: q)))
        #expect(thrownError { try op.updateValues([]) }?.isDimensionMismatch == true)
    }

    @Test func symmetricOperatorRejectsBadMatrices() throws {
        #expect(thrownError { try ParallelSymmetricOperator(upper: sampleMatrix()) }?.isDimensionMismatch == true)
        let lower = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 3], rowIndices: [0, 1, 1], values: [1, 2, 3])
        #expect(thrownError { try ParallelSymmetricOperator(upper: lower) } == .notUpperTriangular(row: 1, column: 0))
    }

    @Test func concurrentUseOfOneOperator() async {
        let op = ParallelMatrixOperator(Self.large, parallelThreshold: 0, chunkCount: 3)
        var g = SeededGenerator(seed: 57)
        let x = randomVector(count: Self.large.columnCount, using: &g)
        let reference = op.multiply(x)
        let results = await withTaskGroup(of: [Double].self) { group in
            for _ in 0..<4 { group.addTask { op.multiply(x) } }
            var all: [[Double]] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 4 && results.allSatisfy { bitwiseEqual($0, reference) })
    }
}
