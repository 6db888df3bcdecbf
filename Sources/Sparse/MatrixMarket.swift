// Matrix Market (https://math.nist.gov/MatrixMarket/formats.html) coordinate files: reader and writer.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A matrix read from a Matrix Market file, as stored in the file.
public struct MatrixMarketMatrix: Equatable, Sendable {
    /// The symmetry declared in the header.
    public enum Symmetry: Equatable, Sendable {
        /// Every entry is stored.
        case general
        /// Square; only the lower triangle (row ≥ column) is stored, the rest is its mirror image.
        case symmetric
    }

    /// The symmetry declared in the file's header.
    public let symmetry: Symmetry
    /// The entries as stored in the file (duplicates summed): the lower triangle for `.symmetric`.
    public let stored: CSCMatrix

    init(symmetry: Symmetry, stored: CSCMatrix) {
        self.symmetry = symmetry
        self.stored = stored
    }

    public var rowCount: Int { stored.rowCount }
    public var columnCount: Int { stored.columnCount }

    /// The whole matrix: `stored` for `.general`, the lower triangle mirrored for `.symmetric`. O(nnz + n).
    public func full() -> CSCMatrix {
        switch symmetry {
        case .general: return stored
        case .symmetric: return CSCMatrix.mirrorUpper(stored.transposed()).full
        }
    }

    /// The upper triangle (row ≤ column), the form in which P is passed to the solver. For `.symmetric`
    /// this is the transpose of `stored`; for `.general` the matrix must be symmetric
    /// (`.dimensionMismatch` / `.notSymmetric` otherwise, see `CSCMatrix.upperTriangle()`). O(nnz + n).
    public func upperTriangle() throws(SparseFormatError) -> CSCMatrix {
        switch symmetry {
        case .general: return try stored.upperTriangle()
        case .symmetric: return stored.transposed()
        }
    }
}

/// Reading and writing Matrix Market files (`%%MatrixMarket matrix coordinate real|integer general|symmetric`).
///
/// **Reading.** Supported: `coordinate` format, `real` and `integer` fields, `general` and `symmetric`
/// symmetry. `pattern`, `complex`, `hermitian`, `skew-symmetric`, `array` and non-`matrix` objects give
/// `.unsupported(line:message:)`. Header keywords are case-insensitive. After the header, lines whose
/// first non-blank character is `%` (comments) and blank lines are skipped anywhere. Every other defect
/// gives `.parse(line:message:)` with the 1-based line number: bad header, size line without exactly
/// three non-negative integers, an entry without exactly three fields, a non-numeric field, an index
/// outside `1...rows` / `1...columns`, a NaN or infinite value (also when duplicates sum to one), an
/// entry above the diagonal in a symmetric file, more entries than declared (reported at the first extra
/// entry) or fewer (reported at the line after the last line). Duplicate entries are summed in file order.
/// Values are parsed exactly (correctly rounded) and independently of the C locale. Row and column
/// counts above `Int32.max` are `.unsupported`, and so are row or column counts above
/// `max(MatrixMarket.dimensionAllowance, file size in bytes)`: memory grows with the declared
/// dimensions, so a few-byte size line must not claim a matrix whose empty columns need gigabytes.
///
/// Cost: O(bytes + nnz + rows + columns) time; memory about the file size plus 3 × 8 bytes per entry.
/// Entries are kept in file order when the file is already sorted by column (or by row); otherwise
/// each column is sorted, O(nnz log nnz) in the worst case.
///
/// **Writing.** Coordinate `real` files, entries in column-major order, values in the shortest form
/// that reads back to the identical `Double`.
public enum MatrixMarket {
    /// Reads and parses the file at `path`. Throws `.io` if it cannot be read, otherwise as `parse`.
    ///
    /// Reading is incremental (`InputFile`) and stops at the first line that cannot be text (a
    /// control byte, or a line longer than `InputFile.maximumLineLength`): that line is a `.parse`
    /// error unless the lines before it already hold one.
    public static func read(path: String) throws(SparseFormatError) -> MatrixMarketMatrix {
        let contents: InputFile.Contents
        do { contents = try InputFile.read(path: path, mode: .text(maximumLineLength: InputFile.maximumLineLength, lineCheck: nil)) }
        catch { throw .io(path: path, message: error.description) }
        let result = contents.bytes.withUnsafeBufferPointer { b in
            Result { () throws(SparseFormatError) -> MatrixMarketMatrix in try parse(bytes: b, path: path) }
        }
        guard let stop = contents.stop else { return try result.get() }
        if case .failure(let error) = result, let line = error.line, line < stop.line { throw error }
        throw .parse(line: stop.line, message: stop.description)
    }

