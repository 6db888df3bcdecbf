import Synchronization

/// Cooperative cancellation: `cancel()` from any thread makes a running `solve()` stop after the
/// current iteration with status `.cancelled`. The flag stays set (later solves stop at once too)
/// until `reset()`.
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
    /// Clears the flag so the token can be reused.
    public func reset() { flag.store(false, ordering: .relaxed) }
}
