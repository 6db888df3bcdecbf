import Foundation
import Sparse
import Testing
import TestSupport

/// Round trip of a generated 2M-entry file, printing the write and read times (measured, not asserted:
/// speed belongs to benchmarks). Off by default (it takes seconds in debug builds); run with
/// `SPARSE_PERF=1 swift test -c release --scratch-path .build-sparse --filter matrixMarketParseSpeed`.
@Test(.enabled(if: ProcessInfo.processInfo.environment["SPARSE_PERF"] != nil))
func matrixMarketParseSpeed() throws {
    var g = SeededGenerator(seed: 71)
    let big = randomSparse(rows: 200_000, columns: 1_000_000, density: 2.0 / 200_000, using: &g)
    #expect(big.nonzeroCount >= 2_000_000)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sparse-perf-\(UUID().uuidString).mtx").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    var start = ContinuousClock.now
    try MatrixMarket.write(big, symmetry: .general, to: path)
    let writeTime = ContinuousClock.now - start
    start = ContinuousClock.now
    let read = try MatrixMarket.read(path: path)
    let readTime = ContinuousClock.now - start
    print("Matrix Market, \(big.nonzeroCount) entries: write \(writeTime), read \(readTime)")
    #expect(read.stored == big)
}
