import KKT
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

/// Collects lines in memory (tests read them). Thread-safe, through a lock ThreadSanitizer can see
/// (`KKT.PthreadLock`).
public final class BufferLog: LogSink, @unchecked Sendable {
    // Invariant: `storage` is read and written only inside `lock.withLock`.
    private let lock = PthreadLock()
    private var storage: [String] = []
    public init() {}
    public func write(_ line: String) { lock.withLock { storage.append(line) } }
    public var lines: [String] { lock.withLock { storage } }
}
