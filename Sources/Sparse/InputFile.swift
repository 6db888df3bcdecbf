#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bounded, incremental reading of input files (QPS, Matrix Market, .qpb, JSON) from any kind of
/// path: regular files, pipes, FIFOs and character devices. Nothing trusts `ftell`/`st_size`:
/// bytes are read in chunks until end of file, and
/// - a directory is refused with `ReadError.isDirectory`;
/// - a non-regular file (pipe, FIFO, device) stops at `streamByteLimit` bytes with `.tooLarge`;
/// - in text mode (`Mode.text`), reading stops at the first line that cannot be text: a control byte other
///   than tab, line feed, vertical tab, form feed and carriage return (binary content, e.g. the
///   NUL bytes of `/dev/zero`), or a line longer than the mode's limit (`maximumLineLength` for
///   line-oriented formats). The bytes before that
///   line are returned (up to and including the byte where reading stopped) with a `TextStop` that
///   says where and why, so a parser can report its own earlier errors first.
public enum InputFile {
    /// Most bytes read from a pipe, FIFO or device: far above any input we read (a QPS file of a
    /// 10⁶-variable generated problem is a few hundred MB), low enough that an endless stream of
    /// valid-looking text ends with an error instead of exhausting memory.
    public static let streamByteLimit = 1 << 32
    /// Longest line accepted in text mode: QPS and Matrix Market lines hold a few names and numbers
    /// (fixed MPS uses 61 columns); a longer line means binary or corrupt input.
    public static let maximumLineLength = 1 << 16
    /// Bytes requested per `read` call.
    static let chunkSize = 1 << 20
    /// Most bytes reserved up front from a regular file's `st_size`: the size of a sparse or
    /// growing file is not trusted for one allocation; beyond this the buffer grows geometrically.
    static let reservationLimit = 1 << 28

    /// Why an input file could not be read.
    public enum ReadError: Error, Equatable, Sendable, CustomStringConvertible {
        /// `open`/`read` failed; `message` is `strerror(errno)`.
        case system(message: String)
        /// The path names a directory.
        case isDirectory
        /// A non-regular file (pipe, FIFO, device) delivered more than `limit` bytes.
        case tooLarge(limit: Int)

        public var description: String {
            switch self {
            case .system(let message): return message
            case .isDirectory: return "is a directory, expected a file"
            case .tooLarge(let limit): return "input stream longer than \(limit) bytes; not read further"
            }
        }
    }

    /// Where and why text-mode reading stopped early.
    public enum TextStop: Equatable, Sendable, CustomStringConvertible {
        /// A control byte `byte` at 1-based `line` and `column` (bytes).
        case binaryByte(line: Int, column: Int, byte: UInt8)
        /// Line `line` has more than `limit` bytes.
        case lineTooLong(line: Int, limit: Int)
        /// The mode's `LineCheck` rejected line `line` (its bytes end the returned input).
        case rejectedLine(line: Int)

        /// The 1-based line where reading stopped.
        public var line: Int {
            switch self {
            case .binaryByte(let line, _, _), .lineTooLong(let line, _), .rejectedLine(let line): return line
            }
        }

        public var description: String {
            switch self {
            case .binaryByte(_, let column, let byte):
                let hex = String(byte, radix: 16, uppercase: true)
                return "binary content (byte 0x\(hex.count < 2 ? "0" + hex : hex) at column \(column)); not a text file"
            case .lineTooLong(_, let limit):
                return "line longer than \(limit) bytes; not a text file"
            case .rejectedLine:
                return "line not valid in this format; reading stopped"
            }
        }
    }

    /// How to read: raw bytes (optionally stopping as soon as the first bytes differ from a magic
    /// number), or text with the binary-content check and an optional line-length limit.
    public enum Mode: Sendable {
        /// Raw bytes; with `magic`, reading stops once the first `magic.count` bytes are known to
        /// differ from it (the caller's decoder then reports the bad magic).
        case binary(magic: [UInt8]?)
        /// Text: stops at the first control byte, and at a line longer than `maximumLineLength` if given.
        /// `lineCheck`, if given, sees the first `lineHeadLength` bytes of every complete line.
        case text(maximumLineLength: Int?, lineCheck: LineCheck? = nil)
        /// Decided by the first bytes: raw bytes (as `.binary(magic: nil)`) when the input starts with
        /// `magic`, text (as `.text`) otherwise. The caller tells which by `Contents.bytes.starts(with:)`.
        case binaryIfMagic(magic: [UInt8], maximumLineLength: Int?, lineCheck: LineCheck? = nil)
    }

    /// A format's quick judgement of a line from its first bytes (e.g. QPS: a line starting in
    /// column 1 must be a section keyword), so that reading stops at a line the format cannot have
    /// or after its last line, instead of reading an endless stream of text to the end.
    public typealias LineCheck = @Sendable (ArraySlice<UInt8>) -> LineVerdict

    /// What a `LineCheck` says about a line.
    public enum LineVerdict: Sendable {
        /// The line may belong to the format: go on.
        case accept
        /// The line cannot belong to the format: stop (`TextStop.rejectedLine`); the parser reports why.
        case reject
        /// The format ends with this line (QPS: ENDATA): stop reading, the rest is never needed.
        case last
    }

    /// Bytes of each line passed to a `LineCheck`: enough for any section keyword.
    public static let lineHeadLength = 16

    /// The bytes read and, in text mode, where reading stopped early (nil: the whole file).
    public struct Contents: Sendable {
        /// The whole input, or (after a text stop) the input up to and including the byte where it stopped.
        public var bytes: [UInt8]
        /// Where text-mode reading stopped, nil if it did not.
        public var stop: TextStop?
    }

