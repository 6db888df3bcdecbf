import Foundation
import Testing
import Sparse

/// `InputFile` (bounded reads from any kind of path) and `OutputFile` (never replaces a device or a link).
@Suite struct FileTests {
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sparse-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func readError(_ path: String, _ mode: InputFile.Mode) -> InputFile.ReadError? {
        do { _ = try InputFile.read(path: path, mode: mode); return nil } catch { return error }
    }

    @Test func directoriesAndMissingFilesAreErrors() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(readError(dir.path, .binary(magic: nil)) == .isDirectory)
        #expect(readError(dir.path + "/missing", .binary(magic: nil)) == .system(message: "No such file or directory"))
    }

    /// Text mode stops at the first control byte (/dev/zero ends at once) and at an overlong line.
    @Test func textModeStopsAtTheFirstNonTextLine() throws {
        let zero = try InputFile.read(path: "/dev/zero", mode: .text(maximumLineLength: 100))
        #expect(zero.stop == .binaryByte(line: 1, column: 1, byte: 0))
        #expect(zero.bytes == [0])
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("t.txt")
        try Data("ab\ncd\te\r\n\u{0C}x\u{01}yz\n".utf8).write(to: file)
        let binary = try InputFile.read(path: file.path, mode: .text(maximumLineLength: 100))
        #expect(binary.stop == .binaryByte(line: 3, column: 3, byte: 1))
        #expect(binary.bytes == Array("ab\ncd\te\r\n\u{0C}x\u{01}".utf8))
        try Data(("ok\n" + String(repeating: "a", count: 11) + "\n").utf8).write(to: file)
        #expect(try InputFile.read(path: file.path, mode: .text(maximumLineLength: 10)).stop == .lineTooLong(line: 2, limit: 10))
        #expect(try InputFile.read(path: file.path, mode: .text(maximumLineLength: 11)).stop == nil)
        // Binary mode with a magic number stops as soon as the prefix differs.
        #expect(try InputFile.read(path: "/dev/zero", mode: .binary(magic: Array("SPQPBIN1".utf8))).bytes.count >= 8)
    }

    /// `.binaryIfMagic` reads raw bytes (control bytes included) when the input starts with the magic,
    /// and text with every text-mode stop otherwise, including inputs shorter than the magic.
    @Test func binaryIfMagicDecidesByTheFirstBytes() throws {
        let magic = Array("SPQPBIN1".utf8)
        let mode = InputFile.Mode.binaryIfMagic(magic: magic, maximumLineLength: 10)
        let zero = try InputFile.read(path: "/dev/zero", mode: mode)
        #expect(zero.stop == .binaryByte(line: 1, column: 1, byte: 0) && zero.bytes == [0])
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("x.txt")
        let binary = magic + [0, 1, 2, 10, 255] + [UInt8](repeating: 7, count: 3 << 20)
        try Data(binary).write(to: file)
        let raw = try InputFile.read(path: file.path, mode: mode)
        #expect(raw.stop == nil && raw.bytes == binary)
        try Data("ab\ncd\u{01}e\n".utf8).write(to: file)
        let text = try InputFile.read(path: file.path, mode: mode)
        #expect(text.stop == .binaryByte(line: 2, column: 3, byte: 1) && text.bytes == Array("ab\ncd\u{01}".utf8))
        try Data("a\u{0}".utf8).write(to: file)
        #expect(try InputFile.read(path: file.path, mode: mode).stop == .binaryByte(line: 1, column: 2, byte: 0))
        try Data("SPQ".utf8).write(to: file)
        let short = try InputFile.read(path: file.path, mode: mode)
        #expect(short.stop == nil && short.bytes == Array("SPQ".utf8))
        try Data(("ok\n" + String(repeating: "a", count: 11) + "\n").utf8).write(to: file)
        #expect(try InputFile.read(path: file.path, mode: mode).stop == .lineTooLong(line: 2, limit: 10))
    }

    /// A line check stops reading at a rejected line (kept, for the parser) or after the last line.
    @Test func lineCheckStopsReading() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("c.txt")
        try Data("keep\n data\nEND\nafter\n".utf8).write(to: file)
        let check: InputFile.LineCheck = { head in
            if head.first == 32 { return .accept }
            switch String(decoding: head, as: UTF8.self) {
            case "keep": return .accept
            case "END": return .last
            default: return .reject
            }
        }
        let ended = try InputFile.read(path: file.path, mode: .text(maximumLineLength: nil, lineCheck: check))
        #expect(ended.stop == nil && ended.bytes == Array("keep\n data\nEND\n".utf8))
        try Data("keep\nbad\nkeep\n".utf8).write(to: file)
        let rejected = try InputFile.read(path: file.path, mode: .text(maximumLineLength: nil, lineCheck: check))
        #expect(rejected.stop == .rejectedLine(line: 2) && rejected.bytes == Array("keep\nbad\n".utf8))
    }

    /// A FIFO is read to its end like a file.
    @Test func fifoIsReadIncrementally() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("f").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let text = String(repeating: "line of text\n", count: 200_000)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                try? handle.write(contentsOf: Data(text.utf8))
                try? handle.close()
            }
        }
        writer.start()
        let contents = try InputFile.read(path: fifo, mode: .text(maximumLineLength: InputFile.maximumLineLength))
        #expect(contents.stop == nil)
        #expect(contents.bytes.count == text.utf8.count)
    }

    @Test func regularFilesAreReplacedAndLinksWrittenThrough() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("target.txt").path
        let link = dir.appendingPathComponent("link.txt").path
        try OutputFile.write("first", to: target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "first")
        try OutputFile.write("second", to: target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "second")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.txt")
        try OutputFile.write("through the link", to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "target.txt")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "through the link")
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["link.txt", "target.txt"])
    }

    @Test func devicesAreWrittenThroughAndErrorsCarryErrno() throws {
        try OutputFile.write("discarded", to: "/dev/null")
        #expect((try FileManager.default.attributesOfItem(atPath: "/dev/null"))[.type] as? FileAttributeType == .typeCharacterSpecial)
        #expect(throws: OutputFile.WriteError(message: "No space left on device")) { try OutputFile.write("x", to: "/dev/full") }
        #expect((try FileManager.default.attributesOfItem(atPath: "/dev/full"))[.type] as? FileAttributeType == .typeCharacterSpecial)
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: OutputFile.WriteError(message: "is a directory")) { try OutputFile.write("x", to: dir.path) }
        #expect(throws: OutputFile.WriteError(message: "No such file or directory")) { try OutputFile.write("x", to: dir.path + "/no/x") }
    }
}
