/// Wall-clock seconds elapsed since `start` (monotonic clock). Used for the timings every module reports.
@inlinable
public func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
