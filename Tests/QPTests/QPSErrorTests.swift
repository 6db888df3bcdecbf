import Foundation
import Testing
@testable import QP

/// One test per class of malformed QPS input; each checks the reported line number.
@Suite struct QPSErrorTests {
    /// A valid file whose line `line` (1-based) is replaced by `replacement` (nil: line removed).
    func variant(replacing line: Int, with replacement: String?) -> [String] {
        var lines = [
            "NAME          BAD",      // 1
            "ROWS",                   // 2
            " N  obj",                // 3
            " L  c1",                 // 4
            "COLUMNS",                // 5
            "    x  obj  1.0",        // 6
            "    x  c1  1.0",         // 7
            "RHS",                    // 8
            "    RHS  c1  4.0",       // 9
            "BOUNDS",                 // 10
            " UP BND  x  3.0",        // 11
            "ENDATA",                 // 12
        ]
        if let replacement { lines[line - 1] = replacement } else { lines.remove(at: line - 1) }
        return lines
    }

    @Test func theBaseFileIsValid() throws {
        let model = try parseLines(variant(replacing: 1, with: "NAME          GOOD"))
        #expect(model.program.u == [4, 3])
    }

    @Test func unknownRowName() {
        #expect(qpError { try parseLines(variant(replacing: 7, with: "    x  c2  1.0")) }
                == .qps(line: 7, issue: .unknownRow("c2")))
        #expect(qpError { try parseLines(variant(replacing: 9, with: "    RHS  nope  4.0")) }
                == .qps(line: 9, issue: .unknownRow("nope")))
    }

    @Test func unknownColumnName() {
        #expect(qpError { try parseLines(variant(replacing: 11, with: " UP BND  y  3.0")) }
                == .qps(line: 11, issue: .unknownColumn("y")))
    }

    @Test func badNumber() {
        #expect(qpError { try parseLines(variant(replacing: 7, with: "    x  c1  1.0x")) }
                == .qps(line: 7, issue: .badNumber("1.0x")))
        #expect(qpError { try parseLines(variant(replacing: 9, with: "    RHS  c1  nan")) }
                == .qps(line: 9, issue: .badNumber("nan")))
        #expect(qpError { try parseLines(variant(replacing: 7, with: "    x  c1  1e999")) }
                == .qps(line: 7, issue: .nonFiniteValue("1e999")))
    }

    @Test func integerMarker() {
        #expect(qpError { try parseLines(variant(replacing: 6, with: "    MARKER  'MARKER'  'INTORG'")) }
                == .qps(line: 6, issue: .integerVariablesNotSupported))
    }

    @Test func integerBounds() {
        for kind in ["BV", "LI", "UI", "SC"] {
            #expect(qpError { try parseLines(variant(replacing: 11, with: " \(kind) BND  x  1.0")) }
                    == .qps(line: 11, issue: .integerVariablesNotSupported))
        }
        #expect(qpError { try parseLines(variant(replacing: 11, with: " XX BND  x  1.0")) }
                == .qps(line: 11, issue: .invalidBoundType("XX")))
    }

    @Test func missingEndata() {
        // 11 lines remain; the error points just past the last one.
        #expect(qpError { try parseLines(variant(replacing: 12, with: nil)) }
                == .qps(line: 12, issue: .missingEndata))
    }

    @Test func unknownSection() {
        #expect(qpError { try parseLines(variant(replacing: 10, with: "BOUNDZ")) }
                == .qps(line: 10, issue: .unknownSection("BOUNDZ")))
    }

    @Test func duplicateRow() {
        #expect(qpError { try parseLines(variant(replacing: 4, with: " L  obj")) }
                == .qps(line: 4, issue: .duplicateRow("obj")))
    }

    @Test func otherMalformedLines() {
        #expect(qpError { try parseLines(variant(replacing: 4, with: " Q  c1")) }
                == .qps(line: 4, issue: .invalidRowType("Q")))
        #expect(qpError { try parseLines(variant(replacing: 7, with: "    x  c1")) }
                == .qps(line: 7, issue: .malformedLine("COLUMNS expects: column row value [row value]")))
        #expect(qpError { try parseLines(variant(replacing: 5, with: "ROWS")) }
                == .qps(line: 5, issue: .duplicateSection("ROWS")))
        #expect(qpError { try parseLines(variant(replacing: 1, with: "    stray data")) }
                == .qps(line: 1, issue: .dataOutsideSection))
        #expect(qpError { try parseLines(variant(replacing: 8, with: "RHS extra")) }
                == .qps(line: 8, issue: .unexpectedTextAfterHeader("extra")))
        #expect(qpError { try parseLines(variant(replacing: 1, with: "OBJSENSE SIDEWAYS")) }
                == .qps(line: 1, issue: .invalidObjectiveSense("SIDEWAYS")))
    }

    @Test func contradictoryBoundsPointToTheirLine() {
        #expect(qpError { try parseLines(variant(replacing: 11, with: " LO BND  x  5.0")) } == nil)
        let lines = variant(replacing: 11, with: " LO BND  x  5.0")
            .flatMap { $0 == "ENDATA" ? [" UP BND  x  3.0", "ENDATA"] : [$0] }
        #expect(qpError { try parseLines(lines) }
                == .qps(line: 12, issue: .infeasibleBounds(name: "x", lower: 5, upper: 3)))
        #expect(qpError { try parseLines(variant(replacing: 9, with: "    RHS  c1  -1e30")) }
                == .qps(line: 9, issue: .infeasibleBounds(name: "c1", lower: -.infinity, upper: -.infinity)))
    }

    @Test func rangesOnFreeRowsAndMultipleVectors() {
        #expect(qpError { try parseLines(variant(replacing: 9, with: "RANGES\n    RNG  obj  1.0")) }
                == .qps(line: 10, issue: .rangeOnFreeRow("obj")))
        #expect(qpError { try parseLines(variant(replacing: 9, with: "    RHS  c1  4.0\n    RHS2  c1  5.0")) }
                == .qps(line: 10, issue: .multipleVectors(section: "RHS", first: "RHS", second: "RHS2")))
    }

    /// Reading stops at the first line that is not text; an error on an earlier line wins; a .qpb
    /// file is named by its magic.
    @Test func binaryContentStopsReading() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qps-binary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("b.qps").path
        var lines = variant(replacing: 12, with: "ENDATA")
        lines[7] = "RH\u{0}S"
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect(qpError { try QPSReader.read(path: path) }
                == .qps(line: 8, issue: .notText("binary content (byte 0x00 at column 3); not a text file")))
        lines[1] = "ROWZ"
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect(qpError { try QPSReader.read(path: path) } == .qps(line: 2, issue: .unknownSection("ROWZ")))
        let qpb = Array("SPQPBIN1".utf8) + [UInt8](repeating: 0, count: 40)
        try Data(qpb).write(to: URL(fileURLWithPath: path))
        #expect(qpError { try QPSReader.read(path: path) } == .qpbGivenToQPSReader(path: path))
        #expect(qpError { try QPSReader.parse(bytes: qpb) } == .qps(line: 1, issue: .qpbBinaryFile))
        #expect(qpError { try QPSReader.read(path: dir.path) } == .io(path: dir.path, message: "is a directory, expected a file"))
    }
}