    /// Parses Matrix Market text. `path` only names the source in error messages.
    public static func parse(_ text: String, path: String = "<string>") throws(SparseFormatError) -> MatrixMarketMatrix {
        var text = text
        let result = text.withUTF8 { b in
            Result { () throws(SparseFormatError) -> MatrixMarketMatrix in try parse(bytes: b, path: path) }
        }
        return try result.get()
    }

    /// Parses Matrix Market bytes (UTF-8/ASCII). `path` only names the source in error messages.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>, path: String = "<bytes>") throws(SparseFormatError) -> MatrixMarketMatrix {
        var parser = MatrixMarketParser(bytes: bytes, path: path)
        return try parser.parse()
    }

    /// Rows and columns a file may declare whatever its size (2²⁴: 128 MiB of column pointers);
    /// beyond it a file needs at least one byte per row and column. Keeps the reader's memory
    /// O(file size) plus a constant, whatever the size line says.
    public static let dimensionAllowance = 1 << 24

    /// The Matrix Market text of `matrix` (see `write`).
    public static func format(_ matrix: CSCMatrix, symmetry: MatrixMarketMatrix.Symmetry) throws(SparseFormatError) -> String {
        String(decoding: try encode(matrix, symmetry: symmetry), as: UTF8.self)
    }

    /// Writes `matrix` as a coordinate `real` file.
    ///
    /// For `.symmetric`, `matrix` must be square and may be given as its upper triangle, its lower
    /// triangle or in full (then it must be symmetric, `.notSymmetric` otherwise); the lower triangle is
    /// written. Throws `.nonFiniteValue` for NaN/Inf values and `.io` if the file cannot be written.
    /// O(nnz + n).
    public static func write(_ matrix: CSCMatrix, symmetry: MatrixMarketMatrix.Symmetry, to path: String) throws(SparseFormatError) {
        let bytes = try encode(matrix, symmetry: symmetry)
        try writeFile(bytes, path: path)
    }

    // MARK: Writing

    static func encode(_ matrix: CSCMatrix, symmetry: MatrixMarketMatrix.Symmetry) throws(SparseFormatError) -> [UInt8] {
        try matrix.validateFinite()
        let lower: CSCMatrix
        switch symmetry {
        case .general:
            lower = matrix
        case .symmetric:
            guard matrix.rowCount == matrix.columnCount else {
                throw .dimensionMismatch("a symmetric Matrix Market file needs a square matrix, got \(matrix.rowCount)×\(matrix.columnCount)")
            }
            if matrix.pattern.isUpperTriangular {
                lower = matrix.transposed()
            } else if matrix.isLowerTriangular {
                lower = matrix
            } else {
                if let (i, j) = matrix.firstAsymmetry() { throw .notSymmetric(row: i, column: j) }
                lower = matrix.lowerTrianglePart()
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(64 + lower.nonzeroCount * 32)
        let kind = symmetry == .general ? "general" : "symmetric"
        out.append(contentsOf: "%%MatrixMarket matrix coordinate real \(kind)\n".utf8)
        out.append(contentsOf: "\(lower.rowCount) \(lower.columnCount) \(lower.nonzeroCount)\n".utf8)
        let ri = lower.pattern.rowIndices
        for j in 0..<lower.columnCount {
            for p in lower.pattern.range(ofColumn: j) {
                appendDecimal(ri[p] + 1, to: &out)
                out.append(32)
                appendDecimal(j + 1, to: &out)
                out.append(32)
                out.append(contentsOf: lower.values[p].description.utf8)
                out.append(10)
            }
        }
        return out
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(truncatingIfNeeded: v % 10) + 48
                v /= 10
                count += 1
            } while v > 0
            if value < 0 { out.append(45) }
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(d[k]) }
        }
    }

    // MARK: Files

    static func errnoMessage() -> String {
        String(cString: strerror(errno))
    }

    static func writeFile(_ bytes: [UInt8], path: String) throws(SparseFormatError) {
        do { try OutputFile.write(to: path) { writer in bytes.withUnsafeBytes { writer.append($0) } } }
        catch { throw .io(path: path, message: "cannot write: \(error.message)") }
    }
}

