import Foundation
import Sparse
import QP
import Testing

/// `ProblemFile`: QPS or `.qpb` told apart by content, never by the file name.
@Suite struct ProblemFileTests {
    func sample() throws -> QuadraticProgram {
        let P = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 3],
                              rowIndices: [0, 0, 1], values: [4, 1, 2])
        let A = try CSCMatrix(rowCount: 3, columnCount: 2, columnPointers: [0, 2, 4],
                              rowIndices: [0, 1, 0, 2], values: [1, 1, 1, 1])
        return try QuadraticProgram(P: P, q: [1, 1], A: A, l: [1, 0, 0], u: [1, 0.7, 0.7])
    }

    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("problem-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func qpError<T>(_ body: () throws -> T) -> QPError? {
        do { _ = try body(); return nil } catch { return error as? QPError }
    }

    /// A `.qpb` file named `.qps`, or without an extension, is read as `.qpb`, bit for bit.
    @Test func qpbIsRecognizedWhateverItsName() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let qp = try sample()
        for name in ["p.qps", "noextension", "p.qpb", "P.QPS"] {
            let path = dir.appendingPathComponent(name).path
            try QPBinary.write(qp, to: path)
            let file = try ProblemFile.read(path: path)
            #expect(file.format == .qpb, "\(name)")
            #expect(file.model.program == qp, "\(name)")
            #expect(try ProblemFile.readProgram(path: path) == qp, "\(name)")
            // Every row of A is a file row; no bound rows; generated names.
            #expect(file.model.rowToConstraint == [0, 1, 2])
            #expect(file.model.columnToBoundRow == [nil, nil])
            #expect(file.model.columnNames == ["C1", "C2"] && file.model.rowNames == ["R1", "R2", "R3"])
            #expect(file.model.fileRowDuals([5, 6, 7]).rows == [5, 6, 7])
        }
        #expect(try ProblemFile.read(path: dir.appendingPathComponent("p.qps").path).model.name == "p")
    }

    /// A QPS file named `.qpb` is read as QPS: the same model as `QPSReader` gives.
    @Test func qpsNamedQpbIsReadAsQPS() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("q.qpb").path
        try QPSWriter.write(try sample(), name: "SAMPLE", to: path)
        let file = try ProblemFile.read(path: path)
        #expect(file.format == .qps)
        #expect(file.model == (try QPSReader.read(path: path)))
        #expect(file.model.name == "SAMPLE")
        #expect(try ProblemFile.readProgram(path: path) == file.model.program)
        // The QPS text reader alone still refuses a .qpb file by its magic.
        let binary = dir.appendingPathComponent("b.qps").path
        try QPBinary.write(try sample(), to: binary)
        #expect(qpError { try QPSReader.read(path: binary) } == .qpbGivenToQPSReader(path: binary))
    }

    /// Errors are the format's own: a truncated `.qpb` named `.qps` is a `.qpb` error, binary bytes
    /// without the magic (named `.qpb`) a QPS "not text" error, a file shorter than the magic is QPS.
    @Test func errorsFollowTheContent() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let truncated = dir.appendingPathComponent("t.qps").path
        try Data(Array("SPQPBIN1".utf8) + [UInt8](repeating: 0, count: 40)).write(to: URL(fileURLWithPath: truncated))
        #expect(qpError { try ProblemFile.read(path: truncated) }
                == .qpb(offset: 48, issue: .truncated(section: "P column pointers", needed: 56, actual: 48)))
        let zeros = dir.appendingPathComponent("z.qpb").path
        try Data([UInt8](repeating: 0, count: 64)).write(to: URL(fileURLWithPath: zeros))
        #expect(qpError { try ProblemFile.read(path: zeros) }
                == .qps(line: 1, issue: .notText("binary content (byte 0x00 at column 1); not a text file")))
        let short = dir.appendingPathComponent("s.qpb").path
        try Data("SPQ".utf8).write(to: URL(fileURLWithPath: short))
        #expect(qpError { try ProblemFile.readProgram(path: short) } == .qps(line: 1, issue: .unknownSection("SPQ")))
        #expect(qpError { try ProblemFile.read(path: dir.path) } == .io(path: dir.path, message: "is a directory, expected a file"))
    }

    /// A `.qpb` stream (FIFO) is read in one pass.
    @Test func qpbFromAFifo() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("f").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let qp = try sample()
        let bytes = QPBinary.encode(qp)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                // Two writes: the magic is split over reads only if the reader is faster; either way it works.
                try? handle.write(contentsOf: Data(bytes.prefix(3)))
                try? handle.write(contentsOf: Data(bytes.dropFirst(3)))
                try? handle.close()
            }
        }
        writer.start()
        let file = try ProblemFile.read(path: fifo)
        #expect(file.format == .qpb && file.model.program == qp)
    }
}
