/// A fixed-size Double buffer allocated once (at setup) and freed in `deinit`. The iteration loop
/// works on `buffer` directly: no allocation, no copy-on-write checks.
package final class Vector {
    package let buffer: UnsafeMutableBufferPointer<Double>

    package init(count: Int, repeating value: Double = 0) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: value)
    }

    package convenience init(_ values: [Double]) {
        self.init(count: values.count)
        for i in 0..<values.count { buffer[i] = values[i] }
    }

    deinit { buffer.deallocate() }

    package var count: Int { buffer.count }
    package var readOnly: UnsafeBufferPointer<Double> { UnsafeBufferPointer(buffer) }
    package var array: [Double] { Array(buffer) }

    package func assign(_ values: [Double]) {
        for i in 0..<min(values.count, buffer.count) { buffer[i] = values[i] }
    }

    package func fill(_ value: Double) {
        for i in 0..<buffer.count { buffer[i] = value }
    }
}
