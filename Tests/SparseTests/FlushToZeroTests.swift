import Testing
import Sparse

// FlushToZero sets FTZ/DAZ on the calling thread only while asked, and restores the caller's mode.

/// Multiplies through an array so the product is computed at run time, not folded.
@inline(never) private func product(_ values: [Double]) -> Double { values.reduce(1, *) }

@Suite struct FlushToZeroTests {
    @Test func subnormalResultsFlushOnlyInside() throws {
        #if arch(x86_64) || arch(arm64)
        let before = FlushToZero.isEnabledOnCurrentThread
        #expect(!before)
        let tiny = [1e-300, 1e-15]     // 1e-315 is subnormal
        #expect(product(tiny) != 0)
        #expect(!product(tiny).isNormal)
        let inside = FlushToZero.run { (product(tiny), FlushToZero.isEnabledOnCurrentThread) }
        #expect(inside.0 == 0)
        #expect(inside.1)
        #expect(FlushToZero.isEnabledOnCurrentThread == before)
        #expect(product(tiny) != 0)
        // Nested: the inner restore keeps the outer mode.
        FlushToZero.run {
            FlushToZero.run { _ = product(tiny) }
            #expect(FlushToZero.isEnabledOnCurrentThread)
        }
        #expect(FlushToZero.run(if: false) { product(tiny) } != 0)
        #endif
    }
}
