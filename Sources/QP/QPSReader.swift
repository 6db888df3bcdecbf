#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Sparse

/// Reads quadratic programs in QPS format (MPS extended with a quadratic objective section).
///
/// ## Format
/// A line starting in column 1 is a section header, a line starting with a blank is a data line,
/// a line starting with `*` is a comment; blank lines are skipped. Sections:
///
/// - `NAME name` — the rest of the line is the name.
/// - `OBJSENSE` — `MIN`/`MINIMIZE`/`MAX`/`MAXIMIZE`, on the header line or on the next data line.
///   For MAX the stored program minimizes −f: P, q and r are negated (`QPSModel.objectiveSense`).
/// - `ROWS` — `type name` with type N, E, L, G. The first N row is the objective; later N rows are
///   free rows (they constrain nothing and are left out of A by default, see `FreeRows`).
/// - `COLUMNS` — `column row value [row value]`. Entries on the objective row form q; repeated
///   entries are summed. `MARKER` lines (INTORG/INTEND) raise "integer variables not supported".
/// - `RHS` — `[set] row value [row value]`. On the objective row the value is −r (the objective
///   constant is minus the value, the usual MPS convention). Rows without an RHS have 0.
/// - `RANGES` — `[set] row value [row value]`, with the MPS rules for a row with right-hand side b
///   and range R: E with R ≥ 0 → [b, b+|R|], E with R < 0 → [b−|R|, b], L → [b−|R|, b], G → [b, b+|R|].
///   The computed side is the double nearest to the exact decimal value of b ± |R| as written (not
///   the double sum of their roundings, which can be one ulp off), so every pair of doubles l < u can
///   be written exactly: for [−1.2, 2.4] no double R gives fl(−1.2 + R) = 2.4, but the exact decimal
///   R = 2.4 − (−1.2) written out in full does. Readers that add rounded values agree to one ulp.
/// - `BOUNDS` — `type [set] column [value]` with UP, LO, FX, FR, MI (lower −∞), PL (upper +∞);
///   BV, LI, UI, SC raise "integer variables not supported". The default is 0 ≤ x < ∞. An UP bound
///   with a negative value on a column that has had no LO/MI/FX/FR bound sets the lower bound to −∞
///   (the usual MPS rule, which keeps the column feasible); a later LO still overrides it.
/// - `QUADOBJ` or `QSECTION` — `column column value`: one triangle of Q, diagonal included (the
///   lower triangle by convention; entries are mirrored, so either triangle works). The objective is
///   ½xᵀQx + cᵀx + r. An off-diagonal entry given twice (also as (i,j) and (j,i)) is summed.
/// - `QMATRIX` — the full Q, both triangles; they must agree exactly and the upper one is kept.
/// - `ENDATA` — required; anything after it is ignored.
///
/// Values of magnitude ≥ 1e20 in RHS, RANGES and BOUNDS mean infinite (not in COLUMNS or the
/// quadratic section, whose values must be finite, nor for the objective constant). Only one RHS,
/// one RANGES and one BOUNDS vector name are supported per file.
///
/// ## Free and fixed MPS
/// Each data line is first split at blanks (free MPS). This also reads every fixed-format file
/// whose names contain no spaces, since fixed fields are separated by blanks. If the free reading of
/// a line fails — wrong number of fields, a number that does not parse, an undeclared name — the
/// line is read again by the fixed columns 2–3, 5–12, 15–22, 25–36, 40–47, 50–61 (trimmed), which
/// allows names with spaces. If both fail, the free-format error is reported.
/// In free form the RHS/RANGES vector name may be omitted (an even number of fields) and so may the
/// BOUNDS vector name.
///
/// ## Solver form
/// Constraint rows become rows of A in ROWS order; then every column with a finite bound gets an
/// identity row of A holding its bounds (see `QPSModel`). Every error is a `QPError.qps(line:issue:)`
/// with the 1-based line number (for a missing ENDATA, the line after the last one).
///
/// Cost: O(file size + nnz) time, with names hashed once per field; no String is created per line.
public enum QPSReader {
    /// What to do with rows and columns that constrain nothing.
    public enum FreeRows: Equatable, Sendable {
        /// Free N rows and columns free on both sides get no row in A (the default: the solver does
        /// no work for them). Their entries in `rowToConstraint` / `columnToBoundRow` are nil.
        case omitted
        /// Every non-objective file row and every column gets a row of A, with l = −∞, u = +∞ for the
        /// free ones. This is the l ≤ Ax ≤ u form counted by the `m` and `nnzA` columns of the
        /// Maros–Meszaros `reference.csv`.
        case included
    }