    /// Reads the file at `path` (see the type's documentation).
    public static func read(path: String, mode: Mode) throws(ReadError) -> Contents {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system(message: errorText()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .system(message: errorText()) }
        let kind = status.st_mode & S_IFMT
        if kind == S_IFDIR { throw .isDirectory }
        let regular = kind == S_IFREG
        var bytes: [UInt8] = []
        if regular, status.st_size > 0 { bytes.reserveCapacity(min(Int(status.st_size), reservationLimit)) }
        var scanner = TextScanner()
        var current = mode
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        /// Scans `count` new bytes at the end of `bytes` as text; the contents to return when reading stops.
        func scanText(count: Int, lineLimit: Int?, lineCheck: LineCheck?) -> Contents? {
            let start = bytes.count - count
            let verdict = bytes.withUnsafeBufferPointer {
                scanner.scan(UnsafeBufferPointer(rebasing: $0[start...]), lineLimit: lineLimit, lineCheck: lineCheck)
            }
            switch verdict {
            case nil: return nil
            case .stop(let stop)?:
                bytes.removeLast(bytes.count - scanner.offset)
                return Contents(bytes: bytes, stop: stop)
            case .end?:
                bytes.removeLast(bytes.count - scanner.offset)
                return Contents(bytes: bytes, stop: nil)
            }
        }
        while true {
            let got = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress!, chunkSize) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .system(message: errorText())
            }
            if got == 0 { break }
            bytes.append(contentsOf: chunk[0..<got])
            var newBytes = got
            if case .binaryIfMagic(let magic, let lineLimit, let lineCheck) = current {
                // Undecided until the magic's length is known; then the bytes so far are scanned once.
                guard bytes.count >= magic.count else { continue }
                current = bytes.starts(with: magic) ? .binary(magic: nil) : .text(maximumLineLength: lineLimit, lineCheck: lineCheck)
                newBytes = bytes.count
            }
            switch current {
            case .text(let lineLimit, let lineCheck):
                if let contents = scanText(count: newBytes, lineLimit: lineLimit, lineCheck: lineCheck) { return contents }
            case .binary(let magic?):
                if bytes.count >= magic.count, !bytes.starts(with: magic) { return Contents(bytes: bytes, stop: nil) }
            case .binary(nil), .binaryIfMagic:
                break
            }
            if !regular, bytes.count > streamByteLimit { throw .tooLarge(limit: streamByteLimit) }
        }
        // An input shorter than the magic is text.
        if case .binaryIfMagic(_, let lineLimit, let lineCheck) = current, !bytes.isEmpty,
           let contents = scanText(count: bytes.count, lineLimit: lineLimit, lineCheck: lineCheck) {
            return contents
        }
        return Contents(bytes: bytes, stop: nil)
    }

    static func errorText() -> String {
        guard let message = strerror(errno) else { return "error \(errno)" }
        return String(cString: message)
    }
}

/// Line-by-line checks of text read in chunks.
struct TextScanner {
    /// 1-based number of the current line.
    private(set) var line = 1
    /// Bytes of the current line seen so far.
    private var column = 0
    /// Bytes scanned so far (after a stop: up to and including the byte that stopped the scan).
    private(set) var offset = 0
    /// The first `InputFile.lineHeadLength` bytes of the current line (for a `LineCheck`).
    private var head: [UInt8] = []

    /// Why a scan ended early.
    enum Outcome {
        case stop(InputFile.TextStop)
        /// The line check marked the last line (ends at `offset`).
        case end
    }

    /// Scans `chunk`; returns where the text stops being text or the format ends, or nil.
    /// Lines are found with `memchr`; each segment is checked for control bytes in one tight loop.
    mutating func scan(_ chunk: UnsafeBufferPointer<UInt8>, lineLimit: Int?, lineCheck: InputFile.LineCheck?) -> Outcome? {
        guard let base = chunk.baseAddress else { return nil }
        let limit = lineLimit ?? Int.max
        let count = chunk.count
        var i = 0
        while i < count {
            let end = memchr(base + i, 10, count - i).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? count
            // The first control byte of the segment (tab, LF, VT, FF, CR are text).
            var k = i
            while k < end {
                let b = base[k]
                if b < 32 && (b < 9 || b > 13) { break }
                k += 1
            }
            // Index of the first byte beyond the line limit, if the segment reaches it.
            let overflow = limit - column < end - i ? i + (limit - column) : nil
            if k < end, overflow.map({ k <= $0 }) ?? true {
                column += k - i + 1
                offset += k - i + 1
                return .stop(.binaryByte(line: line, column: column, byte: base[k]))
            }
            if let overflow {
                offset += overflow - i + 1
                column = limit + 1
                return .stop(.lineTooLong(line: line, limit: limit))
            }
            if lineCheck != nil, column < InputFile.lineHeadLength {
                head.append(contentsOf: UnsafeBufferPointer(start: base + i, count: min(end - i, InputFile.lineHeadLength - column)))
            }
            guard end < count else {
                column += end - i
                offset += end - i
                return nil
            }
            offset += end - i + 1
            if let lineCheck {
                switch lineCheck(head[...]) {
                case .accept: break
                case .reject: return .stop(.rejectedLine(line: line))
                case .last: return .end
                }
                head.removeAll(keepingCapacity: true)
            }
            line += 1
            column = 0
            i = end + 1
        }
        return nil
    }
}

/// `read(2)` (a file-scope name: inside `InputFile`, `read` names the type's own method).
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
