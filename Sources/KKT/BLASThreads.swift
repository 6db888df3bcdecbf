#if canImport(Glibc)
import Glibc
#endif

/// The worker threads of the BLAS library behind CHOLMOD's supernodal kernels.
///
/// OpenBLAS starts its worker threads when it is loaded, before `main`, and (as Debian builds it,
/// without `CONSISTENT_FPCSR`) they keep the floating-point mode they started with: flush-to-zero
/// set later on the calling thread does not reach them, so their share of a multithreaded BLAS call
/// still computes with subnormals (measured: a 2-thread `dgemm` with subnormal inputs and DAZ set on
/// the caller returned half of its entries non-zero). Stopping the pool makes OpenBLAS start it
/// again at its next call, from the calling thread, whose mode the new threads inherit.
public enum BLASThreads {
    /// Stops OpenBLAS's worker threads (`blas_thread_shutdown_`, looked up at run time) so that the
    /// next BLAS call restarts them with the calling thread's floating-point mode. Returns false when
    /// the BLAS in use is not OpenBLAS (nothing is done). Process-wide: for the owner of the process
    /// (the CLI), after `FlushToZero.enableForCurrentThread()`, before any factorization runs.
    @discardableResult
    public static func restartWithCurrentFloatingPointMode() -> Bool {
        #if canImport(Glibc)
        guard let process = dlopen(nil, RTLD_NOW) else { return false }
        defer { dlclose(process) }
        guard let symbol = dlsym(process, "blas_thread_shutdown_") else { return false }
        typealias Shutdown = @convention(c) () -> Int32
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
        return true
        #else
        return false
        #endif
    }
}