    /// Reads and parses the QPS file at `path`.
    ///
    /// Reading is incremental and stops at the first line that cannot be QPS text: a control byte
    /// (binary content, e.g. `/dev/zero`) or a line longer than `InputFile.maximumLineLength`
    /// (`QPSIssue.notText` on that line, unless the lines before it already hold an error, which is
    /// reported instead). A `.qpb` binary file is recognized by its magic (`.qpbGivenToQPSReader`);
    /// `ProblemFile.read` reads either format.
    public static func read(path: String, freeRows: FreeRows = .omitted) throws(QPError) -> QPSModel {
        let contents = try FileIO.read(path: path, mode: .text(maximumLineLength: InputFile.maximumLineLength, lineCheck: lineCheck))
        if contents.bytes.starts(with: QPBinary.magic) { throw .qpbGivenToQPSReader(path: path) }
        return try model(from: contents, freeRows: freeRows)
    }

    /// The model of text read by `InputFile` in text mode (see `read(path:freeRows:)` for how a
    /// stop is reported).
    static func model(from contents: InputFile.Contents, freeRows: FreeRows) throws(QPError) -> QPSModel {
        guard let stop = contents.stop else { return try parse(bytes: contents.bytes, freeRows: freeRows) }
        // The parser's own error wins when it is on an earlier line, or on the rejected line itself
        // (it says why the line is wrong).
        let lastParsed = if case .rejectedLine = stop { stop.line } else { stop.line - 1 }
        do {
            _ = try parse(bytes: contents.bytes, freeRows: freeRows)
        } catch where error.line.map({ $0 <= lastParsed }) ?? true {
            throw error
        } catch {}
        throw .qps(line: stop.line, issue: .notText(stop.description))
    }

    /// Section keywords a line starting in column 1 may hold.
    static let sectionKeywords: Set<String> = ["NAME", "OBJSENSE", "ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS",
                                               "QUADOBJ", "QSECTION", "QMATRIX", "ENDATA"]

    /// Reading stops at a line in column 1 that is not a comment or a section keyword (the
    /// parser then names it), and after ENDATA (the parser ignores the rest).
    static let lineCheck: InputFile.LineCheck = { head in
        guard let first = head.first, !isBlank(first), first != UInt8(ascii: "*") else { return .accept }
        let keyword = String(decoding: head.prefix { !isBlank($0) }, as: UTF8.self).uppercased()
        if keyword == "ENDATA" { return .last }
        // A keyword longer than the head is cut: accept it, the parser judges the full line.
        return sectionKeywords.contains(keyword) || keyword.utf8.count >= InputFile.lineHeadLength ? .accept : .reject
    }

    /// Parses QPS text.
    public static func parse(text: String, freeRows: FreeRows = .omitted) throws(QPError) -> QPSModel {
        try parse(bytes: Array(text.utf8), freeRows: freeRows)
    }

