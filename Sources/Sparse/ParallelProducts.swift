// Sparse matrix–vector products split over threads, with results independent of the thread count.
//
// Every output entry is ONE dot product (a column of the stored matrix against x), accumulated left to
// right over that column's entries by the same kernel whether the work is split or not. Chunks only
// decide which thread computes which outputs, never how an output is summed, so the parallel result is
// bitwise identical to the sequential one for any `chunkCount` and any machine.

import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Work split shared by the parallel operators.
enum ParallelSplit {
    /// Below this many stored entries a product runs on the calling thread: the cost of waking other
    /// threads (tens of microseconds) exceeds the work.
    static var defaultThreshold: Int { ParallelMatrixOperator.defaultParallelThreshold }

    /// The number of processors available to this process (at least 1).
    static var defaultChunkCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `chunks + 1` column boundaries splitting columns `0..<n` so that every chunk has about the same
    /// weight `nnz(columns) + columns` (each output costs one store plus one multiply–add per entry).
    /// O(chunks · log n).
    static func balancedBoundaries(columnPointers cp: [Int], columnCount n: Int, chunks: Int) -> [Int] {
        let total = cp[n] + n
        var bounds = [Int](repeating: 0, count: chunks + 1)
        bounds[chunks] = n
        for c in 1..<max(chunks, 1) {
            let target = Int((Double(c) / Double(chunks) * Double(total)).rounded())
            // Smallest j with cp[j] + j >= target (the weight is strictly increasing in j).
            var lo = bounds[c - 1], hi = n
            while lo < hi {
                let mid = (lo + hi) / 2
                if cp[mid] + mid < target { lo = mid + 1 } else { hi = mid }
            }
            bounds[c] = lo
        }
        return bounds
    }

    /// y[j] = Σ_p v[p]·x[ri[p]] over column j, for j in `columns`. The single kernel used by every
    /// operator, sequential or parallel.
    @inline(__always)
    static func columnDots(_ cp: UnsafeBufferPointer<Int>, _ ri: UnsafeBufferPointer<Int>,
                           _ v: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>,
                           _ y: UnsafeMutableBufferPointer<Double>, _ columns: Range<Int>) {
        for j in columns {
            var s = 0.0
            for p in cp[j]..<cp[j + 1] { s += v[p] * x[ri[p]] }
            y[j] = s
        }
    }

    /// y = Mᵀx for all columns of `m`, split over `bounds` when `parallel` is true.
    static func transposeMultiply(_ m: CSCMatrix, bounds: [Int], parallel: Bool,
                                  _ x: UnsafeBufferPointer<Double>, _ y: UnsafeMutableBufferPointer<Double>) {
        m.pattern.columnPointers.withUnsafeBufferPointer { cp in
            m.pattern.rowIndices.withUnsafeBufferPointer { ri in
                m.values.withUnsafeBufferPointer { v in
                    if parallel {
                        bounds.withUnsafeBufferPointer { b in
                            let task = ChunkedColumnDots(cp: cp, ri: ri, v: v, x: x, y: y, bounds: b)
                            // Workers compute in the caller's flush-to-zero mode.
                            let flush = FlushToZero.isEnabledOnCurrentThread
                            DispatchQueue.concurrentPerform(iterations: b.count - 1) { c in
                                FlushToZero.run(if: flush) { task.run(chunk: c) }
                            }
                        }
                    } else {
                        columnDots(cp, ri, v, x, y, 0..<m.columnCount)
                    }
                }
            }
        }
    }
}

/// The buffers of one parallel product, handed to the worker threads.
///
/// `@unchecked Sendable` is sound here: the buffers are only used inside `concurrentPerform`, which
/// returns after every chunk has finished (so they outlive all uses); `cp`, `ri`, `v`, `x` and `bounds`
/// are only read; and chunk c writes only `y[bounds[c]..<bounds[c+1]]`, ranges that are disjoint.
struct ChunkedColumnDots: @unchecked Sendable {
    let cp: UnsafeBufferPointer<Int>
    let ri: UnsafeBufferPointer<Int>
    let v: UnsafeBufferPointer<Double>
    let x: UnsafeBufferPointer<Double>
    let y: UnsafeMutableBufferPointer<Double>
    let bounds: UnsafeBufferPointer<Int>

    func run(chunk c: Int) {
        ParallelSplit.columnDots(cp, ri, v, x, y, bounds[c]..<bounds[c + 1])
    }
}

