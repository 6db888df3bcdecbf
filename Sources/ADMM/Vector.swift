/// A fixed-size Double buffer allocated once (at setup) and freed in `deinit`. The iteration loop
/// works on `buffer` directly: no allocation, no copy-on-write checks.
final class Vector {
    let buffer: UnsafeMutableBufferPointer<Double>

    init(count: Int, repeating value: Double = 0) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: value)
    }

    convenience init(_ values: [Double]) {
        self.init(count: values.count)
        for i in 0..<values.count { buffer[i] = values[i] }
    }

    deinit { buffer.deallocate() }

    var count: Int { buffer.count }
    var readOnly: UnsafeBufferPointer<Double> { UnsafeBufferPointer(buffer) }
    var array: [Double] { Array(buffer) }

    func assign(_ values: [Double]) {
        for i in 0..<min(values.count, buffer.count) { buffer[i] = values[i] }
    }

    func fill(_ value: Double) {
        for i in 0..<buffer.count { buffer[i] = value }
    }
}