    /// Parses QPS text given as UTF-8 (or ASCII) bytes. A `.qpb` file's bytes (recognized by the
    /// magic) are `QPSIssue.qpbBinaryFile` on line 1.
    public static func parse(bytes: [UInt8], freeRows: FreeRows = .omitted) throws(QPError) -> QPSModel {
        if bytes.starts(with: QPBinary.magic) { throw .qps(line: 1, issue: .qpbBinaryFile) }
        let result: Result<QPSModel, QPError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = QPSParser(text: buffer, keepFree: freeRows == .included)
            do throws(QPError) {
                try parser.run()
                return .success(try parser.finish())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

// MARK: - Parser

private enum Section: Equatable {
    case none, name, objsense, rows, columns, rhs, ranges, bounds, quadobj, qmatrix, endata
}

private enum RowKind: Equatable {
    case objective, free, equal, less, greater
}

private enum BoundKind {
    case upper, lower, fixed, free, minusInfinity, plusInfinity
}

private struct Entry {
    var row: Int
    var value: Double
    var token: Range<Int>
}

private enum ColumnReference {
    case existing(Int)
    case new(Range<Int>)
}

private enum Action {
    case row(RowKind, name: Range<Int>)
    case entries(ColumnReference, token: Range<Int>, Entry, Entry?)
    case rhs(set: Range<Int>?, Entry, Entry?)
    case ranges(set: Range<Int>?, Entry, Entry?)
    case bound(BoundKind, set: Range<Int>?, column: Int, value: Double)
    case quadratic(Int, Int, Double)
    case sense(ObjectiveSense)
}

private let space: UInt8 = 0x20, tab: UInt8 = 0x09, carriageReturn: UInt8 = 0x0D
private let newline: UInt8 = 0x0A, asterisk: UInt8 = 0x2A

@inline(__always) private func isBlank(_ c: UInt8) -> Bool {
    c == space || c == tab || c == carriageReturn || c == 0x0B || c == 0x0C
}

/// Up to four ASCII letters packed, upper-cased, into an integer (0 for longer tokens).
private func keywordCode<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
    var code: UInt32 = 0, length = 0
    for b in bytes {
        length += 1
        if length > 4 { return 0 }
        let upper = (b >= 0x61 && b <= 0x7A) ? b - 0x20 : b
        code = (code << 8) | UInt32(upper)
    }
    return code
}

private enum Code {
    static let n = keywordCode("N".utf8), e = keywordCode("E".utf8)
    static let l = keywordCode("L".utf8), g = keywordCode("G".utf8)
    static let up = keywordCode("UP".utf8), lo = keywordCode("LO".utf8), fx = keywordCode("FX".utf8)
    static let fr = keywordCode("FR".utf8), mi = keywordCode("MI".utf8), pl = keywordCode("PL".utf8)
    static let bv = keywordCode("BV".utf8), li = keywordCode("LI".utf8), ui = keywordCode("UI".utf8)
    static let sc = keywordCode("SC".utf8)
}

/// Converts the file convention |v| ≥ 1e20 into ±∞.
@inline(__always) private func infinityConverted(_ v: Double) -> Double {
    if v >= 1e20 { return .infinity }
    if v <= -1e20 { return -.infinity }
    return v
}

/// The number in `text[r]`: decimal with an optional E or D (Fortran) exponent, or INF/INFINITY
/// with an optional sign. nil for anything else, NaN included. A free function so that no closure
/// captures (and, in debug builds, copies) the parser.
private func parseDouble(_ text: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Double? {
    let length = r.count
    guard length > 0, length <= 100_000 else { return nil }
    var plain = true
    for i in r {
        switch text[i] {
        case 0x30...0x39, 0x2B, 0x2D, 0x2E, 0x45, 0x65, 0x44, 0x64: break   // digits + - . E e D d
        default: plain = false
        }
    }
    if !plain {
        var word = text[r].map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        var sign = 1.0
        if let first = word.first, first == 0x2B || first == 0x2D {
            sign = first == 0x2D ? -1 : 1
            word.removeFirst()
        }
        return word.elementsEqual("INF".utf8) || word.elementsEqual("INFINITY".utf8) ? sign * .infinity : nil
    }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double? in
        guard let start = buffer.baseAddress else { return nil }
        var k = 0
        for i in r {
            let c = text[i]
            buffer[k] = CChar(bitPattern: c == 0x44 || c == 0x64 ? 0x65 : c)   // D exponent → e
            k += 1
        }
        buffer[length] = 0
        var end: UnsafeMutablePointer<CChar>? = nil
        let value = strtod(start, &end)
        guard let end, end == start + length, !value.isNaN else { return nil }
        return value
    }
}

/// The parse state. Every method is `mutating`, even the ones that only read: in unoptimized builds
/// a non-mutating call from a mutating method copies the whole struct (all its arrays), which made
/// debug parsing several times slower; an `inout` self is passed by address.
private struct QPSParser {
    let text: UnsafeBufferPointer<UInt8>
    let keepFree: Bool

    // Line state.
    var lineNumber = 0
    var lineStart = 0
    var lineEnd = 0
    var fields: [Range<Int>] = []
    var fixedFields: [Range<Int>] = []
    var section: Section = .none
    var seenSections: Set<String> = []
    var sawEndata = false

    // Header data.
    var name = ""
    var sense: ObjectiveSense = .minimize

    // Rows, indexed in file order (objective included).
    var rows = NameTable()
    var rowKind: [RowKind] = []
    var rowLine: [Int] = []
    var constraintOf: [Int] = []
    var constraintCount = 0
    var objectiveRow: Int?
    var rhs: [Double] = []
    var rhsLine: [Int] = []
    var rhsToken: [Range<Int>] = []     // the RHS text (empty when none), for exact range bounds
    var range: [Double] = []
    var rangeLine: [Int] = []
    var rangeToken: [Range<Int>] = []
    var fileConstant = 0.0

    // Columns.
    var columns = NameTable()
    var q: [Double] = []
    var lower: [Double] = []
    var upper: [Double] = []
    var lowerGiven: [Bool] = []
    var columnLine: [Int] = []
    var boundLine: [Int] = []

    // Entries of A (constraint rows) and of the quadratic section.
    var aRows: [Int] = []
    var aColumns: [Int] = []
    var aValues: [Double] = []
    var quadRows: [Int] = []
    var quadColumns: [Int] = []
    var quadValues: [Double] = []
    var quadLines: [Int] = []
    var mirroredRows: [Int] = []      // QMATRIX entries below the diagonal, mirrored to the upper triangle
    var mirroredColumns: [Int] = []
    var mirroredValues: [Double] = []
    var mirroredLines: [Int] = []
    var isQMatrix = false
    var lastColumn = -1                  // the column of the previous COLUMNS line and its name's bytes
    var lastColumnToken: Range<Int> = 0..<0

    // Vector names (only one of each per file).
    var rhsSet: [UInt8]?
    var rangeSet: [UInt8]?
    var boundSet: [UInt8]?

    init(text: UnsafeBufferPointer<UInt8>, keepFree: Bool) {
        self.text = text
        self.keepFree = keepFree
        fields.reserveCapacity(8)
        fixedFields.reserveCapacity(8)
    }

    // MARK: Lines

    mutating func run() throws(QPError) {
        guard let base = text.baseAddress else {
            throw .qps(line: 1, issue: .missingEndata)
        }
        let count = text.count
        var position = 0
        while position < count {
            let end: Int
            if let hit = memchr(base + position, Int32(newline), count - position) {
                end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            } else {
                end = count
            }
            lineNumber += 1
            lineStart = position
            var trimmed = end
            while trimmed > position && isBlank(text[trimmed - 1]) { trimmed -= 1 }
            lineEnd = trimmed
            position = end + 1
            if lineEnd == lineStart || text[lineStart] == asterisk { continue }
            do throws(QPSIssue) {
                if isBlank(text[lineStart]) {
                    try dataLine()
                } else {
                    try header()
                    if sawEndata { return }
                }
            } catch {
                throw .qps(line: lineNumber, issue: error)
            }
        }
        throw .qps(line: lineNumber + 1, issue: .missingEndata)
    }

    mutating func string(_ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: text[r]), as: UTF8.self)
    }

