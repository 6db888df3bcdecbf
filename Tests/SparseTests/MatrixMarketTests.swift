import Foundation
import Sparse
import Testing
import TestSupport

/// A fresh path in the temporary directory.
private func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("SparseTests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}

/// Removes the directory `temporaryPath` made for `path`.
private func removeDirectory(of path: String) {
    try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
}

/// Doubles that are hard to round-trip through text.
private let trickyValues: [Double] = [0.1, 1.0 / 3.0, -2.0 / 3.0, 1e-300, .leastNonzeroMagnitude, 2.2250738585072014e-308,
                                      1.7976931348623157e308, -0.0, 123456789012345680, 0.30000000000000004,
                                      1e22, 1e23, 9007199254740992, 9007199254740994, 4.35, -1, 0, 3]

@Suite("Matrix Market round trips")
struct MatrixMarketRoundTripTests {
    @Test func generalRoundTripIsExact() throws {
        var g = SeededGenerator(seed: 41)
        for a in randomMatrices(seed: 41) {
            var b = a
            for p in 0..<b.nonzeroCount where g.nextUnit() < 0.5 {
                b.values[p] = trickyValues[g.nextIndex(below: trickyValues.count)]
            }
            let text = try MatrixMarket.format(b, symmetry: .general)
            let read = try MatrixMarket.parse(text)
            #expect(read.symmetry == .general)
            #expect(read.stored.pattern == b.pattern)
            #expect(bitwiseEqual(read.stored.values, b.values))
            #expect(read.full() == b)
        }
    }

    @Test func symmetricRoundTripFromUpperAndFull() throws {
        var g = SeededGenerator(seed: 42)
        for n in [0, 1, 6, 40] {
            var p = randomPSDUpper(n: n, density: 0.2, shift: 1, using: &g)
            for q in 0..<p.nonzeroCount where g.nextUnit() < 0.3 {
                p.values[q] = trickyValues[g.nextIndex(below: trickyValues.count)]
            }
            let full = try CSCMatrix.symmetricFull(fromUpper: p)
            let fromUpper = try MatrixMarket.format(p, symmetry: .symmetric)
            let fromFull = try MatrixMarket.format(full, symmetry: .symmetric)
            let fromLower = try MatrixMarket.format(p.transposed(), symmetry: .symmetric)
            #expect(fromUpper == fromFull && fromUpper == fromLower)
            let read = try MatrixMarket.parse(fromUpper)
            #expect(read.symmetry == .symmetric)
            #expect(read.stored.pattern == p.transposed().pattern) // the lower triangle
            #expect(bitwiseEqual(read.stored.values, p.transposed().values))
            let upper = try read.upperTriangle()
            #expect(upper.pattern == p.pattern && bitwiseEqual(upper.values, p.values))
            #expect(read.full() == full)
        }
    }

    @Test func roundTripThroughFile() throws {
        var g = SeededGenerator(seed: 43)
        let a = randomSparse(rows: 50, columns: 30, density: 0.2, using: &g)
        let path = temporaryPath("a.mtx")
        defer { removeDirectory(of: path) }
        try MatrixMarket.write(a, symmetry: .general, to: path)
        let read = try MatrixMarket.read(path: path)
        #expect(read.stored == a)
        #expect(bitwiseEqual(read.stored.values, a.values))

        let p = randomPSDUpper(n: 25, density: 0.2, shift: 1, using: &g)
        let sPath = temporaryPath("p.mtx")
        defer { removeDirectory(of: sPath) }
        try MatrixMarket.write(p, symmetry: .symmetric, to: sPath)
        #expect(try MatrixMarket.read(path: sPath).upperTriangle() == p)
    }

    @Test func writtenTextIsStandard() throws {
        let text = try MatrixMarket.format(sampleMatrix(), symmetry: .general)
        #expect(text == """
            %%MatrixMarket matrix coordinate real general
            3 4 6
            1 1 1.0
            3 1 4.0
            2 2 3.0
            3 3 5.0
            1 4 2.0
            3 4 -6.0

            """)
    }

    @Test func writeValidatesItsInput() throws {
        #expect(thrownError { try MatrixMarket.format(sampleMatrix(), symmetry: .symmetric) }?.isDimensionMismatch == true)
        let nonSymmetric = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 4],
                                         rowIndices: [0, 1, 0, 1], values: [1, 2, 3, 4])
        #expect(thrownError { try MatrixMarket.format(nonSymmetric, symmetry: .symmetric) } == .notSymmetric(row: 1, column: 0))
        var bad = CSCMatrix.identity(2)
        bad.values[1] = .infinity
        #expect(thrownError { try MatrixMarket.format(bad, symmetry: .general) } == .nonFiniteValue(row: 1, column: 1, value: .infinity))
    }

    @Test func ioErrors() {
        guard case .io(let path, _)? = thrownError({ try MatrixMarket.read(path: "/nonexistent/dir/x.mtx") }) else {
            Issue.record("expected .io")
            return
        }
        #expect(path == "/nonexistent/dir/x.mtx")
        guard case .io? = thrownError({ try MatrixMarket.write(.identity(2), symmetry: .general, to: "/nonexistent/dir/x.mtx") }) else {
            Issue.record("expected .io")
            return
        }
    }

    @Test func generalFileUpperTriangleRequiresSymmetry() throws {
        let symmetric = try MatrixMarket.parse("""
            %%MatrixMarket matrix coordinate real general
            2 2 3
            1 1 2
            2 1 -1
            1 2 -1
            """)
        #expect(try symmetric.upperTriangle().dense() == [[2, -1], [0, 0]])
        let general = try MatrixMarket.parse("""
            %%MatrixMarket matrix coordinate real general
            2 2 2
            1 1 2
            2 1 -1
            """)
        #expect(thrownError { try general.upperTriangle() } == .notSymmetric(row: 1, column: 0))
    }
}

@Suite("Matrix Market reading")
struct MatrixMarketReadingTests {
    @Test func commentsBlankLinesCRLFAndCase() throws {
        let text = "%%MatrixMarket Matrix Coordinate REAL General\r\n% a comment\r\n\r\n  % indented comment\r\n3 2 3\r\n"
            + "1 1 1.5\r\n\r\n% comment between entries\r\n3 2 -2e3\r\n  2   1\t.25  \r\n"
        let m = try MatrixMarket.parse(text)
        #expect(m.stored.dense() == [[1.5, 0], [0.25, 0], [0, -2000]])
    }

    @Test func duplicatesAreSummedInFileOrder() throws {
        let m = try MatrixMarket.parse("""
            %%MatrixMarket matrix coordinate real general
            2 2 5
            2 2 1
            1 1 0.1
            1 1 0.2
            2 2 -1
            1 1 0.3
            """)
        #expect(m.stored.columnPointers == [0, 1, 2] && m.stored.rowIndices == [0, 1])
        #expect(m.stored.values == [(0.1 + 0.2) + 0.3, 0]) // explicit zero kept
    }

    @Test func unsortedEntriesAreSorted() throws {
        var g = SeededGenerator(seed: 44)
        let a = randomSparse(rows: 30, columns: 20, density: 0.3, using: &g)
        var lines: [String] = []
        for j in 0..<a.columnCount {
            for p in a.pattern.range(ofColumn: j) { lines.append("\(a.rowIndices[p] + 1) \(j + 1) \(a.values[p])") }
        }
        for i in stride(from: lines.count - 1, to: 0, by: -1) { lines.swapAt(i, g.nextIndex(below: i + 1)) }
        let text = "%%MatrixMarket matrix coordinate real general\n30 20 \(lines.count)\n" + lines.joined(separator: "\n")
        #expect(try MatrixMarket.parse(text).stored == a)
    }

    @Test func integerField() throws {
        let m = try MatrixMarket.parse("""
            %%MatrixMarket matrix coordinate integer symmetric
            3 3 3
            1 1 4
            3 1 -2
            3 3 +7
            """)
        #expect(m.symmetry == .symmetric)
        #expect(m.full().dense() == [[4, 0, -2], [0, 0, 0], [-2, 0, 7]])
        #expect(try m.upperTriangle().dense() == [[4, 0, -2], [0, 0, 0], [0, 0, 7]])
    }

    @Test func numberSyntax() throws {
        let m = try MatrixMarket.parse("""
            %%MatrixMarket matrix coordinate real general
            1 8 8
            1 1 1E5
            1 2 -.5
            1 3 5.
            1 4 +1.25e-2
            1 5 12345678901234567890123
            1 6 0.000000000000000000000000001
            1 7 -0
            1 8 4.9e-324
            """)
        let v = m.stored.values
        #expect(v[0] == 1e5 && v[1] == -0.5 && v[2] == 5 && v[3] == 0.0125)
        #expect(v[4] == 12345678901234567890123.0 && v[5] == 1e-27)
        #expect(v[6] == 0 && v[6].sign == .minus && v[7] == .leastNonzeroMagnitude)
    }

    @Test func emptyMatrices() throws {
        let m = try MatrixMarket.parse("%%MatrixMarket matrix coordinate real general\n0 5 0\n")
        #expect(m.stored.rowCount == 0 && m.stored.columnCount == 5 && m.stored.nonzeroCount == 0)
    }

    @Test func parsedMatrixSatisfiesCheckedInvariants() throws {
        var g = SeededGenerator(seed: 45)
        let a = randomSparse(rows: 40, columns: 40, density: 0.2, using: &g)
        let s = try MatrixMarket.parse(try MatrixMarket.format(a, symmetry: .general)).stored
        #expect(thrownError { try CSCMatrix(rowCount: 40, columnCount: 40, columnPointers: s.columnPointers,
                                            rowIndices: s.rowIndices, values: s.values) } == nil)
    }
}

@Suite("Matrix Market malformed input")
struct MatrixMarketErrorTests {
    private let header = "%%MatrixMarket matrix coordinate real general"

    private func parseLine(_ text: String) -> Int? {
        thrownError { try MatrixMarket.parse(text) }?.parseLine
    }

    private func unsupportedLine(_ text: String) -> Int? {
        thrownError { try MatrixMarket.parse(text) }?.unsupportedLine
    }

    @Test func emptyInput() { #expect(parseLine("") == 1) }
    @Test func missingBanner() { #expect(parseLine("3 3 1\n1 1 1\n") == 1) }
    @Test func headerWithTooFewWords() { #expect(parseLine("%%MatrixMarket matrix coordinate real\n1 1 0\n") == 1) }
    @Test func headerWithTooManyWords() { #expect(parseLine("\(header) extra\n1 1 0\n") == 1) }
    @Test func unknownFormat() { #expect(parseLine("%%MatrixMarket matrix sparse real general\n1 1 0\n") == 1) }
    @Test func unknownField() { #expect(parseLine("%%MatrixMarket matrix coordinate quaternion general\n1 1 0\n") == 1) }
    @Test func unknownSymmetry() { #expect(parseLine("%%MatrixMarket matrix coordinate real lopsided\n1 1 0\n") == 1) }

    @Test func unsupportedKinds() {
        #expect(unsupportedLine("%%MatrixMarket matrix coordinate pattern general\n1 1 1\n1 1\n") == 1)
        #expect(unsupportedLine("%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n") == 1)
        #expect(unsupportedLine("%%MatrixMarket matrix coordinate real hermitian\n1 1 0\n") == 1)
        #expect(unsupportedLine("%%MatrixMarket matrix coordinate real skew-symmetric\n1 1 0\n") == 1)
        #expect(unsupportedLine("%%MatrixMarket matrix array real general\n1 1\n1\n") == 1)
        #expect(unsupportedLine("%%MatrixMarket vector coordinate real general\n1 1 0\n") == 1)
    }

    /// A size line may not claim more rows or columns than the file backs: 62 bytes declaring
    /// 2³¹ − 1 columns made the reader allocate 16 GiB of column pointers (libFuzzer's malloc limit
    /// reported it as out-of-memory); now a typed error before any allocation.
    @Test func dimensionsBeyondWhatTheFileBacks() {
        let huge = "\(header)\n1 2147483647 0\n"
        #expect(thrownError { try MatrixMarket.parse(huge) } == .unsupported(line: 2, message:
            "dimensions 1×2147483647 exceed what a \(huge.utf8.count)-byte file backs: at most 16777216 rows and columns (16777216, or one byte per row and column) (in <string>)"))
        #expect(unsupportedLine("%%MatrixMarket matrix coordinate real symmetric\n2147483647 2147483647 0\n") == 2)
        let limit = MatrixMarket.dimensionAllowance
        #expect(unsupportedLine("\(header)\n\(limit + 1) 1 0\n") == 2)
        #expect(unsupportedLine("\(header)\n1 \(limit + 1) 0\n") == 2)
        // At the allowance: accepted (rows cost nothing until the matrix is transposed).
        #expect((try? MatrixMarket.parse("\(header)\n\(limit) 1 0\n"))?.rowCount == limit)
    }

    @Test func missingSizeLine() {
        #expect(parseLine("\(header)\n% only comments\n\n") == 4)
        #expect(parseLine(header) == 2)
    }

    @Test func sizeLineWithWrongFieldCount() {
        #expect(parseLine("\(header)\n% c\n% c\n3 3\n") == 4)
        #expect(parseLine("\(header)\n3 3 1 1\n1 1 1\n") == 2)
    }

    @Test func sizeLineNotNumeric() { #expect(parseLine("\(header)\n%\n3 x 1\n1 1 1\n") == 3) }
    @Test func sizeLineNegative() { #expect(parseLine("\(header)\n3 -3 1\n1 1 1\n") == 2) }
    @Test func sizeLineNotSquareForSymmetric() {
        #expect(parseLine("%%MatrixMarket matrix coordinate real symmetric\n3 4 1\n1 1 1\n") == 2)
    }

    @Test func entryWithTooFewFields() { #expect(parseLine("\(header)\n2 2 2\n1 1 1\n2 2\n") == 4) }
    @Test func entryWithTooManyFields() { #expect(parseLine("\(header)\n2 2 2\n1 1 1 7\n2 2 1\n") == 3) }
    @Test func nonNumericRow() { #expect(parseLine("\(header)\n2 2 2\n1 1 1\n\na 2 1\n") == 5) }
    @Test func nonNumericColumn() { #expect(parseLine("\(header)\n2 2 2\n1 1.0 1\n2 2 1\n") == 3) }
    @Test func nonNumericValue() { #expect(parseLine("\(header)\n2 2 2\n1 1 1\n2 2 1,5\n") == 4) }
    @Test func nonIntegerValueInIntegerMatrix() {
        #expect(parseLine("%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 1\n2 2 1.5\n") == 4)
    }

    @Test func rowIndexOutOfRange() {
        #expect(parseLine("\(header)\n2 2 2\n1 1 1\n3 2 1\n") == 4)
        #expect(parseLine("\(header)\n2 2 2\n0 1 1\n2 2 1\n") == 3)
        #expect(parseLine("\(header)\n2 2 2\n1 1 1\n99999999999999999999999 1 1\n") == 4)
    }

    @Test func columnIndexOutOfRange() {
        #expect(parseLine("\(header)\n2 2 2\n1 3 1\n2 2 1\n") == 3)
        #expect(parseLine("\(header)\n2 2 2\n1 -1 1\n2 2 1\n") == 3)
    }

    @Test func nanValue() { #expect(parseLine("\(header)\n2 2 2\n1 1 NaN\n2 2 1\n") == 3) }
    @Test func infiniteValue() { #expect(parseLine("\(header)\n2 2 2\n1 1 1\n2 2 -inf\n") == 4) }
    @Test func overflowingValue() { #expect(parseLine("\(header)\n2 2 2\n1 1 1\n2 2 1e400\n") == 4) }
    @Test func duplicatesSummingToInfinity() {
        #expect(parseLine("\(header)\n2 2 3\n1 1 1e308\n% c\n1 1 1e308\n2 2 1\n") == 5)
    }

    @Test func entryAboveDiagonalInSymmetricFile() {
        #expect(parseLine("%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 1\n1 3 1\n") == 4)
    }

    @Test func tooManyEntries() { #expect(parseLine("\(header)\n2 2 1\n1 1 1\n% c\n2 2 1\n") == 5) }

    @Test func tooFewEntries() {
        #expect(parseLine("\(header)\n2 2 3\n1 1 1\n2 2 1\n") == 5)
        #expect(parseLine("\(header)\n2 2 3\n1 1 1\n2 2 1") == 5)
    }

    @Test func errorsNameTheSource() {
        guard case .parse(_, let message)? = thrownError({ try MatrixMarket.parse("", path: "matrix.mtx") }) else {
            Issue.record("expected .parse")
            return
        }
        #expect(message.contains("matrix.mtx"))
    }
}
