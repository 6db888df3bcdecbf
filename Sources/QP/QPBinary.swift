#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Sparse

/// The `.qpb` binary format: a `QuadraticProgram` as raw little-endian arrays, for problems too
/// large for QPS text (10⁶ variables, 250 MB: written in about 0.5 s, read and validated in about 1 s).
///
/// Layout (all integers int64, all reals IEEE float64, little-endian; no padding):
///
///     offset 0   magic "SPQPBIN1" (8 ASCII bytes)
///     offset 8   n, m, nnzP, nnzA (int64 each)
///     offset 40  objectiveConstant (float64)                         — header: 48 bytes
///     P, upper triangle, CSC n×n: colptr[n+1], rowind[nnzP], values[nnzP]
///     q[n]
///     A, CSC m×n: colptr[n+1], rowind[nnzA], values[nnzA]
///     l[m], u[m]                      (infinite bounds as IEEE ±inf)
///
/// The file length is exactly 48 + 8·(2(n+1) + 2nnzP + 2nnzA + n + 2m) bytes. Reading validates
/// every invariant through the checked `CSCMatrix` and `QuadraticProgram` initializers and never
/// traps on a malformed file: header and layout problems are `QPError.qpb(offset:issue:)`, a
/// program that is well formed but invalid (l > u, P below its diagonal, NaN) is the
/// `QuadraticProgram` initializer's error.
public enum QPBinary {
    /// The 8-byte magic at offset 0.
    public static let magic: [UInt8] = Array("SPQPBIN1".utf8)
    /// Bytes before the first array.
    public static let headerSize = 48