    mutating func tokenizeFree() {
        fields.removeAll(keepingCapacity: true)
        var i = lineStart
        while i < lineEnd {
            while i < lineEnd && isBlank(text[i]) { i += 1 }
            if i >= lineEnd { break }
            let start = i
            while i < lineEnd && !isBlank(text[i]) { i += 1 }
            fields.append(start..<i)
        }
    }

    /// Fixed-MPS fields (0-based byte windows of columns 2–3, 5–12, 15–22, 25–36, 40–47, 50–61),
    /// restricted to the ones the current section uses; trailing empty fields dropped.
    mutating func tokenizeFixed() {
        fixedFields.removeAll(keepingCapacity: true)
        let windows = [(1, 3), (4, 12), (14, 22), (24, 36), (39, 47), (49, 61)]
        let used: [Int]
        switch section {
        case .rows: used = [0, 1]
        case .columns, .rhs, .ranges: used = [1, 2, 3, 4, 5]
        case .bounds: used = [0, 1, 2, 3]
        case .quadobj, .qmatrix: used = [1, 2, 3]
        default: used = [1]
        }
        for k in used {
            var s = min(lineStart + windows[k].0, lineEnd)
            var e = min(lineStart + windows[k].1, lineEnd)
            while s < e && isBlank(text[s]) { s += 1 }
            while e > s && isBlank(text[e - 1]) { e -= 1 }
            fixedFields.append(s..<e)
        }
        while let last = fixedFields.last, last.isEmpty { fixedFields.removeLast() }
    }

    mutating func dataLine() throws(QPSIssue) {
        tokenizeFree()
        if section == .columns {
            for f in fields where text[f.lowerBound] == 0x27 && keywordEquals(f, "'MARKER'") {
                throw .integerVariablesNotSupported
            }
        }
        let action: Action
        do throws(QPSIssue) {
            action = try decode(fields)
        } catch {
            tokenizeFixed()
            guard fixedFields != fields, let fixedAction = try? decode(fixedFields) else { throw error }
            action = fixedAction
        }
        apply(action)
    }

    mutating func keywordEquals(_ r: Range<Int>, _ keyword: String) -> Bool {
        var i = r.lowerBound
        for b in keyword.utf8 {
            guard i < r.upperBound else { return false }
            var c = text[i]
            if c >= 0x61 && c <= 0x7A { c -= 0x20 }
            if c != b { return false }
            i += 1
        }
        return i == r.upperBound
    }

    // MARK: Headers