extension CSCMatrix {
    /// True if every entry lies on or below the diagonal.
    var isLowerTriangular: Bool {
        for j in 0..<columnCount {
            let r = pattern.range(ofColumn: j)
            if let first = r.first, pattern.rowIndices[first] < j { return false }
        }
        return true
    }
}

// MARK: - Parser

/// Byte-level Matrix Market parser (see `MatrixMarket` for the accepted language).
struct MatrixMarketParser {
    private enum Field { case real, integer }

    private let b: UnsafeBufferPointer<UInt8>
    private let path: String
    private var position = 0
    /// 1-based number of the line most recently returned by `nextLine()`.
    private var lineNumber = 0
    private let powersOfTen: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    init(bytes: UnsafeBufferPointer<UInt8>, path: String) {
        self.b = bytes
        self.path = path
    }

    private func parseError(_ message: String, line: Int? = nil) -> SparseFormatError {
        .parse(line: line ?? lineNumber, message: "\(message) (in \(path))")
    }

    private func unsupported(_ message: String) -> SparseFormatError {
        .unsupported(line: lineNumber, message: "\(message) (in \(path))")
    }

    // MARK: Lines and tokens

    /// The byte range of the next line (without its newline), or nil at the end of the input.
    private mutating func nextLine() -> Range<Int>? {
        guard position < b.count, let base = b.baseAddress else { return nil }
        let start = position
        let end: Int
        if let found = memchr(base + start, 10, b.count - start) {
            end = found.assumingMemoryBound(to: UInt8.self) - UnsafeMutablePointer(mutating: base)
            position = end + 1
        } else {
            end = b.count
            position = b.count
        }
        lineNumber += 1
        return start..<end
    }

    @inline(__always)
    private static func isBlank(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 13 || c == 11 || c == 12 }

    /// The next whitespace-delimited token at or after `i` (before `end`); advances `i` past it.
    @inline(__always)
    private func nextToken(_ i: inout Int, _ end: Int) -> Range<Int>? {
        while i < end, Self.isBlank(b[i]) { i += 1 }
        guard i < end else { return nil }
        let start = i
        while i < end, !Self.isBlank(b[i]) { i += 1 }
        return start..<i
    }

    private func tokenCount(_ line: Range<Int>) -> Int {
        var i = line.lowerBound, n = 0
        while nextToken(&i, line.upperBound) != nil { n += 1 }
        return n
    }

    private func text(_ r: Range<Int>) -> String {
        let s = String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
        return s.count > 40 ? String(s.prefix(40)) + "…" : s
    }

    /// True for a blank line or a comment line (first non-blank character `%`).
    private func isSkippable(_ line: Range<Int>) -> Bool {
        var i = line.lowerBound
        guard let t = nextToken(&i, line.upperBound) else { return true }
        return b[t.lowerBound] == 37 // %
    }

    // MARK: Numbers

    /// An optionally signed decimal integer; saturates at ±Int.max instead of overflowing. nil if the
    /// token is not an integer.
    private func integer(_ t: Range<Int>) -> Int? {
        var i = t.lowerBound
        var negative = false
        if b[i] == 45 { negative = true; i += 1 } else if b[i] == 43 { i += 1 }
        guard i < t.upperBound else { return nil }
        var v = 0
        while i < t.upperBound {
            let d = Int(b[i]) &- 48
            guard d >= 0, d <= 9 else { return nil }
            v = v > (Int.max - d) / 10 ? Int.max : v * 10 + d
            i += 1
        }
        return negative ? -v : v
    }

