#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing output files without destroying what the path names.
///
/// Rule: a new path or an existing regular file is replaced atomically (a temporary file in the
/// same directory, renamed over the path once every byte is written, so a failed write leaves the
/// old file intact). A path that exists and is a symbolic link or not a regular file (a device such
/// as `/dev/null` or `/dev/full`, a FIFO) is written *through*: opened with `O_WRONLY | O_TRUNC`
/// (following the link) and never renamed over, so the link or the device node stays what it was.
/// Errors carry `strerror(errno)` of the call that failed, including a failure only reported when
/// the file is closed.
public enum OutputFile {
    /// Why an output file could not be written: `message` is the system's text for the failure.
    public struct WriteError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// Bytes collected before each `write` call.
    static let bufferSize = 1 << 20

    /// A buffered sink over a file descriptor; remembers the first error and then ignores input.
    public struct Writer: ~Copyable {
        let descriptor: Int32
        var buffer: [UInt8] = []
        var failure: String?

        init(descriptor: Int32) {
            self.descriptor = descriptor
            buffer.reserveCapacity(OutputFile.bufferSize)
        }

        /// Appends `bytes` to the output.
        public mutating func append(_ bytes: UnsafeRawBufferPointer) {
            guard failure == nil else { return }
            if buffer.count + bytes.count > OutputFile.bufferSize { flush() }
            if bytes.count >= OutputFile.bufferSize {
                failure = OutputFile.writeAll(descriptor, bytes)
            } else {
                buffer.append(contentsOf: bytes)
            }
        }

        /// Appends the UTF-8 bytes of `text`.
        public mutating func append(_ text: String) {
            var text = text
            text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        }

        mutating func flush() {
            guard failure == nil, !buffer.isEmpty else { return }
            failure = buffer.withUnsafeBytes { OutputFile.writeAll(descriptor, $0) }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Writes `text` to `path` (see the type's rule).
    public static func write(_ text: String, to path: String) throws(WriteError) {
        try write(to: path) { $0.append(text) }
    }

    /// Writes what `produce` appends to `path` (see the type's rule).
    public static func write(to path: String, _ produce: (inout Writer) -> Void) throws(WriteError) {
        var status = stat()
        let exists = lstat(path, &status) == 0
        let kind = status.st_mode & S_IFMT
        if exists, kind == S_IFDIR { throw WriteError(message: "is a directory") }
        if exists, kind != S_IFREG {
            try writeThrough(path, produce)
            return
        }
        let temporary = temporaryPath(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if descriptor < 0 {
            // An existing file in a directory we may not create files in: write it in place.
            if exists, errno == EACCES || errno == EROFS {
                try writeThrough(path, produce)
                return
            }
            throw WriteError(message: errorText())
        }
        if exists { _ = fchmod(descriptor, status.st_mode & 0o7777) }
        if let message = finish(descriptor, produce) {
            unlink(temporary)
            throw WriteError(message: message)
        }
        if rename(temporary, path) != 0 {
            let message = errorText()
            unlink(temporary)
            throw WriteError(message: message)
        }
    }

    private static func writeThrough(_ path: String, _ produce: (inout Writer) -> Void) throws(WriteError) {
        let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard descriptor >= 0 else { throw WriteError(message: errorText()) }
        if let message = finish(descriptor, produce) { throw WriteError(message: message) }
    }

    /// Runs `produce` into `descriptor`, flushes and closes it; returns the first error's text.
    private static func finish(_ descriptor: Int32, _ produce: (inout Writer) -> Void) -> String? {
        var writer = Writer(descriptor: descriptor)
        produce(&writer)
        writer.flush()
        let closeFailed = close(descriptor) != 0
        if let failure = writer.failure { return failure }
        return closeFailed ? errorText() : nil
    }

    /// `.NAME.tmp-PID-RANDOM` beside `path`.
    static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(directory).\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Writes all of `bytes` to `descriptor` (retrying short writes and EINTR); nil or the error's text.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> String? {
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errorText()
            }
            offset += n
        }
        return nil
    }

    static func errorText() -> String {
        guard let message = strerror(errno) else { return "error \(errno)" }
        return String(cString: message)
    }
}

/// `write(2)` (a file-scope name: inside `OutputFile`, `write` names the type's own methods).
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