    mutating func header() throws(QPSIssue) {
        tokenizeFree()
        guard let first = fields.first else { return }
        let keyword = string(first).uppercased()
        let extra = fields.count > 1 ? string(fields[1].lowerBound..<lineEnd) : nil
        let next: Section
        switch keyword {
        case "NAME":
            name = extra ?? ""
            next = .name
        case "OBJSENSE":
            next = .objsense
            if fields.count > 2 { throw .unexpectedTextAfterHeader(string(fields[2].lowerBound..<lineEnd)) }
            if fields.count == 2 { sense = try objectiveSense(fields[1]) }
        case "ROWS": next = .rows
        case "COLUMNS": next = .columns
        case "RHS": next = .rhs
        case "RANGES": next = .ranges
        case "BOUNDS": next = .bounds
        case "QUADOBJ", "QSECTION": next = .quadobj
        case "QMATRIX":
            next = .qmatrix
            isQMatrix = true
        case "ENDATA":
            next = .endata
            sawEndata = true
        default:
            throw .unknownSection(keyword)
        }
        if keyword != "NAME" && keyword != "OBJSENSE", let extra {
            throw .unexpectedTextAfterHeader(extra)
        }
        let key = (next == .quadobj || next == .qmatrix) ? "QUADOBJ/QSECTION/QMATRIX" : keyword
        if seenSections.contains(key) { throw .duplicateSection(keyword) }
        seenSections.insert(key)
        section = next
    }

    mutating func objectiveSense(_ r: Range<Int>) throws(QPSIssue) -> ObjectiveSense {
        if keywordEquals(r, "MAX") || keywordEquals(r, "MAXIMIZE") { return .maximize }
        if keywordEquals(r, "MIN") || keywordEquals(r, "MINIMIZE") { return .minimize }
        throw .invalidObjectiveSense(string(r))
    }

    // MARK: Decoding (no state changes, so a failed free reading can be retried as fixed)

    mutating func decode(_ f: [Range<Int>]) throws(QPSIssue) -> Action {
        switch section {
        case .rows: return try decodeRow(f)
        case .columns: return try decodeColumns(f)
        case .rhs:
            let (set, a, b) = try decodeVector(f, name: "RHS", current: rhsSet)
            return .rhs(set: set, a, b)
        case .ranges:
            let (set, a, b) = try decodeVector(f, name: "RANGES", current: rangeSet)
            for entry in [a, b].compactMap({ $0 }) where rowKind[entry.row] == .objective || rowKind[entry.row] == .free {
                throw .rangeOnFreeRow(rows.name(entry.row))
            }
            return .ranges(set: set, a, b)
        case .bounds: return try decodeBound(f)
        case .quadobj, .qmatrix: return try decodeQuadratic(f)
        case .objsense:
            guard f.count == 1 else { throw .malformedLine("OBJSENSE expects MIN or MAX") }
            return .sense(try objectiveSense(f[0]))
        case .none, .name, .endata:
            throw .dataOutsideSection
        }
    }

    mutating func number(_ r: Range<Int>) throws(QPSIssue) -> Double {
        guard let value = parseDouble(text, r) else { throw .badNumber(string(r)) }
        return value
    }

    mutating func finiteNumber(_ r: Range<Int>) throws(QPSIssue) -> Double {
        let v = try number(r)
        guard v.isFinite else { throw .nonFiniteValue(string(r)) }
        return v
    }

    mutating func sameText(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        var j = b.lowerBound
        for i in a {
            if text[i] != text[j] { return false }
            j += 1
        }
        return true
    }

    mutating func row(_ r: Range<Int>) throws(QPSIssue) -> Int {
        guard let k = rows.index(of: text, r) else { throw .unknownRow(string(r)) }
        return k
    }

    mutating func column(_ r: Range<Int>) throws(QPSIssue) -> Int {
        guard let k = columns.index(of: text, r) else { throw .unknownColumn(string(r)) }
        return k
    }

    mutating func decodeRow(_ f: [Range<Int>]) throws(QPSIssue) -> Action {
        guard f.count == 2, !f[1].isEmpty else { throw .malformedLine("ROWS expects a type and a name") }
        let kind: RowKind
        switch keywordCode(UnsafeBufferPointer(rebasing: text[f[0]])) {
        case Code.n: kind = objectiveRow == nil ? .objective : .free
        case Code.e: kind = .equal
        case Code.l: kind = .less
        case Code.g: kind = .greater
        default: throw .invalidRowType(string(f[0]))
        }
        if rows.index(of: text, f[1]) != nil { throw .duplicateRow(string(f[1])) }
        return .row(kind, name: f[1])
    }

    mutating func decodeColumns(_ f: [Range<Int>]) throws(QPSIssue) -> Action {
        guard f.count == 3 || f.count == 5, !f[0].isEmpty else {
            throw .malformedLine("COLUMNS expects: column row value [row value]")
        }
        let reference: ColumnReference
        if lastColumn >= 0 && sameText(f[0], lastColumnToken) {
            reference = .existing(lastColumn)   // COLUMNS lists a column's entries together: skip the lookup
        } else {
            reference = columns.index(of: text, f[0]).map { .existing($0) } ?? .new(f[0])
        }
        let first = Entry(row: try row(f[1]), value: try finiteNumber(f[2]), token: f[2])
        let second = f.count == 5 ? Entry(row: try row(f[3]), value: try finiteNumber(f[4]), token: f[4]) : nil
        return .entries(reference, token: f[0], first, second)
    }

