#if canImport(Glibc)
import Glibc
#endif

/// Flush-to-zero and denormals-are-zero for the calling thread.
///
/// On some x86 CPUs every operation that produces or reads a subnormal double takes ~100× longer
/// than a normal one, and the KKT solves of problems whose values decay (MPC horizons) produce
/// subnormals by the million. With FTZ (results that would be subnormal become ±0) and DAZ
/// (subnormal inputs read as ±0) that cost disappears; the solver's results change only below the
/// smallest normal double (≈ 2.2·10⁻³⁰⁸), far under every tolerance it uses.
///
/// The mode is per thread. `run` sets it around a computation and restores the caller's mode, so a
/// library user's own code is unaffected; a program that owns its process (the CLI) can call
/// `enableForCurrentThread()` once at start. x86-64: MXCSR bits FTZ (15) and DAZ (6); arm64: FPCR.FZ
/// (bit 24); elsewhere nothing is changed. Through glibc's `fegetenv`/`fesetenv`.
public enum FlushToZero {
    /// The thread's floating-point environment, as saved by `enableForCurrentThread()`.
    public struct SavedMode: Sendable {
        #if canImport(Glibc) && (arch(x86_64) || arch(arm64))
        fileprivate let mode: fenv_t
        #endif
    }

    /// Sets FTZ/DAZ on the calling thread; returns the previous mode for `restore`.
    @discardableResult
    public static func enableForCurrentThread() -> SavedMode {
        #if canImport(Glibc) && arch(x86_64)
        var mode = fenv_t()
        fegetenv(&mode)
        let saved = mode
        mode.__mxcsr |= 0x8040
        fesetenv(&mode)
        return SavedMode(mode: saved)
        #elseif canImport(Glibc) && arch(arm64)
        var mode = fenv_t()
        fegetenv(&mode)
        let saved = mode
        mode.__fpcr |= 1 << 24
        fesetenv(&mode)
        return SavedMode(mode: saved)
        #else
        return SavedMode()
        #endif
    }

    /// Restores a mode saved by `enableForCurrentThread()` on the same thread.
    public static func restore(_ saved: SavedMode) {
        #if canImport(Glibc) && (arch(x86_64) || arch(arm64))
        var mode = saved.mode
        fesetenv(&mode)
        #endif
    }

    /// `enableForCurrentThread()` when `enabled`, else nothing (nil); pair with `restore(_:)`.
    public static func enableForCurrentThread(if enabled: Bool) -> SavedMode? {
        enabled ? enableForCurrentThread() : nil
    }

    /// Restores a mode saved by `enableForCurrentThread(if:)` (nothing for nil).
    public static func restore(_ saved: SavedMode?) {
        if let saved { restore(saved) }
    }

    /// Whether FTZ is set on the calling thread (false where it is not supported).
    public static var isEnabledOnCurrentThread: Bool {
        #if canImport(Glibc) && arch(x86_64)
        var mode = fenv_t()
        fegetenv(&mode)
        return mode.__mxcsr & 0x8040 == 0x8040
        #elseif canImport(Glibc) && arch(arm64)
        var mode = fenv_t()
        fegetenv(&mode)
        return mode.__fpcr & (1 << 24) != 0
        #else
        return false
        #endif
    }

    /// Runs `body` with FTZ/DAZ set when `enabled`, restoring the caller's mode afterwards.
    @inlinable
    public static func run<T, E: Error>(if enabled: Bool = true, _ body: () throws(E) -> T) throws(E) -> T {
        guard enabled else { return try body() }
        let saved = enableForCurrentThread()
        defer { restore(saved) }
        return try body()
    }
}
