// libFuzzer target: `.qpb` decoding. Any input must give a program or a typed `QPError`; a decoded
// program must encode back to exactly the input bytes (the format has one encoding per program).
import QP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQPB(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let program = try? QPBinary.decode(bytes) else { return 0 }
    let again = QPBinary.encode(program)
    if again != bytes {
        fatalError("QPB round trip: \(bytes.count) bytes decoded and re-encoded to \(again.count) different bytes")
    }
    return 0
}