    /// RHS and RANGES lines: `[set] row value [row value]`.
    mutating func decodeVector(_ f: [Range<Int>], name: String, current: [UInt8]?) throws(QPSIssue) -> (Range<Int>?, Entry, Entry?) {
        guard (2...5).contains(f.count) else { throw .malformedLine("\(name) expects: [set] row value [row value]") }
        let hasSet = f.count % 2 == 1
        let offset = hasSet ? 1 : 0
        if hasSet { try checkSet(f[0], section: name, current: current) }
        let first = Entry(row: try row(f[offset]), value: try number(f[offset + 1]), token: f[offset + 1])
        let second = f.count - offset == 4
            ? Entry(row: try row(f[offset + 2]), value: try number(f[offset + 3]), token: f[offset + 3]) : nil
        return (hasSet ? f[0] : nil, first, second)
    }

    mutating func checkSet(_ r: Range<Int>, section: String, current: [UInt8]?) throws(QPSIssue) {
        guard let current else { return }
        if !current.elementsEqual(text[r]) {
            throw .multipleVectors(section: section, first: String(decoding: current, as: UTF8.self), second: string(r))
        }
    }

    mutating func decodeBound(_ f: [Range<Int>]) throws(QPSIssue) -> Action {
        guard (2...4).contains(f.count) else { throw .malformedLine("BOUNDS expects: type [set] column [value]") }
        let kind: BoundKind
        var needsValue = true
        switch keywordCode(UnsafeBufferPointer(rebasing: text[f[0]])) {
        case Code.up: kind = .upper
        case Code.lo: kind = .lower
        case Code.fx: kind = .fixed
        case Code.fr: kind = .free; needsValue = false
        case Code.mi: kind = .minusInfinity; needsValue = false
        case Code.pl: kind = .plusInfinity; needsValue = false
        case Code.bv, Code.li, Code.ui, Code.sc: throw .integerVariablesNotSupported
        default: throw .invalidBoundType(string(f[0]))
        }
        var set: Range<Int>? = nil
        let columnField: Range<Int>
        var value = 0.0
        if needsValue {
            guard f.count >= 3 else { throw .malformedLine("bound \(string(f[0])) needs a value") }
            if f.count == 4 { set = f[1] }
            columnField = f[f.count - 2]
            value = try number(f[f.count - 1])
        } else if f.count == 2 {
            columnField = f[1]
        } else if f.count == 3 && columns.index(of: text, f[2]) == nil && columns.index(of: text, f[1]) != nil {
            columnField = f[1]   // `FR column value`: the value of a free bound is ignored
        } else {
            set = f[1]
            columnField = f[2]
        }
        if let set { try checkSet(set, section: "BOUNDS", current: boundSet) }
        return .bound(kind, set: set, column: try column(columnField), value: value)
    }

    mutating func decodeQuadratic(_ f: [Range<Int>]) throws(QPSIssue) -> Action {
        guard f.count == 3 else { throw .malformedLine("quadratic section expects: column column value") }
        return .quadratic(try column(f[0]), try column(f[1]), try finiteNumber(f[2]))
    }

    // MARK: Applying

