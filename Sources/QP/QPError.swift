import Sparse

/// Errors raised when a `QuadraticProgram` is validated and when QPS files are read or written.
///
/// Indices are 0-based (rows and columns of P and A, entries of q, l, u); line numbers in files are
/// 1-based. Every error raised while parsing a QPS file is a `.qps(line:issue:)` and carries the
/// line it refers to.
public enum QPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An array or matrix dimension does not match the problem size: `array` names what was
    /// checked ("q", "A columns", "l", "u"), `expected` is the required length, `got` the actual one.
    case dimensionMismatch(array: String, expected: Int, got: Int)
    /// P is not square.
    case pNotSquare(rowCount: Int, columnCount: Int)
    /// P was given as a full symmetric matrix but entry (row, column) differs from (column, row).
    case pNotSymmetric(row: Int, column: Int)
    /// P was given as its upper triangle but has an entry below the diagonal (row > column).
    case pEntryBelowDiagonal(row: Int, column: Int)
    /// q[index] is NaN or infinite.
    case nonFiniteQ(index: Int)
    /// A value of P at (row, column) is NaN or infinite.
    case nonFiniteP(row: Int, column: Int)
    /// A value of A at (row, column) is NaN or infinite.
    case nonFiniteA(row: Int, column: Int)
    /// The objective constant r is NaN or infinite.
    case nonFiniteObjectiveConstant
    /// l[index] is NaN (infinite bounds are allowed, NaN is not).
    case nanInL(index: Int)
    /// u[index] is NaN.
    case nanInU(index: Int)
    /// l[row] > u[row]: the row can never be satisfied.
    case lGreaterThanU(row: Int, l: Double, u: Double)
    /// l[row] = +∞: no finite value satisfies the row.
    case lIsPlusInfinity(row: Int)
    /// u[row] = −∞: no finite value satisfies the row.
    case uIsMinusInfinity(row: Int)
    /// A matrix could not be built (wraps the error of the `Sparse` module).
    case sparse(SparseFormatError)
    /// A QPS file is malformed or uses a feature this reader does not support.
    case qps(line: Int, issue: QPSIssue)
    /// A file could not be read or written.
    case io(path: String, message: String)
    /// A `.qpb` binary file (see `QPBinary`) is malformed; `offset` is the byte offset of the
    /// field or section the issue refers to.
    case qpb(offset: Int, issue: QPBIssue)
    /// A JSON input (see `JSONVectorReader`) is malformed: `offset` is the 0-based byte offset of
    /// the offending byte, `line` and `column` its 1-based position (columns count bytes).
    case json(offset: Int, line: Int, column: Int, issue: JSONIssue)
    /// A `.qpb` binary file (recognized by its magic) was given to the QPS text reader.
    case qpbGivenToQPSReader(path: String)

    /// The 1-based line number for errors raised while parsing a QPS file, nil otherwise.
    public var line: Int? {
        if case .qps(let line, _) = self { return line }
        return nil
    }

    public var description: String {
        switch self {
        case .dimensionMismatch(let array, let expected, let got):
            return "dimension mismatch: \(array) has \(got) entries, expected \(expected)"
        case .pNotSquare(let r, let c): return "P is not square (\(r)×\(c))"
        case .pNotSymmetric(let r, let c): return "P is not symmetric: entry (\(r), \(c)) differs from (\(c), \(r))"
        case .pEntryBelowDiagonal(let r, let c):
            return "P must be given as its upper triangle but has an entry at (\(r), \(c)) below the diagonal"
        case .nonFiniteQ(let i): return "q[\(i)] is not finite"
        case .nonFiniteP(let r, let c): return "P has a non-finite value at (\(r), \(c))"
        case .nonFiniteA(let r, let c): return "A has a non-finite value at (\(r), \(c))"
        case .nonFiniteObjectiveConstant: return "the objective constant is not finite"
        case .nanInL(let i): return "l[\(i)] is NaN"
        case .nanInU(let i): return "u[\(i)] is NaN"
        case .lGreaterThanU(let r, let l, let u): return "row \(r): l = \(l) is greater than u = \(u)"
        case .lIsPlusInfinity(let r): return "row \(r): l = +infinity"
        case .uIsMinusInfinity(let r): return "row \(r): u = -infinity"
        case .sparse(let e): return "sparse matrix error: \(e)"
        case .qps(let line, let issue): return "QPS line \(line): \(issue)"
        case .io(let path, let message): return "\(path): \(message)"
        case .qpb(let offset, let issue): return "QPB byte offset \(offset): \(issue)"
        case .json(let offset, let line, let column, let issue):
            return "JSON line \(line), column \(column) (byte offset \(offset)): \(issue)"
        case .qpbGivenToQPSReader(let path):
            return "\(path) is a .qpb binary file, not QPS text (solve, grad and bench read both formats)"
        }
    }
}