    /// The bytes of `program` in the `.qpb` format. O(nnz + n + m), bulk copies.
    public static func encode(_ program: QuadraticProgram) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount(of: program))
        serialize(program) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Writes `program` to `path` in the `.qpb` format, streaming the arrays (no full copy in memory).
    /// See `OutputFile` for how an existing path is replaced or written through.
    public static func write(_ program: QuadraticProgram, to path: String) throws(QPError) {
        try FileIO.write(to: path) { writer in
            serialize(program) { chunk in writer.append(chunk) }
        }
    }

    /// Reads a `.qpb` file.
    public static func read(path: String) throws(QPError) -> QuadraticProgram {
        // Reading stops early when the magic does not match (decode then reports it), so a device
        // such as /dev/zero is not read without end.
        try decode(FileIO.read(path: path, mode: .binary(magic: magic)).bytes)
    }

    /// Decodes the bytes of a `.qpb` file (see the type's documentation for the errors).
    public static func decode(_ bytes: [UInt8]) throws(QPError) -> QuadraticProgram {
        // Magic.
        let prefix = Array(bytes.prefix(magic.count))
        guard prefix == Array(magic.prefix(prefix.count)) else {
            throw .qpb(offset: 0, issue: .badMagic(found: escaped(prefix)))
        }
        guard bytes.count >= headerSize else {
            let section = bytes.count < magic.count ? "magic" : "header"
            throw .qpb(offset: bytes.count < magic.count ? 0 : magic.count,
                       issue: .truncated(section: section, needed: headerSize, actual: bytes.count))
        }
        // Sizes.
        var sizes: [Int] = []
        for (k, field) in ["n", "m", "nnzP", "nnzA"].enumerated() {
            let offset = magic.count + 8 * k
            let value = Int64(bitPattern: UInt64(littleEndian: loadWord(bytes, at: offset)))
            guard value >= 0 else { throw .qpb(offset: offset, issue: .negativeSize(field: field, value: value)) }
            guard let v = Int(exactly: value) else { throw .qpb(offset: offset, issue: .sizeOverflow) }
            sizes.append(v)
        }
        let (n, m, nnzP, nnzA) = (sizes[0], sizes[1], sizes[2], sizes[3])
        let objectiveConstant = Double(bitPattern: UInt64(littleEndian: loadWord(bytes, at: 40)))

        // Layout: every section's offset, checked against overflow and the file length before any
        // allocation, so a corrupt header cannot request huge arrays.
        guard let nPlus1 = n.addingExact(1) else { throw .qpb(offset: 8, issue: .sizeOverflow) }
        let counts = [nPlus1, nnzP, nnzP, n, nPlus1, nnzA, nnzA, m, m]
        let names = ["P column pointers", "P row indices", "P values", "q",
                     "A column pointers", "A row indices", "A values", "l", "u"]
        var offsets: [Int] = []
        var end = headerSize
        for (k, count) in counts.enumerated() {
            offsets.append(end)
            guard let length = count.multipliedExact(8), let next = end.addingExact(length) else {
                throw .qpb(offset: 8, issue: .sizeOverflow)
            }
            guard next <= bytes.count else {
                throw .qpb(offset: end, issue: .truncated(section: names[k], needed: next, actual: bytes.count))
            }
            end = next
        }
        guard end == bytes.count else {
            throw .qpb(offset: end, issue: .trailingBytes(expected: end, actual: bytes.count))
        }

        // Arrays.
        let pPointers = try integers(bytes, at: offsets[0], count: nPlus1)
        let pRows = try integers(bytes, at: offsets[1], count: nnzP)
        let pValues = reals(bytes, at: offsets[2], count: nnzP)
        let q = reals(bytes, at: offsets[3], count: n)
        let aPointers = try integers(bytes, at: offsets[4], count: nPlus1)
        let aRows = try integers(bytes, at: offsets[5], count: nnzA)
        let aValues = reals(bytes, at: offsets[6], count: nnzA)
        let l = reals(bytes, at: offsets[7], count: m)
        let u = reals(bytes, at: offsets[8], count: m)

        let P: CSCMatrix, A: CSCMatrix
        do {
            P = try CSCMatrix(rowCount: n, columnCount: n, columnPointers: pPointers, rowIndices: pRows, values: pValues)
        } catch { throw .qpb(offset: offsets[0], issue: .malformedMatrix(matrix: "P", error)) }
        do {
            A = try CSCMatrix(rowCount: m, columnCount: n, columnPointers: aPointers, rowIndices: aRows, values: aValues)
        } catch { throw .qpb(offset: offsets[4], issue: .malformedMatrix(matrix: "A", error)) }
        return try QuadraticProgram(P: P, q: q, A: A, l: l, u: u, objectiveConstant: objectiveConstant)
    }

    // MARK: - Writing

    /// The file length of `program`.
    static func byteCount(of program: QuadraticProgram) -> Int {
        let words = 2 * (program.n + 1) + 2 * program.P.nonzeroCount + 2 * program.A.nonzeroCount
            + program.n + 2 * program.m
        return headerSize + 8 * words
    }

    /// Passes the bytes of `program`, in file order, to `sink` in a few large chunks.
    static func serialize(_ program: QuadraticProgram, to sink: (UnsafeRawBufferPointer) -> Void) {
        var header = magic
        for v in [program.n, program.m, program.P.nonzeroCount, program.A.nonzeroCount] {
            appendWord(UInt64(bitPattern: Int64(v)), to: &header)
        }
        appendWord(program.objectiveConstant.bitPattern, to: &header)
        header.withUnsafeBytes(sink)
        emit(program.P.columnPointers, sink)
        emit(program.P.rowIndices, sink)
        emit(program.P.values, sink)
        emit(program.q, sink)
        emit(program.A.columnPointers, sink)
        emit(program.A.rowIndices, sink)
        emit(program.A.values, sink)
        emit(program.l, sink)
        emit(program.u, sink)
    }

    private static func appendWord(_ word: UInt64, to bytes: inout [UInt8]) {
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * k))) }
    }

    // Fast paths on little-endian hosts with 64-bit Int: the arrays' memory already is the file's
    // byte layout. Elsewhere every word is converted.
    private static func emit(_ values: [Int], _ sink: (UnsafeRawBufferPointer) -> Void) {
        #if _endian(little) && _pointerBitWidth(_64)
        values.withUnsafeBytes(sink)
        #else
        emitWords(values.count, sink) { UInt64(bitPattern: Int64(values[$0])) }
        #endif
    }

    private static func emit(_ values: [Double], _ sink: (UnsafeRawBufferPointer) -> Void) {
        #if _endian(little)
        values.withUnsafeBytes(sink)
        #else
        emitWords(values.count, sink) { values[$0].bitPattern }
        #endif
    }

    /// Portable path: converts `count` words to little-endian in chunks of 64 KiB.
    private static func emitWords(_ count: Int, _ sink: (UnsafeRawBufferPointer) -> Void, word: (Int) -> UInt64) {
        var chunk: [UInt64] = []
        chunk.reserveCapacity(8192)
        var k = 0
        while k < count {
            chunk.removeAll(keepingCapacity: true)
            for i in k..<min(count, k + 8192) { chunk.append(word(i).littleEndian) }
            chunk.withUnsafeBytes(sink)
            k += chunk.count
        }
    }

    // MARK: - Reading

    private static func loadWord(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
    }

    private static func integers(_ bytes: [UInt8], at offset: Int, count: Int) throws(QPError) -> [Int] {
        #if _endian(little) && _pointerBitWidth(_64)
        return [Int](unsafeUninitializedCapacity: count) { buffer, initialized in
            copy(bytes, at: offset, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
        #else
        var out: [Int] = []
        out.reserveCapacity(count)
        for k in 0..<count {
            let value = Int64(bitPattern: UInt64(littleEndian: loadWord(bytes, at: offset + 8 * k)))
            guard let v = Int(exactly: value) else { throw .qpb(offset: offset + 8 * k, issue: .sizeOverflow) }
            out.append(v)
        }
        return out
        #endif
    }

    private static func reals(_ bytes: [UInt8], at offset: Int, count: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            #if _endian(little)
            copy(bytes, at: offset, into: UnsafeMutableRawBufferPointer(buffer))
            #else
            for k in 0..<count {
                buffer[k] = Double(bitPattern: UInt64(littleEndian: loadWord(bytes, at: offset + 8 * k)))
            }
            #endif
            initialized = count
        }
    }

    /// Copies `destination.count` bytes of `bytes` starting at `offset`.
    private static func copy(_ bytes: [UInt8], at offset: Int, into destination: UnsafeMutableRawBufferPointer) {
        bytes.withUnsafeBytes { raw in
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + destination.count)]))
        }
    }

    /// Printable form of the first bytes (non-printable ASCII as \xNN).
    private static func escaped(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            if (32..<127).contains(byte) { return String(UnicodeScalar(byte)) }
            let hex = String(byte, radix: 16)
            return "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }.joined()
    }
}

private extension Int {
    func addingExact(_ other: Int) -> Int? {
        let (r, o) = addingReportingOverflow(other)
        return o ? nil : r
    }

    func multipliedExact(_ other: Int) -> Int? {
        let (r, o) = multipliedReportingOverflow(by: other)
        return o ? nil : r
    }
}