    mutating func apply(_ action: Action) {
        switch action {
        case .row(let kind, let nameRange):
            let k = rows.insert(text, nameRange)
            rowKind.append(kind)
            rowLine.append(lineNumber)
            if kind == .objective { objectiveRow = k }
            if kind == .equal || kind == .less || kind == .greater || (kind == .free && keepFree) {
                constraintOf.append(constraintCount)
                constraintCount += 1
            } else {
                constraintOf.append(-1)
            }
            rhs.append(0)
            rhsLine.append(0)
            rhsToken.append(0..<0)
            range.append(.nan)
            rangeLine.append(0)
            rangeToken.append(0..<0)
        case .entries(let reference, let columnToken, let first, let second):
            let j: Int
            switch reference {
            case .existing(let k): j = k
            case .new(let r):
                j = columns.insert(text, r)
                q.append(0)
                lower.append(0)
                upper.append(.infinity)
                lowerGiven.append(false)
                columnLine.append(lineNumber)
                boundLine.append(0)
            }
            lastColumn = j
            lastColumnToken = columnToken
            addEntry(first, column: j)
            if let second { addEntry(second, column: j) }
        case .rhs(let set, let first, let second):
            if let set, rhsSet == nil { rhsSet = Array(text[set]) }
            for entry in [first, second].compactMap({ $0 }) {
                if rowKind[entry.row] == .objective {
                    fileConstant = -entry.value
                } else {
                    rhs[entry.row] = infinityConverted(entry.value)
                    rhsLine[entry.row] = lineNumber
                    rhsToken[entry.row] = entry.token
                }
            }
        case .ranges(let set, let first, let second):
            if let set, rangeSet == nil { rangeSet = Array(text[set]) }
            for entry in [first, second].compactMap({ $0 }) {
                range[entry.row] = infinityConverted(entry.value)
                rangeLine[entry.row] = lineNumber
                rangeToken[entry.row] = entry.token
            }
        case .bound(let kind, let set, let j, let rawValue):
            if let set, boundSet == nil { boundSet = Array(text[set]) }
            let value = infinityConverted(rawValue)
            switch kind {
            case .upper:
                upper[j] = value
                if value < 0 && !lowerGiven[j] { lower[j] = -.infinity }
            case .lower:
                lower[j] = value
                lowerGiven[j] = true
            case .fixed:
                lower[j] = value
                upper[j] = value
                lowerGiven[j] = true
            case .free:
                lower[j] = -.infinity
                upper[j] = .infinity
                lowerGiven[j] = true
            case .minusInfinity:
                lower[j] = -.infinity
                lowerGiven[j] = true
            case .plusInfinity:
                upper[j] = .infinity
            }
            boundLine[j] = lineNumber
        case .quadratic(let a, let b, let value):
            if isQMatrix && a > b {
                mirroredRows.append(b)
                mirroredColumns.append(a)
                mirroredValues.append(value)
                mirroredLines.append(lineNumber)
            } else {
                quadRows.append(min(a, b))
                quadColumns.append(max(a, b))
                quadValues.append(value)
                quadLines.append(lineNumber)
            }
        case .sense(let s):
            sense = s
        }
    }

    mutating func addEntry(_ entry: Entry, column j: Int) {
        if rowKind[entry.row] == .objective {
            q[j] += entry.value
        } else if constraintOf[entry.row] >= 0 {
            aRows.append(constraintOf[entry.row])
            aColumns.append(j)
            aValues.append(entry.value)
        }
    }

    // MARK: Assembly

    mutating func finish() throws(QPError) -> QPSModel {
        let n = columns.count
        var l: [Double] = []
        var u: [Double] = []
        l.reserveCapacity(constraintCount + n)
        u.reserveCapacity(constraintCount + n)

        // Constraint rows.
        var rowNames: [String] = []
        var rowToConstraint: [Int?] = []
        for k in 0..<rowKind.count where rowKind[k] != .objective {
            rowNames.append(rows.name(k))
            rowToConstraint.append(constraintOf[k] >= 0 ? constraintOf[k] : nil)
            guard constraintOf[k] >= 0 else { continue }
            let b = rhs[k], r = range[k]
            var lo = -Double.infinity, hi = Double.infinity
            switch rowKind[k] {
            case .equal:
                if r.isNaN { (lo, hi) = (b, b) } else if r < 0 { (lo, hi) = (try rangeBound(k, subtract: true), b) } else { (lo, hi) = (b, try rangeBound(k, subtract: false)) }
            case .less:
                (lo, hi) = (r.isNaN ? -.infinity : try rangeBound(k, subtract: true), b)
            case .greater:
                (lo, hi) = (b, r.isNaN ? .infinity : try rangeBound(k, subtract: false))
            case .free, .objective:
                break
            }
            if lo > hi || lo == .infinity || hi == -.infinity || lo.isNaN || hi.isNaN {
                let line = rangeLine[k] > 0 ? rangeLine[k] : (rhsLine[k] > 0 ? rhsLine[k] : rowLine[k])
                throw .qps(line: line, issue: .infeasibleBounds(name: rows.name(k), lower: lo, upper: hi))
            }
            l.append(lo)
            u.append(hi)
        }

        // Bound rows.
        var builder = TripletBuilder(rowCount: 0, columnCount: 0)
        var columnToBoundRow: [Int?] = []
        columnToBoundRow.reserveCapacity(n)
        var boundRows: [Int] = []
        for j in 0..<n {
            let lo = lower[j], hi = upper[j]
            if lo > hi || lo == .infinity || hi == -.infinity {
                let line = boundLine[j] > 0 ? boundLine[j] : columnLine[j]
                throw .qps(line: line, issue: .infeasibleBounds(name: columns.name(j), lower: lo, upper: hi))
            }
            if lo == -.infinity && hi == .infinity && !keepFree {
                columnToBoundRow.append(nil)
            } else {
                columnToBoundRow.append(l.count)
                boundRows.append(j)
                l.append(lo)
                u.append(hi)
            }
        }
        builder = TripletBuilder(rowCount: l.count, columnCount: n)
        builder.reserveCapacity(aValues.count + boundRows.count)
        for p in 0..<aValues.count { builder.append(row: aRows[p], column: aColumns[p], value: aValues[p]) }
        for (k, j) in boundRows.enumerated() { builder.append(row: constraintCount + k, column: j, value: 1) }

        let A: CSCMatrix
        var P: CSCMatrix
        do throws(SparseFormatError) {
            A = try builder.build()
            P = try quadraticMatrix(n: n)
        } catch {
            throw .sparse(error)
        }
        if isQMatrix { try checkQMatrixSymmetry(upper: P, n: n) }

        var q = self.q
        var constant = fileConstant
        if sense == .maximize {
            for p in 0..<P.values.count { P.values[p] = -P.values[p] }
            for j in 0..<n { q[j] = -q[j] }
            constant = -constant
        }
        let program = try QuadraticProgram(P: P, q: q, A: A, l: l, u: u, objectiveConstant: constant)
        return QPSModel(name: name,
                        columnNames: (0..<n).map { columns.name($0) },
                        rowNames: rowNames,
                        objectiveRowName: objectiveRow.map { rows.name($0) },
                        program: program,
                        objectiveSense: sense,
                        rowToConstraint: rowToConstraint,
                        columnToBoundRow: columnToBoundRow)
    }

