/// Errors raised by the checked constructors and readers of the `Sparse` module.
///
/// Every case carries the position a user needs to find the problem (0-based row and
/// column indices, 1-based line numbers in files).
public enum SparseFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Negative or inconsistent dimensions, or arrays whose lengths do not match them.
    case dimensionMismatch(String)
    /// `columnPointers[0] != 0`, a pointer decreases, or the last pointer is not the number of entries.
    case columnPointersNotMonotone(column: Int)
    /// A row index outside `0..<rowCount`.
    case rowIndexOutOfRange(row: Int, column: Int, rowCount: Int)
    /// Row indices within a column are not strictly increasing.
    case unsortedOrDuplicateIndices(row: Int, column: Int)
    /// A NaN or infinite value.
    case nonFiniteValue(row: Int, column: Int, value: Double)
    /// A matrix that must be symmetric is not (entry (row, column) differs from its mirror).
    case notSymmetric(row: Int, column: Int)
    /// An entry below the diagonal of a matrix that must be stored as its upper triangle.
    case notUpperTriangular(row: Int, column: Int)
    /// A malformed line in a text file.
    case parse(line: Int, message: String)
    /// The file could not be read or written.
    case io(path: String, message: String)
    /// A valid file of a kind this reader does not support (complex, pattern, array format, …).
    case unsupported(line: Int, message: String)

    /// The 1-based line number of `.parse` and `.unsupported` errors, nil otherwise.
    public var line: Int? {
        switch self {
        case .parse(let line, _), .unsupported(let line, _): return line
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .dimensionMismatch(let m): return "dimension mismatch: \(m)"
        case .columnPointersNotMonotone(let c): return "column pointers are not monotone (at column \(c))"
        case .rowIndexOutOfRange(let r, let c, let n): return "row index \(r) out of range 0..<\(n) in column \(c)"
        case .unsortedOrDuplicateIndices(let r, let c): return "row indices unsorted or duplicated at row \(r), column \(c)"
        case .nonFiniteValue(let r, let c, let v): return "non-finite value \(v) at row \(r), column \(c)"
        case .notSymmetric(let r, let c): return "matrix is not symmetric: entry (\(r), \(c)) differs from (\(c), \(r))"
        case .notUpperTriangular(let r, let c): return "entry (\(r), \(c)) lies below the diagonal of an upper-triangular matrix"
        case .parse(let l, let m): return "line \(l): \(m)"
        case .io(let p, let m): return "\(p): \(m)"
        case .unsupported(let l, let m): return "line \(l): unsupported: \(m)"
        }
    }
}
