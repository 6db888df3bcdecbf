// libFuzzer target: the readers' file path (`InputFile`: incremental reads, the binary-content and
// line-length stops, QPS's line check). The input is written to a temporary file and read with
// `QPSReader.read(path:)`, `MatrixMarket.read(path:)`, `QPBinary.read(path:)` and
// `JSONVectorReader.read(path:)`. Properties:
// - a file read that succeeds gives exactly what parsing the same bytes in memory gives;
// - a text file (no control byte other than \t \n \v \f \r, no line above `InputFile.maximumLineLength`)
//   that parses in memory also reads from the file (QPS, Matrix Market);
// - `.qpb` and JSON files read exactly as their bytes decode (both succeed or both fail).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QP
import Sparse

private let path: String = {
    let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    return "\(directory)/sparseqp-fuzz-\(getpid())"
}()

private func write(_ bytes: [UInt8]) {
    guard let file = fopen(path, "wb") else { fatalError("cannot create \(path)") }
    let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
    guard fclose(file) == 0, written == bytes.count else { fatalError("cannot write \(path)") }
}

/// No control byte outside 9...13 and no line longer than `InputFile.maximumLineLength`.
private func isPlainText(_ bytes: [UInt8]) -> Bool {
    var column = 0
    for byte in bytes {
        if byte == 10 { column = 0; continue }
        column += 1
        if byte < 32 && !(9...13).contains(byte) { return false }
        if column > InputFile.maximumLineLength { return false }
    }
    return true
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFileRead(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    write(bytes)
    defer { unlink(path) }
    let plain = isPlainText(bytes)

    let qpsParsed = try? QPSReader.parse(bytes: bytes)
    let qpsRead = try? QPSReader.read(path: path)
    if let qpsRead, qpsRead != qpsParsed { fatalError("QPS: the file reads to another model than its bytes parse to") }
    if plain, qpsParsed != nil, qpsRead == nil {
        let error = Result { () throws(QPError) in try QPSReader.read(path: path) }
        fatalError("QPS: plain text that parses in memory does not read from a file: \(error)")
    }

    let mtxParsed = bytes.withUnsafeBufferPointer { try? MatrixMarket.parse(bytes: $0, path: path) }
    let mtxRead = try? MatrixMarket.read(path: path)
    if let mtxRead, mtxRead != mtxParsed { fatalError("Matrix Market: the file reads to another matrix than its bytes parse to") }
    if plain, mtxParsed != nil, mtxRead == nil {
        let error = Result { () throws(SparseFormatError) in try MatrixMarket.read(path: path) }
        fatalError("Matrix Market: plain text that parses in memory does not read from a file: \(error)")
    }

    if (try? QPBinary.read(path: path)) != (try? QPBinary.decode(bytes)) {
        fatalError(".qpb: the file reads differently from its bytes")
    }
    if (try? JSONVectorReader.read(path: path)) != (try? JSONVectorReader.parse(bytes)) {
        fatalError("JSON: the file reads differently from its bytes")
    }
    return 0
}