    /// b ± |R| for file row k, rounded once from the exact decimal sum of the texts (see `RangeArithmetic`).
    mutating func rangeBound(_ k: Int, subtract: Bool) throws(QPError) -> Double {
        let b = rhs[k], r = range[k]
        if !b.isFinite || !r.isFinite { return subtract ? b - abs(r) : b + abs(r) }
        guard let value = RangeArithmetic.bound(rhs: b, rhsText: UnsafeBufferPointer(rebasing: text[rhsToken[k]]),
                                                range: r, rangeText: UnsafeBufferPointer(rebasing: text[rangeToken[k]]),
                                                subtract: subtract) else {
            throw .qps(line: rangeLine[k], issue: .badNumber(string(rangeToken[k])))
        }
        return value
    }

    mutating func quadraticMatrix(n: Int) throws(SparseFormatError) -> CSCMatrix {
        var builder = TripletBuilder(rowCount: n, columnCount: n)
        builder.reserveCapacity(quadValues.count)
        for p in 0..<quadValues.count { builder.append(row: quadRows[p], column: quadColumns[p], value: quadValues[p]) }
        return try builder.build()
    }

    /// QMATRIX: the lower triangle, mirrored, must equal the upper triangle entry by entry.
    mutating func checkQMatrixSymmetry(upper U: CSCMatrix, n: Int) throws(QPError) {
        var builder = TripletBuilder(rowCount: n, columnCount: n)
        for p in 0..<mirroredValues.count {
            builder.append(row: mirroredRows[p], column: mirroredColumns[p], value: mirroredValues[p])
        }
        let L: CSCMatrix
        do throws(SparseFormatError) { L = try builder.build() } catch { throw .sparse(error) }
        for j in 0..<n {
            var a = U.pattern.range(ofColumn: j).lowerBound, b = L.pattern.range(ofColumn: j).lowerBound
            let aEnd = U.pattern.range(ofColumn: j).upperBound, bEnd = L.pattern.range(ofColumn: j).upperBound
            while a < aEnd || b < bEnd {
                let ra = a < aEnd ? U.rowIndices[a] : Int.max
                let rb = b < bEnd ? L.rowIndices[b] : Int.max
                let i = min(ra, rb)
                let va = ra == i ? U.values[a] : 0
                let vb = rb == i ? L.values[b] : 0
                if va != vb && i != j {
                    let line = lineOf(row: i, column: j, rows: mirroredRows, columns: mirroredColumns, lines: mirroredLines)
                        ?? lineOf(row: i, column: j, rows: quadRows, columns: quadColumns, lines: quadLines) ?? lineNumber
                    throw .qps(line: line, issue: .asymmetricQMatrix(row: columns.name(j), column: columns.name(i)))
                }
                if ra == i { a += 1 }
                if rb == i { b += 1 }
            }
        }
    }

    mutating func lineOf(row: Int, column: Int, rows: [Int], columns: [Int], lines: [Int]) -> Int? {
        for p in 0..<rows.count where rows[p] == row && columns[p] == column { return lines[p] }
        return nil
    }
}
