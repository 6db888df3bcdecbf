/// An interning hash table from names (byte strings) to dense indices 0, 1, 2, … in insertion order.
///
/// Used by the QPS reader so that looking a name up costs one FNV-1a hash of its bytes and no String
/// allocation. Open addressing with linear probing; the load factor is kept below ½.
struct NameTable {
    private var storage: [UInt8] = []
    private var starts: [Int] = [0]
    private var slots: [Int32] = Array(repeating: -1, count: 64)

    /// Number of names stored.
    var count: Int { starts.count - 1 }

    private static func hash(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in range { h = (h ^ UInt64(text[i])) &* 0x0000_0100_0000_01b3 }
        // MurmurHash3 finalizer: spreads every input bit over the low bits used as the slot.
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return Int(truncatingIfNeeded: h)
    }

    private func matches(_ k: Int, _ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        let s = starts[k], e = starts[k + 1]
        guard e - s == range.count else { return false }
        var p = s
        for i in range {
            if storage[p] != text[i] { return false }
            p += 1
        }
        return true
    }

    /// The index of the name `text[range]`, or nil.
    func index(of text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        let mask = slots.count - 1
        var slot = Self.hash(text, range) & mask
        while true {
            let k = Int(slots[slot])
            if k < 0 { return nil }
            if matches(k, text, range) { return k }
            slot = (slot + 1) & mask
        }
    }

    /// Adds `text[range]` (which must not be present yet) and returns its index.
    mutating func insert(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        if 2 * (count + 1) > slots.count { grow() }
        let k = count
        for i in range { storage.append(text[i]) }
        starts.append(storage.count)
        Self.place(k, hash: Self.hash(text, range), in: &slots)
        return k
    }

    /// The name with index `k`.
    func name(_ k: Int) -> String {
        String(decoding: storage[starts[k]..<starts[k + 1]], as: UTF8.self)
    }

    private static func place(_ k: Int, hash: Int, in slots: inout [Int32]) {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(truncatingIfNeeded: k)
    }

    private mutating func grow() {
        var newSlots = [Int32](repeating: -1, count: slots.count * 2)
        storage.withUnsafeBufferPointer { all in
            for k in 0..<count {
                Self.place(k, hash: Self.hash(all, starts[k]..<starts[k + 1]), in: &newSlots)
            }
        }
        slots = newSlots
    }
}
