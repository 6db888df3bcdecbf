import Synchronization
import Foundation

/// Where the iteration log goes. The library never prints on its own.
public protocol LogSink: Sendable {
    func write(_ line: String)
}

/// Discards everything.
public struct NullLog: LogSink {
    public init() {}
    public func write(_ line: String) {}
}

/// Writes lines to standard error (the CLI's choice: stdout stays machine-readable).
public struct StandardErrorLog: LogSink {
    public init() {}
    public func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// Collects lines in memory (tests read them).
public final class BufferLog: LogSink {
    private let storage = Mutex<[String]>([])
    public init() {}
    public func write(_ line: String) { storage.withLock { $0.append(line) } }
    public var lines: [String] { storage.withLock { $0 } }
}
