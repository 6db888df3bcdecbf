import Sparse
import Testing
import TestSupport

/// The `SparseFormatError` thrown by `body`, or nil if it returned normally (any other error is
/// recorded as a test issue).
func thrownError<T>(_ body: () throws -> T) -> SparseFormatError? {
    do {
        _ = try body()
        return nil
    } catch let error as SparseFormatError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

extension SparseFormatError {
    var isDimensionMismatch: Bool {
        if case .dimensionMismatch = self { return true }
        return false
    }

    /// The line of a `.parse` error, nil for any other case.
    var parseLine: Int? {
        if case .parse(let line, _) = self { return line }
        return nil
    }

    /// The line of an `.unsupported` error, nil for any other case.
    var unsupportedLine: Int? {
        if case .unsupported(let line, _) = self { return line }
        return nil
    }
}

/// A small fixed 3×4 matrix used by several tests:
///     [ 1  0  0  2 ]
///     [ 0  3  0  0 ]
///     [ 4  0  5 -6 ]
func sampleMatrix() -> CSCMatrix {
    // Building it through the checked constructor also exercises the happy path.
    (try? CSCMatrix(rowCount: 3, columnCount: 4, columnPointers: [0, 2, 3, 4, 6],
                    rowIndices: [0, 2, 1, 2, 0, 2], values: [1, 4, 3, 5, 2, -6]))
        ?? .zeros(rowCount: 0, columnCount: 0)
}

/// Random test matrices of assorted shapes, including empty ones.
func randomMatrices(seed: UInt64) -> [CSCMatrix] {
    var g = SeededGenerator(seed: seed)
    let shapes: [(Int, Int, Double)] = [(0, 0, 0.5), (0, 4, 0.5), (5, 0, 0.5), (1, 1, 1), (7, 3, 0.4),
                                        (3, 9, 0.3), (20, 20, 0.15), (31, 17, 0.6), (12, 40, 1.0)]
    return shapes.map { randomSparse(rows: $0.0, columns: $0.1, density: $0.2, using: &g) }
}
