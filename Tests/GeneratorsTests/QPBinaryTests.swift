import Foundation
import Sparse
import QP
import Testing
import Generators

/// The `.qpb` format: exact round trips and one test per kind of malformed file.
@Suite struct QPBinaryTests {
    /// A small program with every kind of bound, an explicit zero, −0 and a constant.
    func sample() throws -> QuadraticProgram {
        let P = try CSCMatrix(rowCount: 3, columnCount: 3, columnPointers: [0, 1, 1, 4],
                              rowIndices: [0, 0, 1, 2], values: [2, -0.0, 0, 1e-300])
        let A = try CSCMatrix(rowCount: 4, columnCount: 3, columnPointers: [0, 2, 3, 4],
                              rowIndices: [0, 3, 1, 2], values: [1, 0.1, -3, 1e20])
        return try QuadraticProgram(P: P, q: [0.1, -0.0, 5], A: A,
                                    l: [-.infinity, 0.5, -1, 2], u: [1, 0.5, .infinity, .infinity],
                                    objectiveConstant: -1.0 / 3)
    }

    func word(_ bytes: [UInt8], at offset: Int) -> Int64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[offset + k]) << (8 * k) }
        return Int64(bitPattern: v)
    }

    func setting(_ bytes: [UInt8], at offset: Int, to value: Int64) -> [UInt8] {
        var b = bytes
        let v = UInt64(bitPattern: value)
        for k in 0..<8 { b[offset + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
        return b
    }

    func settingReal(_ bytes: [UInt8], at offset: Int, to value: Double) -> [UInt8] {
        setting(bytes, at: offset, to: Int64(bitPattern: value.bitPattern))
    }

    @Test func layoutMatchesTheSpecification() throws {
        let qp = try sample()
        let bytes = QPBinary.encode(qp)
        #expect(Array(bytes.prefix(8)) == Array("SPQPBIN1".utf8))
        #expect(word(bytes, at: 8) == 3 && word(bytes, at: 16) == 4 && word(bytes, at: 24) == 4 && word(bytes, at: 32) == 4)
        #expect(Double(bitPattern: UInt64(bitPattern: word(bytes, at: 40))) == -1.0 / 3)
        // P colptr at 48, rowind at 48 + 32, values at 48 + 64, q at 48 + 96.
        #expect((0..<4).map { word(bytes, at: 48 + 8 * $0) } == [0, 1, 1, 4])
        #expect((0..<4).map { word(bytes, at: 80 + 8 * $0) } == [0, 0, 1, 2])
        #expect(Double(bitPattern: UInt64(bitPattern: word(bytes, at: 112))) == 2)
        #expect(Double(bitPattern: UInt64(bitPattern: word(bytes, at: 144))) == 0.1)
        // u is last: u[m−1] = +∞ in the last 8 bytes, u[0] = 1 just before l… at the end − 32.
        #expect(Double(bitPattern: UInt64(bitPattern: word(bytes, at: bytes.count - 8))) == .infinity)
        #expect(Double(bitPattern: UInt64(bitPattern: word(bytes, at: bytes.count - 32))) == 1)
        #expect(Double(bitPattern: UInt64(bitPattern: word(bytes, at: bytes.count - 64))) == -.infinity)
        #expect(bytes.count == 48 + 8 * (2 * 4 + 2 * 4 + 2 * 4 + 3 + 2 * 4))
    }

    @Test func encodeDecodeIsBitIdentical() throws {
        let qp = try sample()
        let again = try QPBinary.decode(QPBinary.encode(qp))
        #expect(bitwiseIdentical(again, qp))
        #expect(again.P.values[1].sign == .minus && again.q[1].sign == .minus) // −0 kept
        for c in ProblemClass.allCases {
            let program = try generate(c, size: smallSize(c), seed: 11).program
            #expect(bitwiseIdentical(try QPBinary.decode(QPBinary.encode(program)), program), "\(c.rawValue)")
        }
        let empty = try QuadraticProgram(P: .zeros(rowCount: 0, columnCount: 0), q: [],
                                         A: .zeros(rowCount: 0, columnCount: 0), l: [], u: [])
        #expect(QPBinary.encode(empty).count == 48 + 16)
        #expect(try QPBinary.decode(QPBinary.encode(empty)) == empty)
    }

    @Test func writeReadIsBitIdentical() throws {
        let path = NSTemporaryDirectory() + "qpbinary-\(getpid()).qpb"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let program = try generate(.controlSparse, size: 30, seed: 2).program
        try QPBinary.write(program, to: path)
        let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(onDisk == QPBinary.encode(program))
        #expect(bitwiseIdentical(try QPBinary.read(path: path), program))
    }

    @Test func ioErrors() {
        guard case .io(let path, _)? = qpError({ try QPBinary.read(path: "/nonexistent/x.qpb") }) else {
            Issue.record("missing file not reported"); return
        }
        #expect(path == "/nonexistent/x.qpb")
        guard case .io? = qpError({ try QPBinary.write(try sample(), to: "/nonexistent/dir/x.qpb") }) else {
            Issue.record("unwritable path not reported"); return
        }
    }

    @Test func truncatedFiles() throws {
        let bytes = QPBinary.encode(try sample())
        #expect(qpError { try QPBinary.decode([]) } == .qpb(offset: 0, issue: .truncated(section: "magic", needed: 48, actual: 0)))
        #expect(qpError { try QPBinary.decode(Array(bytes.prefix(5))) }
                == .qpb(offset: 0, issue: .truncated(section: "magic", needed: 48, actual: 5)))
        #expect(qpError { try QPBinary.decode(Array(bytes.prefix(20))) }
                == .qpb(offset: 8, issue: .truncated(section: "header", needed: 48, actual: 20)))
        #expect(qpError { try QPBinary.decode(Array(bytes.prefix(48))) }
                == .qpb(offset: 48, issue: .truncated(section: "P column pointers", needed: 80, actual: 48)))
        // Cut in q (which starts after P: 48 + 32 + 32 + 32 = 144).
        #expect(qpError { try QPBinary.decode(Array(bytes.prefix(150))) }
                == .qpb(offset: 144, issue: .truncated(section: "q", needed: 168, actual: 150)))
        // Last byte missing: u is cut.
        let n = bytes.count
        #expect(qpError { try QPBinary.decode(Array(bytes.dropLast())) }
                == .qpb(offset: n - 32, issue: .truncated(section: "u", needed: n, actual: n - 1)))
        // Every cut is reported as an error, never a trap.
        for cut in 0..<n { #expect(qpError { try QPBinary.decode(Array(bytes.prefix(cut))) } != nil) }
    }

    @Test func badMagic() throws {
        var bytes = QPBinary.encode(try sample())
        bytes[7] = UInt8(ascii: "2")
        #expect(qpError { try QPBinary.decode(bytes) } == .qpb(offset: 0, issue: .badMagic(found: "SPQPBIN2")))
        #expect(qpError { try QPBinary.decode(Array("NAME\n".utf8)) } == .qpb(offset: 0, issue: .badMagic(found: "NAME\\x0a")))
        let message = "\(QPError.qpb(offset: 0, issue: .badMagic(found: "SPQPBIN2")))"
        #expect(message.contains("byte offset 0") && message.contains("SPQPBIN1"))
    }

    @Test func negativeAndInconsistentSizes() throws {
        let bytes = QPBinary.encode(try sample())
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 8, to: -1)) }
                == .qpb(offset: 8, issue: .negativeSize(field: "n", value: -1)))
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 16, to: -4)) }
                == .qpb(offset: 16, issue: .negativeSize(field: "m", value: -4)))
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 24, to: Int64.min)) }
                == .qpb(offset: 24, issue: .negativeSize(field: "nnzP", value: Int64.min)))
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 32, to: -2)) }
                == .qpb(offset: 32, issue: .negativeSize(field: "nnzA", value: -2)))
        // Huge sizes: overflow of the length, never an allocation.
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 8, to: Int64.max)) } == .qpb(offset: 8, issue: .sizeOverflow))
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 32, to: Int64.max / 4)) } == .qpb(offset: 8, issue: .sizeOverflow))
        // A larger nnzA than the data: the file is too short.
        guard case .qpb(_, .truncated)? = qpError({ try QPBinary.decode(setting(bytes, at: 32, to: 1 << 40)) }) else {
            Issue.record("large nnzA not reported as truncated"); return
        }
        // A smaller m than the data: bytes left over.
        let n = bytes.count
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 16, to: 3)) }
                == .qpb(offset: n - 16, issue: .trailingBytes(expected: n - 16, actual: n)))
        #expect(qpError { try QPBinary.decode(bytes + [0]) } == .qpb(offset: n, issue: .trailingBytes(expected: n, actual: n + 1)))
    }

    @Test func malformedMatricesInside() throws {
        let bytes = QPBinary.encode(try sample())
        let aStart = 48 + 32 + 32 + 32 + 24 // after P and q
        // P colptr[0] = 1.
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 48, to: 1)) }
                == .qpb(offset: 48, issue: .malformedMatrix(matrix: "P", .columnPointersNotMonotone(column: 0))))
        // P colptr decreasing: [0, 1, 0, 4].
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 64, to: 0)) }
                == .qpb(offset: 48, issue: .malformedMatrix(matrix: "P", .columnPointersNotMonotone(column: 1))))
        // A row index out of range (row 9 of 4 in column 0).
        #expect(qpError { try QPBinary.decode(setting(bytes, at: aStart + 32, to: 9)) }
                == .qpb(offset: aStart, issue: .malformedMatrix(matrix: "A", .rowIndexOutOfRange(row: 9, column: 0, rowCount: 4))))
        // A rows unsorted in column 0: [3, 3].
        #expect(qpError { try QPBinary.decode(setting(bytes, at: aStart + 32, to: 3)) }
                == .qpb(offset: aStart, issue: .malformedMatrix(matrix: "A", .unsortedOrDuplicateIndices(row: 3, column: 0))))
        // Negative row index in P.
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 80, to: -1)) }
                == .qpb(offset: 48, issue: .malformedMatrix(matrix: "P", .rowIndexOutOfRange(row: -1, column: 0, rowCount: 3))))
        // NaN in A.
        let aValues = aStart + 32 + 32
        guard case .qpb(aStart, .malformedMatrix("A", .nonFiniteValue(row: 0, column: 0, _)))? =
                qpError({ try QPBinary.decode(settingReal(bytes, at: aValues, to: .nan)) }) else {
            Issue.record("NaN in A not reported"); return
        }
    }

    @Test func invalidProgramsAreRejectedByTheProgramChecks() throws {
        let bytes = QPBinary.encode(try sample())
        let n = bytes.count
        // P entry below the diagonal: P rowind [0, 0, 1, 2] → column 2 rows [0, 1, 2] are fine;
        // make column 0's row 2 (below the diagonal): rowind[0] = 2.
        #expect(qpError { try QPBinary.decode(setting(bytes, at: 80, to: 2)) } == .pEntryBelowDiagonal(row: 2, column: 0))
        // l > u on row 1 (l at n − 64, u at n − 32).
        #expect(qpError { try QPBinary.decode(settingReal(bytes, at: n - 56, to: 0.75)) }
                == .lGreaterThanU(row: 1, l: 0.75, u: 0.5))
        // NaN in q and a non-finite objective constant.
        #expect(qpError { try QPBinary.decode(settingReal(bytes, at: 144, to: .nan)) } == .nonFiniteQ(index: 0))
        #expect(qpError { try QPBinary.decode(settingReal(bytes, at: 40, to: .infinity)) } == .nonFiniteObjectiveConstant)
    }

    @Test func randomCorruptionNeverTraps() throws {
        let bytes = QPBinary.encode(try generate(.huberSparse, size: 8, seed: 1).program)
        var g = SeededGenerator(seed: 5)
        for _ in 0..<300 {
            var b = bytes
            for _ in 0..<(1 + g.nextIndex(below: 3)) { b[g.nextIndex(below: b.count)] = UInt8(g.nextIndex(below: 256)) }
            _ = try? QPBinary.decode(b) // must return or throw
        }
    }
}
