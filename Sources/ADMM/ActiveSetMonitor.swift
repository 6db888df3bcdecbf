import Sparse

/// The active set guessed from (z, y) at successive termination checks (OSQP's polishing rule: row i
/// lower-active when z_i − l_i < −y_i, upper-active when u_i − z_i < y_i) and how many rows changed
/// side since the previous check. O(m) per check; its array is allocated once per solve.
struct ActiveSetMonitor {
    private var side: [Int8]
    private(set) var changes = Int.max
    private(set) var activeRows = 0
    private(set) var checks = 0

    init(rowCount: Int) { side = [Int8](repeating: 0, count: rowCount) }

    mutating func record(z: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>,
                         l: UnsafeBufferPointer<Double>, u: UnsafeBufferPointer<Double>) {
        var changed = 0, active = 0
        side.withUnsafeMutableBufferPointer { s in
            for i in 0..<s.count {
                let new: Int8 = z[i] - l[i] < -y[i] ? -1 : (u[i] - z[i] < y[i] ? 1 : 0)
                if new != s[i] { changed += 1 }
                if new != 0 { active += 1 }
                s[i] = new
            }
        }
        changes = checks == 0 ? Int.max : changed
        activeRows = active
        checks += 1
    }

    /// At most `fraction` of the active rows (at least one row) changed side at the last record; false
    /// before two records.
    func isSettled(fraction: Double) -> Bool {
        checks >= 2 && Double(changes) <= max(1, fraction * Double(activeRows))
    }
}
