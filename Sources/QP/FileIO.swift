#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes through the C library (no Foundation dependency).
enum FileIO {
    /// The bytes of the file at `path`.
    static func readAll(path: String) throws(QPError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw .io(path: path, message: lastErrorMessage()) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        if fseek(file, 0, SEEK_END) == 0 {
            let size = ftell(file)
            if size > 0 { bytes.reserveCapacity(Int(size)) }
            rewind(file)
        }
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, chunkSize, file) }
            if got > 0 { bytes.append(contentsOf: chunk[0..<got]) }
            if got < chunkSize {
                if ferror(file) != 0 { throw .io(path: path, message: "read error") }
                break
            }
        }
        return bytes
    }

    /// Writes `text` to `path`, replacing the file.
    static func write(_ text: String, to path: String) throws(QPError) {
        guard let file = fopen(path, "wb") else { throw .io(path: path, message: lastErrorMessage()) }
        var text = text
        let written = text.withUTF8 { buffer in fwrite(buffer.baseAddress, 1, buffer.count, file) }
        let expected = text.utf8.count
        if fclose(file) != 0 || written != expected {
            throw .io(path: path, message: "write error (\(written) of \(expected) bytes written)")
        }
    }

    private static func lastErrorMessage() -> String {
        guard let message = strerror(errno) else { return "error \(errno)" }
        return String(cString: message)
    }
}