/// y = A·x and y = Aᵀ·x for a fixed sparsity pattern, split over threads for large matrices.
///
/// Built once (O(nnz + m + n), it stores A, Aᵀ and the map between their value arrays); value updates
/// are O(nnz) writes (`updateValues`). `multiply` computes each yᵢ as the dot product of row i of A
/// (a column of the stored Aᵀ) with x; `transposeMultiply` computes each yⱼ as column j of A against x.
/// When `nonzeroCount >= parallelThreshold` and `chunkCount > 1`, the outputs are split into
/// `chunkCount` ranges of balanced work run with `DispatchQueue.concurrentPerform`; otherwise the
/// product runs on the calling thread.
///
/// **Determinism:** the result is bitwise identical for every `chunkCount` and threshold (see the file
/// comment); it may differ in the last bits from `CSCMatrix.multiply`, which sums in another order.
///
/// **Concurrency:** a value type; products are read-only and may run concurrently from several threads
/// on the same instance (each with its own output buffer). Products do not allocate.
public struct ParallelMatrixOperator: Sendable {
    /// Default `parallelThreshold`: 200_000 stored entries.
    public static let defaultParallelThreshold: Int = 200_000

    /// A (m×n).
    public private(set) var matrix: CSCMatrix
    /// Aᵀ (n×m), kept in sync with `matrix` by `updateValues`.
    public private(set) var transpose: CSCMatrix
    /// `transposeMap[p]` is the position in `transpose.values` of `matrix.values[p]`.
    private let transposeMap: [Int]
    /// Products run in parallel when `matrix.nonzeroCount >= parallelThreshold` (and `chunkCount > 1`).
    public let parallelThreshold: Int
    /// Number of output ranges a parallel product is split into.
    public let chunkCount: Int
    private let rowBounds: [Int]
    private let columnBounds: [Int]

    /// - Parameters:
    ///   - matrix: A; its pattern is fixed for the life of the operator.
    ///   - parallelThreshold: minimum number of entries for a parallel product (default 200_000;
    ///     pass 0 to always split, `Int.max` to never split).
    ///   - chunkCount: number of ranges (default `ProcessInfo.activeProcessorCount`; values < 1 mean 1).
    /// O(nnz + m + n).
    public init(_ matrix: CSCMatrix, parallelThreshold: Int = ParallelMatrixOperator.defaultParallelThreshold, chunkCount: Int? = nil) {
        let (t, map) = matrix.transposedWithMap()
        self.matrix = matrix
        self.transpose = t
        self.transposeMap = map
        self.parallelThreshold = parallelThreshold
        let chunks = max(1, chunkCount ?? ParallelSplit.defaultChunkCount)
        self.chunkCount = chunks
        self.rowBounds = ParallelSplit.balancedBoundaries(columnPointers: t.pattern.columnPointers,
                                                          columnCount: t.columnCount, chunks: chunks)
        self.columnBounds = ParallelSplit.balancedBoundaries(columnPointers: matrix.pattern.columnPointers,
                                                             columnCount: matrix.columnCount, chunks: chunks)
    }

    public var rowCount: Int { matrix.rowCount }
    public var columnCount: Int { matrix.columnCount }

    /// Whether products of this operator are split over threads.
    public var isParallel: Bool { chunkCount > 1 && matrix.nonzeroCount >= parallelThreshold }

    /// Replaces A's values (same pattern, `matrix.values` order) and refreshes Aᵀ. O(nnz), no allocation
    /// once the storage is uniquely owned. Throws `.dimensionMismatch` for a wrong count and
    /// `.nonFiniteValue` for NaN/Inf (the operator is unchanged then).
    public mutating func updateValues(_ values: [Double]) throws(SparseFormatError) {
        guard values.count == matrix.nonzeroCount else {
            throw .dimensionMismatch("\(values.count) values for a matrix with \(matrix.nonzeroCount) entries")
        }
        try CSCMatrix(uncheckedPattern: matrix.pattern, values: values).validateFinite()
        matrix.values = values
        transposeMap.withUnsafeBufferPointer { map in
            transpose.values.withUnsafeMutableBufferPointer { tv in
                values.withUnsafeBufferPointer { v in
                    for p in 0..<v.count { tv[map[p]] = v[p] }
                }
            }
        }
    }

    /// y = A·x (y overwritten). Requires `x.count >= columnCount`, `y.count >= rowCount`, no aliasing.
    /// O(nnz + m), no allocation.
    public func multiply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        ParallelSplit.transposeMultiply(transpose, bounds: rowBounds, parallel: isParallel, x, y)
    }

    /// y = Aᵀ·x (y overwritten). Requires `x.count >= rowCount`, `y.count >= columnCount`, no aliasing.
    /// O(nnz + n), no allocation.
    public func transposeMultiply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        ParallelSplit.transposeMultiply(matrix, bounds: columnBounds, parallel: isParallel, x, y)
    }

    /// y = A·x into an existing array (no allocation).
    public func multiply(_ x: [Double], into y: inout [Double]) {
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { multiply(xb, into: $0) } }
    }

    /// y = Aᵀ·x into an existing array (no allocation).
    public func transposeMultiply(_ x: [Double], into y: inout [Double]) {
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { transposeMultiply(xb, into: $0) } }
    }

    /// A·x (allocates the result).
    public func multiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: rowCount)
        multiply(x, into: &y)
        return y
    }

    /// Aᵀ·x (allocates the result).
    public func transposeMultiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: columnCount)
        transposeMultiply(x, into: &y)
        return y
    }
}