/// What is wrong with a QPS file (always reported with its line number by `QPError.qps`).
public enum QPSIssue: Error, Equatable, Sendable, CustomStringConvertible {
    /// A line starting in column 1 that is not a known section header.
    case unknownSection(String)
    /// A section header that appears a second time, or a second quadratic section.
    case duplicateSection(String)
    /// A data line (starting with a blank) before the first section or in a section that has no data lines.
    case dataOutsideSection
    /// Text after a section header that takes none.
    case unexpectedTextAfterHeader(String)
    /// A data line with the wrong number of fields (the text describes what was expected).
    case malformedLine(String)
    /// A row name that was not declared in ROWS.
    case unknownRow(String)
    /// A column name that was not declared in COLUMNS.
    case unknownColumn(String)
    /// A row name declared twice in ROWS.
    case duplicateRow(String)
    /// A row type other than N, E, L, G.
    case invalidRowType(String)
    /// A bound type other than UP, LO, FX, FR, MI, PL (BV, LI, UI, SC raise `.integerVariablesNotSupported`).
    case invalidBoundType(String)
    /// An OBJSENSE value other than MIN, MINIMIZE, MAX, MAXIMIZE.
    case invalidObjectiveSense(String)
    /// A field that should be a number is not one.
    case badNumber(String)
    /// A number that must be finite (matrix entry, cost) overflows or is infinite.
    case nonFiniteValue(String)
    /// MARKER INTORG/INTEND lines or BV/LI/UI/SC bounds: only continuous problems are supported.
    case integerVariablesNotSupported
    /// The file ends without ENDATA (the line number is the one after the last line).
    case missingEndata
    /// A second RHS, RANGES or BOUNDS vector name in one file (only one of each is supported).
    case multipleVectors(section: String, first: String, second: String)
    /// A RANGES entry on the objective row or on a free (N) row.
    case rangeOnFreeRow(String)
    /// The bounds of a row or column are contradictory (l > u, l = +∞ or u = −∞).
    case infeasibleBounds(name: String, lower: Double, upper: Double)
    /// QMATRIX gives entry (row, column) different from (column, row).
    case asymmetricQMatrix(row: String, column: String)
    /// The line cannot be QPS text (binary content or an overlong line; the text says which).
    /// Reading stops at this line.
    case notText(String)
    /// The bytes start with the `.qpb` magic: a binary file, not QPS text.
    case qpbBinaryFile

    public var description: String {
        switch self {
        case .unknownSection(let s): return "unknown section '\(s)'"
        case .duplicateSection(let s): return "section \(s) appears more than once"
        case .dataOutsideSection: return "data line outside a section that takes data"
        case .unexpectedTextAfterHeader(let s): return "unexpected text after section header: '\(s)'"
        case .malformedLine(let s): return "malformed line: \(s)"
        case .unknownRow(let s): return "unknown row '\(s)'"
        case .unknownColumn(let s): return "unknown column '\(s)'"
        case .duplicateRow(let s): return "row '\(s)' declared twice"
        case .invalidRowType(let s): return "invalid row type '\(s)' (expected N, E, L or G)"
        case .invalidBoundType(let s): return "invalid bound type '\(s)'"
        case .invalidObjectiveSense(let s): return "invalid objective sense '\(s)'"
        case .badNumber(let s): return "bad number '\(s)'"
        case .nonFiniteValue(let s): return "value '\(s)' is not finite"
        case .integerVariablesNotSupported: return "integer variables not supported"
        case .missingEndata: return "missing ENDATA"
        case .multipleVectors(let section, let first, let second):
            return "more than one \(section) vector ('\(first)' and '\(second)') is not supported"
        case .rangeOnFreeRow(let s): return "RANGES entry on free row '\(s)'"
        case .infeasibleBounds(let name, let lower, let upper):
            return "bounds of '\(name)' are contradictory: [\(lower), \(upper)]"
        case .asymmetricQMatrix(let r, let c): return "QMATRIX is not symmetric at (\(r), \(c))"
        case .notText(let s): return s
        case .qpbBinaryFile: return "the input is a .qpb binary file (magic SPQPBIN1), not QPS text"
        }
    }
}

/// What is wrong with a `.qpb` binary file (always reported with a byte offset by `QPError.qpb`).
public enum QPBIssue: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first 8 bytes are not the ASCII magic `SPQPBIN1` (`found` shows them, escaped).
    case badMagic(found: String)
    /// The file ends before `needed` bytes in total; it has `actual`. `section` names what was being read.
    case truncated(section: String, needed: Int, actual: Int)
    /// A size in the header is negative (`field` is n, m, nnzP or nnzA).
    case negativeSize(field: String, value: Int64)
    /// The header sizes (or an index) do not fit in `Int` or give a file length that overflows.
    case sizeOverflow
    /// The file length differs from the length the header sizes imply (bytes after the last array).
    case trailingBytes(expected: Int, actual: Int)
    /// The CSC arrays of `matrix` ("P" or "A") violate the CSC invariants.
    case malformedMatrix(matrix: String, SparseFormatError)

    public var description: String {
        switch self {
        case .badMagic(let found): return "bad magic '\(found)' (expected 'SPQPBIN1'; not a .qpb file)"
        case .truncated(let section, let needed, let actual):
            return "file truncated in \(section): needs \(needed) bytes, has \(actual)"
        case .negativeSize(let field, let value): return "negative size \(field) = \(value) in the header"
        case .sizeOverflow: return "header sizes overflow the addressable file length"
        case .trailingBytes(let expected, let actual):
            return "inconsistent sizes: the header describes \(expected) bytes but the file has \(actual)"
        case .malformedMatrix(let matrix, let error): return "malformed CSC matrix \(matrix): \(error)"
        }
    }
}
