import Synchronization
import Sparse

/// Where the iteration log goes. The library never prints on its own.
public protocol LogSink: Sendable {
    func write(_ line: String)
}

/// Discards everything.
public struct NullLog: LogSink {
    public init() {}
    public func write(_ line: String) {}
}

/// Writes lines to standard error (stdout stays machine-readable). A failed write (stderr closed
/// or full) is ignored: a log sink cannot report, and it must not trap as `FileHandle.write` does;
/// the CLI uses its own sink that records the failure for its exit status.
public struct StandardErrorLog: LogSink {
    public init() {}
    public func write(_ line: String) {
        var text = line + "\n"
        _ = text.withUTF8 { OutputFile.writeAll(2, UnsafeRawBufferPointer($0)) }
    }
}

/// Collects lines in memory (tests read them).
public final class BufferLog: LogSink {
    private let storage = Mutex<[String]>([])
    public init() {}
    public func write(_ line: String) { storage.withLock { $0.append(line) } }
    public var lines: [String] { storage.withLock { $0 } }
}