    /// A decimal floating-point number, correctly rounded. Short decimals (≤ 19 significant digits,
    /// value exactly m·10^e with m ≤ 2^53 and |e| ≤ 22) take an exact fast path; everything else goes
    /// through the standard library's correctly rounded, locale-independent `Double(_: String)`.
    /// nil if the token is not a number; NaN and ±infinity are returned as such.
    private func real(_ t: Range<Int>) -> Double? {
        var i = t.lowerBound
        let end = t.upperBound
        var negative = false
        if b[i] == 45 { negative = true; i += 1 } else if b[i] == 43 { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, exponent = 0
        var sawDigit = false, simple = true
        while i < end {
            let d = UInt64(b[i]) &- 48
            guard d <= 9 else { break }
            sawDigit = true
            if mantissa != 0 || d != 0 {
                if digits == 19 { simple = false; break }
                mantissa = mantissa * 10 + d
                digits += 1
            }
            i += 1
        }
        if simple, i < end, b[i] == 46 { // .
            i += 1
            while i < end {
                let d = UInt64(b[i]) &- 48
                guard d <= 9 else { break }
                sawDigit = true
                if mantissa != 0 || d != 0 {
                    if digits == 19 { simple = false; break }
                    mantissa = mantissa * 10 + d
                    digits += 1
                }
                exponent -= 1
                i += 1
            }
        }
        if simple, sawDigit, i < end, b[i] == 101 || b[i] == 69 { // e E
            i += 1
            var exponentNegative = false
            if i < end, b[i] == 45 { exponentNegative = true; i += 1 } else if i < end, b[i] == 43 { i += 1 }
            var e = 0, exponentDigits = 0
            while i < end {
                let d = Int(b[i]) &- 48
                guard d >= 0, d <= 9 else { break }
                if e > 100_000 { simple = false; break }
                e = e * 10 + d
                exponentDigits += 1
                i += 1
            }
            if exponentDigits == 0 { simple = false }
            exponent += exponentNegative ? -e : e
        }
        if simple, sawDigit, i == end {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            if mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
                let m = Double(mantissa)
                let v = exponent >= 0 ? m * powersOfTen[exponent] : m / powersOfTen[-exponent]
                return negative ? -v : v
            }
        }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: b[t]), as: UTF8.self))
    }

    // MARK: Parsing

    mutating func parse() throws(SparseFormatError) -> MatrixMarketMatrix {
        // Header.
        guard let header = nextLine() else {
            throw parseError("empty input: missing the %%MatrixMarket header", line: 1)
        }
        var words: [String] = []
        var i = header.lowerBound
        while let t = nextToken(&i, header.upperBound) {
            words.append(String(decoding: UnsafeBufferPointer(rebasing: b[t]), as: UTF8.self).lowercased())
        }
        guard words.first == "%%matrixmarket" else {
            throw parseError("the first line must start with %%MatrixMarket")
        }
        guard words.count == 5 else {
            throw parseError("the header must read '%%MatrixMarket matrix coordinate <field> <symmetry>', found \(words.count) words")
        }
        guard words[1] == "matrix" else {
            if ["vector", "tensor"].contains(words[1]) { throw unsupported("object '\(words[1])'") }
            throw parseError("unknown object '\(words[1])' (expected 'matrix')")
        }
        switch words[2] {
        case "coordinate": break
        case "array": throw unsupported("'array' (dense) format; only 'coordinate' is supported")
        default: throw parseError("unknown format '\(words[2])' (expected 'coordinate')")
        }
        let field: Field
        switch words[3] {
        case "real", "double": field = .real
        case "integer": field = .integer
        case "pattern", "complex": throw unsupported("'\(words[3])' field; only 'real' and 'integer' are supported")
        default: throw parseError("unknown field '\(words[3])'")
        }
        let symmetry: MatrixMarketMatrix.Symmetry
        switch words[4] {
        case "general": symmetry = .general
        case "symmetric": symmetry = .symmetric
        case "hermitian", "skew-symmetric": throw unsupported("'\(words[4])' symmetry; only 'general' and 'symmetric' are supported")
        default: throw parseError("unknown symmetry '\(words[4])'")
        }

        // Size line: the first line that is neither blank nor a comment.
        var sizeLine: Range<Int>?
        while let line = nextLine() {
            if !isSkippable(line) { sizeLine = line; break }
        }
        guard let sizeLine else { throw parseError("missing size line 'rows columns entries'", line: lineNumber + 1) }
        i = sizeLine.lowerBound
        let sizeTokens = [nextToken(&i, sizeLine.upperBound), nextToken(&i, sizeLine.upperBound),
                          nextToken(&i, sizeLine.upperBound)]
        guard nextToken(&i, sizeLine.upperBound) == nil, let rt = sizeTokens[0], let ct = sizeTokens[1], let nt = sizeTokens[2] else {
            throw parseError("the size line must have 3 fields 'rows columns entries', found \(tokenCount(sizeLine))")
        }
        var sizes: [Int] = []
        for (t, name) in [(rt, "row count"), (ct, "column count"), (nt, "entry count")] {
            guard let v = integer(t) else { throw parseError("non-numeric \(name) '\(text(t))'") }
            guard v >= 0 else { throw parseError("negative \(name) \(v)") }
            sizes.append(v)
        }
        let m = sizes[0], n = sizes[1], declared = sizes[2]
        guard m <= Int(Int32.max), n <= Int(Int32.max) else {
            throw unsupported("dimensions \(m)×\(n) exceed \(Int32.max)")
        }
        let backed = max(MatrixMarket.dimensionAllowance, b.count)
        guard m <= backed, n <= backed else {
            throw unsupported("dimensions \(m)×\(n) exceed what a \(b.count)-byte file backs: at most \(backed) rows and columns (\(MatrixMarket.dimensionAllowance), or one byte per row and column)")
        }
        if symmetry == .symmetric, m != n {
            throw parseError("a symmetric matrix must be square, the size line declares \(m)×\(n)")
        }

        // Entries.
        let capacity = min(declared, b.count / 5 + 1)
        var rows = [Int32](); rows.reserveCapacity(capacity)
        var columns = [Int32](); columns.reserveCapacity(capacity)
        var values = [Double](); values.reserveCapacity(capacity)
        while let line = nextLine() {
            let end = line.upperBound
            var k = line.lowerBound
            guard let t0 = nextToken(&k, end) else { continue } // blank
            if b[t0.lowerBound] == 37 { continue } // % comment
            let t1 = nextToken(&k, end), t2 = nextToken(&k, end)
            guard let t1, let t2, nextToken(&k, end) == nil else {
                throw parseError("an entry must have 3 fields 'row column value', found \(tokenCount(line))")
            }
            guard values.count < declared else {
                throw parseError("more entries than the \(declared) declared on the size line")
            }
            guard let r = integer(t0) else { throw parseError("non-numeric row index '\(text(t0))'") }
            guard r >= 1, r <= m else { throw parseError("row index \(r) out of range 1...\(m)") }
            guard let c = integer(t1) else { throw parseError("non-numeric column index '\(text(t1))'") }
            guard c >= 1, c <= n else { throw parseError("column index \(c) out of range 1...\(n)") }
            if field == .integer, integer(t2) == nil {
                throw parseError("non-integer value '\(text(t2))' in an integer matrix")
            }
            guard let v = real(t2) else { throw parseError("non-numeric value '\(text(t2))'") }
            guard v.isFinite else { throw parseError("non-finite value '\(text(t2))'") }
            if symmetry == .symmetric, r < c {
                throw parseError("entry (\(r), \(c)) lies above the diagonal; a symmetric file stores the lower triangle")
            }
            rows.append(Int32(truncatingIfNeeded: r - 1))
            columns.append(Int32(truncatingIfNeeded: c - 1))
            values.append(v)
        }
        guard values.count == declared else {
            throw parseError("expected \(declared) entries (size line), found \(values.count)", line: lineNumber + 1)
        }

        let (matrix, overflow) = Self.assemble(rowCount: m, columnCount: n, rows: rows, columns: columns, values: values)
        if let k = overflow {
            throw parseError("duplicate entries at (\(Int(rows[k]) + 1), \(Int(columns[k]) + 1)) sum to a non-finite value",
                             line: lineOfEntry(k))
        }
        return MatrixMarketMatrix(symmetry: symmetry, stored: matrix)
    }

    /// The line number of the k-th (0-based) entry. Only used on the error path.
    private func lineOfEntry(_ k: Int) -> Int {
        var scan = MatrixMarketParser(bytes: b, path: path)
        _ = scan.nextLine() // header
        while let line = scan.nextLine(), scan.isSkippable(line) {}
        var count = 0
        while let line = scan.nextLine() {
            if scan.isSkippable(line) { continue }
            if count == k { return scan.lineNumber }
            count += 1
        }
        return scan.lineNumber
    }

    /// Compressed columns from triplets: entries bucketed by column (stable), each column sorted by row
    /// if needed (stable), duplicates summed in file order. Returns the matrix and, if a sum of
    /// duplicates is not finite, the index of the triplet whose addition made it so.
    /// O(nnz + n) when every column arrives in row order, O(nnz log nnz) at worst.
    static func assemble(rowCount m: Int, columnCount n: Int, rows: [Int32], columns: [Int32],
                         values: [Double]) -> (CSCMatrix, overflowEntry: Int?) {
        let nnz = values.count
        var start = [Int](repeating: 0, count: n + 1)
        var columnSorted = true
        var previous = (column: Int32(-1), row: Int32(-1))
        for k in 0..<nnz {
            let c = columns[k], r = rows[k]
            start[Int(c) + 1] += 1
            if c < previous.column || (c == previous.column && r <= previous.row) { columnSorted = false }
            previous = (c, r)
        }
        for j in 0..<n { start[j + 1] += start[j] }
        let rowIndices: [Int]
        if columnSorted {
            // Strictly increasing (column, row): already CSC, no duplicates.
            rowIndices = rows.map { Int($0) }
            let pattern = SparsityPattern(uncheckedRowCount: m, columnCount: n, columnPointers: start, rowIndices: rowIndices)
            return (CSCMatrix(uncheckedPattern: pattern, values: values), nil)
        }
        var order = [Int](repeating: 0, count: nnz)
        var next = start
        for k in 0..<nnz {
            let c = Int(columns[k])
            order[next[c]] = k
            next[c] += 1
        }
        var cp = [Int](repeating: 0, count: n + 1)
        var ri = [Int](); ri.reserveCapacity(nnz)
        var vv = [Double](); vv.reserveCapacity(nnz)
        var overflow: Int?
        for j in 0..<n {
            let segment = start[j]..<start[j + 1]
            var sorted = true
            var last = Int32(-1)
            for q in segment {
                let r = rows[order[q]]
                if r < last { sorted = false; break }
                last = r
            }
            if !sorted {
                order[segment].sort { a, b in rows[a] != rows[b] ? rows[a] < rows[b] : a < b }
            }
            var lastRow = -1
            for q in segment {
                let k = order[q]
                let r = Int(rows[k])
                if r == lastRow {
                    vv[vv.count - 1] += values[k]
                    if overflow == nil, !vv[vv.count - 1].isFinite { overflow = k }
                } else {
                    ri.append(r)
                    vv.append(values[k])
                    lastRow = r
                }
            }
            cp[j + 1] = ri.count
        }
        let pattern = SparsityPattern(uncheckedRowCount: m, columnCount: n, columnPointers: cp, rowIndices: ri)
        return (CSCMatrix(uncheckedPattern: pattern, values: vv), overflow)
    }
}