/// y = P·x for a symmetric P given by its upper triangle, split over threads for large matrices.
///
/// Built once (O(nnz + n)): stores the upper triangle and the mirrored full matrix, with maps so that
/// `updateValues` refreshes both in O(nnz). Each yⱼ is the dot product of column j of the full P with
/// x; parallel splitting, determinism and concurrency are as for `ParallelMatrixOperator`
/// (the threshold applies to the number of entries of the full matrix).
public struct ParallelSymmetricOperator: Sendable {
    /// Default `parallelThreshold`: 200_000 stored entries.
    public static let defaultParallelThreshold: Int = 200_000

    /// The upper triangle of P, as given.
    public private(set) var upper: CSCMatrix
    /// The full symmetric P, kept in sync with `upper` by `updateValues`.
    public private(set) var full: CSCMatrix
    private let directMap: [Int]
    private let mirrorMap: [Int]
    public let parallelThreshold: Int
    public let chunkCount: Int
    private let bounds: [Int]

    /// Throws `.dimensionMismatch` if `upper` is not square and `.notUpperTriangular` if it has an
    /// entry below the diagonal. Other parameters as for `ParallelMatrixOperator.init`. O(nnz + n).
    public init(upper: CSCMatrix, parallelThreshold: Int = ParallelSymmetricOperator.defaultParallelThreshold,
                chunkCount: Int? = nil) throws(SparseFormatError) {
        guard upper.rowCount == upper.columnCount else {
            throw .dimensionMismatch("symmetric operator from a non-square \(upper.rowCount)×\(upper.columnCount) matrix")
        }
        try upper.checkUpperTriangular()
        let (f, direct, mirror) = CSCMatrix.mirrorUpper(upper)
        self.upper = upper
        self.full = f
        self.directMap = direct
        self.mirrorMap = mirror
        self.parallelThreshold = parallelThreshold
        let chunks = max(1, chunkCount ?? ParallelSplit.defaultChunkCount)
        self.chunkCount = chunks
        self.bounds = ParallelSplit.balancedBoundaries(columnPointers: f.pattern.columnPointers,
                                                       columnCount: f.columnCount, chunks: chunks)
    }

    /// n, the order of P.
    public var dimension: Int { upper.columnCount }

    /// Whether products of this operator are split over threads.
    public var isParallel: Bool { chunkCount > 1 && full.nonzeroCount >= parallelThreshold }

    /// Replaces the upper triangle's values (same pattern, `upper.values` order) and refreshes the full
    /// matrix. O(nnz). Throws `.dimensionMismatch` / `.nonFiniteValue` (the operator is unchanged then).
    public mutating func updateValues(_ upperValues: [Double]) throws(SparseFormatError) {
        guard upperValues.count == upper.nonzeroCount else {
            throw .dimensionMismatch("\(upperValues.count) values for a matrix with \(upper.nonzeroCount) entries")
        }
        try CSCMatrix(uncheckedPattern: upper.pattern, values: upperValues).validateFinite()
        upper.values = upperValues
        directMap.withUnsafeBufferPointer { direct in
            mirrorMap.withUnsafeBufferPointer { mirror in
                full.values.withUnsafeMutableBufferPointer { fv in
                    upperValues.withUnsafeBufferPointer { v in
                        for p in 0..<v.count {
                            fv[direct[p]] = v[p]
                            if mirror[p] >= 0 { fv[mirror[p]] = v[p] }
                        }
                    }
                }
            }
        }
    }

    /// y = P·x (y overwritten). Requires `x.count >= dimension`, `y.count >= dimension`, no aliasing.
    /// O(nnz(full) + n), no allocation.
    public func multiply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        // P is symmetric, so column dot products of P are Pᵀx = Px.
        ParallelSplit.transposeMultiply(full, bounds: bounds, parallel: isParallel, x, y)
    }

    /// y = P·x into an existing array (no allocation).
    public func multiply(_ x: [Double], into y: inout [Double]) {
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { multiply(xb, into: $0) } }
    }

    /// P·x (allocates the result).
    public func multiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: dimension)
        multiply(x, into: &y)
        return y
    }
}
